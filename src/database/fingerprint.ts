/**
 * A schema fingerprint read from the system catalogs, and `verifyIdempotent`, which turns a
 * migration's "safe to run more than once" claim into a check: run it again, compare fingerprints.
 *
 * The fingerprint is a map from a stable key ("index public.chunks_document_id_idx") to a description
 * (its definition and validity), so two fingerprints diff into lines a person can read.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { acquireAdvisoryLock, advisoryLockKey, assertAdvisoryLockHeld, releaseAdvisoryLock } from './advisory-lock.js';
import { closeQuietly, connectClient, maskerFor } from './connection.js';
import { databaseSecrets } from './database-url.js';
import { DEFAULT_TRACKING_TABLE, migrationFailure, readApplied } from './migrate.js';
import { runMigrationCommand } from './migration-command.js';
import { loadMigrationDirectory } from './migration-files.js';
import { planMigrations } from './migration-plan.js';
import { parseQualifiedName } from './sql-text.js';

export interface SchemaFingerprint {
  /** key -> description, e.g. "column public.chunks.position" -> "integer NOT NULL". */
  entries: Record<string, string>;
  /** sha256 over the sorted entries: equal hashes, equal schemas. */
  hash: string;
}

/** 'row-counts' catches a repeated INSERT; 'content' also catches a repeated UPDATE (x = x + 1), at a full read of every table. */
export type FingerprintData = 'none' | 'row-counts' | 'content';

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/** Catalog queries, each returning (key, description) rows. Ordered output is imposed afterwards. */
const CATALOG_QUERIES: string[] = [
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

export interface FingerprintOptions {
  data?: FingerprintData;
  /** Tables ("schema.table") whose rows are not compared, e.g. a tracking table. */
  ignoreRowsOf?: string[];
}

export async function schemaFingerprint(
  client: pg.Client,
  options: FingerprintOptions = {},
): Promise<SchemaFingerprint> {
  const entries: Record<string, string> = {};
  for (const query of CATALOG_QUERIES) {
    const result = await client.query<{ key: string; description: string | null }>(query);
    for (const row of result.rows) entries[row.key] = row.description ?? '';
  }
  const data = options.data ?? 'row-counts';
  if (data !== 'none') {
    const ignored = new Set(options.ignoreRowsOf ?? []);
    const tables = await client.query<{ schema: string; name: string; ref: string }>(
      `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS ref
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS}`,
    );
    for (const table of tables.rows) {
      const key = `${table.schema}.${table.name}`;
      if (ignored.has(key)) continue;
      // `ref` comes from format('%I.%I'): quoted by the server, safe to splice.
      const sql =
        data === 'content'
          ? `SELECT count(*)::bigint AS n, md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS h FROM (SELECT md5(t::text) AS h FROM ${table.ref} t) s`
          : `SELECT count(*)::bigint AS n, NULL::text AS h FROM ${table.ref}`;
      const row = (await client.query<{ n: string; h: string | null }>(sql)).rows[0]!;
      entries[`rows ${key}`] = `${row.n} row(s)${row.h ? ` content ${row.h}` : ''}`;
    }
  }
  return { entries, hash: fingerprintHash(entries) };
}

export function fingerprintHash(entries: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(entries).sort()) hash.update(`${key}\u0000${entries[key]}\u0000`);
  return `sha256:${hash.digest('hex')}`;
}

/** Readable difference: "+ key: description" added, "- key: ..." removed, "~ key: before -> after" changed. Sorted by key. */
export function diffFingerprints(before: SchemaFingerprint, after: SchemaFingerprint): string[] {
  const keys = [...new Set([...Object.keys(before.entries), ...Object.keys(after.entries)])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const a = before.entries[key];
    const b = after.entries[key];
    if (a === b) continue;
    if (a === undefined) lines.push(`+ ${key}${b ? `: ${b}` : ''}`);
    else if (b === undefined) lines.push(`- ${key}${a ? `: ${a}` : ''}`);
    else lines.push(`~ ${key}: ${a} -> ${b}`);
  }
  return lines;
}

export type VerifyIdempotentOptions = {
  databaseUrl: string;
  log: Logger;
  data?: FingerprintData;
  /** Throw an InputError carrying the diff when the rerun changed something. Default true. */
  throwOnDifference?: boolean;
} & (
  | {
      /** Files mode: re-execute already-applied files from this folder. */
      dir: string;
      /** Which files (names or numbers, e.g. "022"); default every applied file up to `to`. */
      files?: string[];
      to?: string;
      table?: string;
      lockTimeoutMs?: number;
    }
  | { command: string[]; cwd?: string; env?: Record<string, string> }
);

export interface IdempotencyResult {
  idempotent: boolean;
  /** What was run a second time: file names or the command. */
  rerun: string[];
  diff: string[];
  /** Files mode: the transactional reruns were rolled back, leaving the database as it was. */
  rolledBack: boolean;
  /** The rerun itself failed (e.g. CREATE TABLE without IF NOT EXISTS): the message. */
  rerunError?: string;
  before: string;
  after: string;
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
export async function verifyIdempotent(options: VerifyIdempotentOptions): Promise<IdempotencyResult> {
  const { log } = options;
  for (const secret of databaseSecrets(options.databaseUrl)) log.addSecret(secret);
  const masker = maskerFor(options.databaseUrl);
  const client = await connectClient(options.databaseUrl, {
    purpose: 'the idempotency check',
    applicationName: 'perf-gate-idempotency',
  });
  let result: IdempotencyResult;
  try {
    if ('command' in options) {
      const before = await schemaFingerprint(client, { data: options.data });
      await runMigrationCommand({
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
    } else {
      result = await verifyFiles(client, options, masker);
    }
  } finally {
    await closeQuietly(client);
  }
  if (result.idempotent) {
    log.info(`idempotency check passed: running ${result.rerun.join(', ')} again changed nothing (${result.after})`);
    return result;
  }
  const explanation = result.rerunError
    ? `running it again failed:\n${result.rerunError}`
    : `running it again changed the database:\n${result.diff.map((l) => `  ${l}`).join('\n')}`;
  const message = masker.mask(`not idempotent: ${result.rerun.join(', ')}; ${explanation}`);
  if (options.throwOnDifference ?? true) throw new InputError(message);
  log.warning(message);
  return result;
}

async function verifyFiles(
  client: pg.Client,
  options: Extract<VerifyIdempotentOptions, { dir: string }>,
  masker: { mask(text: string): string },
): Promise<IdempotencyResult> {
  const table = parseQualifiedName(options.table ?? DEFAULT_TRACKING_TABLE);
  const files = await loadMigrationDirectory(options.dir);
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table.sql]);
  if (!exists.rows[0]?.t)
    throw new InputError(
      `idempotency check: no migrations were applied yet (no ${table.schema}.${table.table}); apply them first`,
    );
  // Same lock as runMigrations, held the same way (by the session that runs the files): a concurrent
  // runner must not apply files while we compare.
  const key = advisoryLockKey(`${table.schema}.${table.table}`);
  const label = `migrations (${table.schema}.${table.table})`;
  let locked = false;
  try {
    await acquireAdvisoryLock({
      client,
      key,
      label,
      timeoutMs: options.lockTimeoutMs ?? 10 * 60_000,
      log: options.log,
    });
    locked = true;
    const applied = await readApplied(client, table);
    // planMigrations verifies the checksums: re-running an edited file would check something else.
    const plan = planMigrations({ files, applied, to: options.to, allowOutOfOrder: true, dirLabel: options.dir });
    let chosen = plan.alreadyApplied;
    if (options.files?.length) {
      chosen = options.files.map((wanted) => {
        const match = files.find(
          (f) => f.name === wanted || (/^\d+$/.test(wanted) && BigInt(f.version) === BigInt(wanted)),
        );
        if (!match)
          throw new InputError(`idempotency check: no migration file ${JSON.stringify(wanted)} in ${options.dir}`);
        if (!plan.alreadyApplied.includes(match))
          throw new InputError(`idempotency check: ${match.name} is not applied yet; apply it first`);
        return match;
      });
    }
    if (chosen.length === 0) throw new InputError('idempotency check: no applied migration to run again');
    const ignoreRowsOf = [`${table.schema}.${table.table}`];
    const fp = (c: pg.Client) => schemaFingerprint(c, { data: options.data, ignoreRowsOf });
    const rerun = chosen.map((f) => f.name);
    const before = await fp(client);
    let after = before;
    let rerunError: string | undefined;
    const diff: string[] = [];
    const transactional = chosen.filter((f) => f.transactional);
    const outside = chosen.filter((f) => !f.transactional);
    await client.query('BEGIN');
    try {
      for (const file of transactional) {
        try {
          await client.query(file.sql);
        } catch (error) {
          rerunError = migrationFailure(file, error, [], masker, 'was rolled back').message;
          break;
        }
      }
      // Read inside the transaction: it sees its own changes, which the ROLLBACK then discards.
      if (!rerunError) {
        after = await fp(client);
        diff.push(...diffFingerprints(before, after));
      }
    } finally {
      await client.query('ROLLBACK');
    }
    let rolledBack = true;
    if (!rerunError && outside.length > 0) {
      await assertAdvisoryLockHeld(client, key, label, `running ${outside.map((f) => f.name).join(', ')} again`);
      rolledBack = false;
      options.log.warning(
        `running ${outside.map((f) => f.name).join(', ')} again outside a transaction: their changes, if any, stay`,
      );
      for (const file of outside) {
        try {
          await client.query(file.sql);
        } catch (error) {
          rerunError = migrationFailure(file, error, [], masker, 'ran without a transaction').message;
          break;
        }
      }
      // The transactional reruns were rolled back, so the state before is the right reference here too.
      if (!rerunError) {
        after = await fp(client);
        for (const line of diffFingerprints(before, after)) if (!diff.includes(line)) diff.push(line);
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
  } finally {
    if (locked) await releaseAdvisoryLock(client, key).catch(() => undefined);
  }
}
