export const id = 925;
export const ids = [925];
export const modules = {

/***/ 75925:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   verifyIdempotent: () => (/* binding */ verifyIdempotent)
/* harmony export */ });
/* unused harmony exports schemaFingerprint, fingerprintHash, diffFingerprints */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(72561);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _advisory_lock_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(17124);
/* harmony import */ var _connection_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(72713);
/* harmony import */ var _database_url_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(90616);
/* harmony import */ var _migrate_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(39796);
/* harmony import */ var _migration_command_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(31721);
/* harmony import */ var _migration_files_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(49819);
/* harmony import */ var _migration_plan_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(41461);
/* harmony import */ var _sql_text_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(46453);
/**
 * A schema fingerprint read from the system catalogs, and `verifyIdempotent`, which turns a
 * migration's "safe to run more than once" claim into a check: run it again, compare fingerprints.
 *
 * The fingerprint is a map from a stable key ("index public.chunks_document_id_idx") to a description
 * (its definition and validity), so two fingerprints diff into lines a person can read.
 */










const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;
/** Catalog queries, each returning (key, description) rows. Ordered output is imposed afterwards. */
const CATALOG_QUERIES = [
    `SELECT 'schema ' || n.nspname AS key, 'schema' AS description FROM pg_namespace n WHERE ${USER_SCHEMAS}`,
    `SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
            WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'relation' END || ' ' || n.nspname || '.' || c.relname AS key,
          concat_ws(' ', CASE WHEN c.relkind = 'p' THEN 'partitioned' END, CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END) AS description
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${USER_SCHEMAS}`,
    `SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname AS key,
          concat_ws(' ', format_type(a.atttypid, a.atttypmod),
                    CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                    CASE WHEN a.attidentity <> '' THEN 'IDENTITY' END,
                    CASE WHEN a.attgenerated <> '' THEN 'GENERATED AS ' || pg_get_expr(d.adbin, d.adrelid)
                         WHEN d.adbin IS NOT NULL THEN 'DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) END) AS description
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}`,
    `SELECT 'index ' || n.nspname || '.' || ic.relname AS key,
          pg_get_indexdef(i.indexrelid) || CASE WHEN NOT i.indisvalid THEN ' [INVALID]' ELSE '' END AS description
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
    WHERE ${USER_SCHEMAS}`,
    `SELECT 'constraint ' || n.nspname || '.' || c.relname || '.' || con.conname AS key, pg_get_constraintdef(con.oid) AS description
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS}`,
    `SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key,
          'returns ' || pg_get_function_result(p.oid) || ' body ' || md5(coalesce(p.prosrc, '')) AS description
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE ${USER_SCHEMAS} AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')`,
    `SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname AS key, pg_get_triggerdef(t.oid) AS description
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND ${USER_SCHEMAS}`,
    `SELECT 'type ' || n.nspname || '.' || t.typname AS key, 'enum (' || string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) || ')' AS description
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE ${USER_SCHEMAS} GROUP BY n.nspname, t.typname`,
    `SELECT 'extension ' || extname AS key, 'version ' || extversion AS description FROM pg_extension`,
];
async function schemaFingerprint(client, options = {}) {
    const entries = {};
    for (const query of CATALOG_QUERIES) {
        const result = await client.query(query);
        for (const row of result.rows)
            entries[row.key] = row.description ?? '';
    }
    const data = options.data ?? 'row-counts';
    if (data !== 'none') {
        const ignored = new Set(options.ignoreRowsOf ?? []);
        const tables = await client.query(`SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS ref
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS}`);
        for (const table of tables.rows) {
            const key = `${table.schema}.${table.name}`;
            if (ignored.has(key))
                continue;
            // `ref` comes from format('%I.%I'): quoted by the server, safe to splice.
            const sql = data === 'content'
                ? `SELECT count(*)::bigint AS n, md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS h FROM (SELECT md5(t::text) AS h FROM ${table.ref} t) s`
                : `SELECT count(*)::bigint AS n, NULL::text AS h FROM ${table.ref}`;
            const row = (await client.query(sql)).rows[0];
            entries[`rows ${key}`] = `${row.n} row(s)${row.h ? ` content ${row.h}` : ''}`;
        }
    }
    return { entries, hash: fingerprintHash(entries) };
}
function fingerprintHash(entries) {
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    for (const key of Object.keys(entries).sort())
        hash.update(`${key}\u0000${entries[key]}\u0000`);
    return `sha256:${hash.digest('hex')}`;
}
/** Readable difference: "+ key: description" added, "- key: ..." removed, "~ key: before -> after" changed. Sorted by key. */
function diffFingerprints(before, after) {
    const keys = [...new Set([...Object.keys(before.entries), ...Object.keys(after.entries)])].sort();
    const lines = [];
    for (const key of keys) {
        const a = before.entries[key];
        const b = after.entries[key];
        if (a === b)
            continue;
        if (a === undefined)
            lines.push(`+ ${key}${b ? `: ${b}` : ''}`);
        else if (b === undefined)
            lines.push(`- ${key}${a ? `: ${a}` : ''}`);
        else
            lines.push(`~ ${key}: ${a} -> ${b}`);
    }
    return lines;
}
/**
 * Runs the migration(s) a second time and compares fingerprints.
 *
 * Files mode re-executes the chosen, already-applied files WITHOUT touching the tracking table: the
 * transactional ones inside one transaction that is then rolled back (so the check leaves no trace),
 * the "no-transaction" ones for real afterwards (they cannot run in a transaction), which is only
 * harmless if they are idempotent, which is the claim being checked. Command mode runs the
 * command again; nothing can be rolled back there.
 */
async function verifyIdempotent(options) {
    const { log } = options;
    for (const secret of (0,_database_url_js__WEBPACK_IMPORTED_MODULE_4__/* .databaseSecrets */ .hu)(options.databaseUrl))
        log.addSecret(secret);
    const masker = (0,_connection_js__WEBPACK_IMPORTED_MODULE_3__/* .maskerFor */ .LL)(options.databaseUrl);
    const client = await (0,_connection_js__WEBPACK_IMPORTED_MODULE_3__/* .connectClient */ .mh)(options.databaseUrl, {
        purpose: 'the idempotency check',
        applicationName: 'perf-gate-idempotency',
    });
    let result;
    try {
        if ('command' in options) {
            const before = await schemaFingerprint(client, { data: options.data });
            await (0,_migration_command_js__WEBPACK_IMPORTED_MODULE_6__/* .runMigrationCommand */ .$)({
                command: options.command,
                databaseUrl: options.databaseUrl,
                log,
                cwd: options.cwd,
                env: options.env,
            });
            const after = await schemaFingerprint(client, { data: options.data });
            const diff = diffFingerprints(before, after);
            result = {
                idempotent: diff.length === 0,
                rerun: [options.command.join(' ')],
                diff,
                rolledBack: false,
                before: before.hash,
                after: after.hash,
            };
        }
        else {
            result = await verifyFiles(client, options, masker);
        }
    }
    finally {
        await (0,_connection_js__WEBPACK_IMPORTED_MODULE_3__/* .closeQuietly */ .EO)(client);
    }
    if (result.idempotent) {
        log.info(`idempotency check passed: running ${result.rerun.join(', ')} again changed nothing (${result.after})`);
        return result;
    }
    const explanation = result.rerunError
        ? `running it again failed:\n${result.rerunError}`
        : `running it again changed the database:\n${result.diff.map((l) => `  ${l}`).join('\n')}`;
    const message = masker.mask(`not idempotent: ${result.rerun.join(', ')}; ${explanation}`);
    if (options.throwOnDifference ?? true)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(message);
    log.warning(message);
    return result;
}
async function verifyFiles(client, options, masker) {
    const table = (0,_sql_text_js__WEBPACK_IMPORTED_MODULE_9__/* .parseQualifiedName */ .z$)(options.table ?? _migrate_js__WEBPACK_IMPORTED_MODULE_5__/* .DEFAULT_TRACKING_TABLE */ .rn);
    const files = await (0,_migration_files_js__WEBPACK_IMPORTED_MODULE_7__/* .loadMigrationDirectory */ .O)(options.dir);
    const exists = await client.query('SELECT to_regclass($1)::text AS t', [table.sql]);
    if (!exists.rows[0]?.t)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`idempotency check: no migrations were applied yet (no ${table.schema}.${table.table}); apply them first`);
    // Same lock as runMigrations, held the same way (by the session that runs the files): a concurrent
    // runner must not apply files while we compare.
    const key = (0,_advisory_lock_js__WEBPACK_IMPORTED_MODULE_2__/* .advisoryLockKey */ .Ut)(`${table.schema}.${table.table}`);
    const label = `migrations (${table.schema}.${table.table})`;
    let locked = false;
    try {
        await (0,_advisory_lock_js__WEBPACK_IMPORTED_MODULE_2__/* .acquireAdvisoryLock */ .lX)({
            client,
            key,
            label,
            timeoutMs: options.lockTimeoutMs ?? 10 * 60_000,
            log: options.log,
        });
        locked = true;
        const applied = await (0,_migrate_js__WEBPACK_IMPORTED_MODULE_5__/* .readApplied */ .WT)(client, table);
        // planMigrations verifies the checksums: re-running an edited file would check something else.
        const plan = (0,_migration_plan_js__WEBPACK_IMPORTED_MODULE_8__/* .planMigrations */ .n6)({ files, applied, to: options.to, allowOutOfOrder: true, dirLabel: options.dir });
        let chosen = plan.alreadyApplied;
        if (options.files?.length) {
            chosen = options.files.map((wanted) => {
                const match = files.find((f) => f.name === wanted || (/^\d+$/.test(wanted) && BigInt(f.version) === BigInt(wanted)));
                if (!match)
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`idempotency check: no migration file ${JSON.stringify(wanted)} in ${options.dir}`);
                if (!plan.alreadyApplied.includes(match))
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz(`idempotency check: ${match.name} is not applied yet; apply it first`);
                return match;
            });
        }
        if (chosen.length === 0)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .InputError */ .dz('idempotency check: no applied migration to run again');
        const ignoreRowsOf = [`${table.schema}.${table.table}`];
        const fp = (c) => schemaFingerprint(c, { data: options.data, ignoreRowsOf });
        const rerun = chosen.map((f) => f.name);
        const before = await fp(client);
        let after = before;
        let rerunError;
        const diff = [];
        const transactional = chosen.filter((f) => f.transactional);
        const outside = chosen.filter((f) => !f.transactional);
        await client.query('BEGIN');
        try {
            for (const file of transactional) {
                try {
                    await client.query(file.sql);
                }
                catch (error) {
                    rerunError = (0,_migrate_js__WEBPACK_IMPORTED_MODULE_5__/* .migrationFailure */ .nU)(file, error, [], masker, 'was rolled back').message;
                    break;
                }
            }
            // Read inside the transaction: it sees its own changes, which the ROLLBACK then discards.
            if (!rerunError) {
                after = await fp(client);
                diff.push(...diffFingerprints(before, after));
            }
        }
        finally {
            await client.query('ROLLBACK');
        }
        let rolledBack = true;
        if (!rerunError && outside.length > 0) {
            await (0,_advisory_lock_js__WEBPACK_IMPORTED_MODULE_2__/* .assertAdvisoryLockHeld */ .Go)(client, key, label, `running ${outside.map((f) => f.name).join(', ')} again`);
            rolledBack = false;
            options.log.warning(`running ${outside.map((f) => f.name).join(', ')} again outside a transaction: their changes, if any, stay`);
            for (const file of outside) {
                try {
                    await client.query(file.sql);
                }
                catch (error) {
                    rerunError = (0,_migrate_js__WEBPACK_IMPORTED_MODULE_5__/* .migrationFailure */ .nU)(file, error, [], masker, 'ran without a transaction').message;
                    break;
                }
            }
            // The transactional reruns were rolled back, so the state before is the right reference here too.
            if (!rerunError) {
                after = await fp(client);
                for (const line of diffFingerprints(before, after))
                    if (!diff.includes(line))
                        diff.push(line);
            }
        }
        return {
            idempotent: !rerunError && diff.length === 0,
            rerun,
            diff: rerunError ? [] : diff,
            rolledBack,
            rerunError,
            before: before.hash,
            after: after.hash,
        };
    }
    finally {
        if (locked)
            await (0,_advisory_lock_js__WEBPACK_IMPORTED_MODULE_2__/* .releaseAdvisoryLock */ .Yy)(client, key).catch(() => undefined);
    }
}


/***/ })

};
