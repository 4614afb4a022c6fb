/**
 * Applies NNN_name.sql migration files to a database, each in its own transaction together with its
 * row in a tracking table, serialised across concurrent runners by an advisory lock.
 *
 * What this does that the usual tools (node-pg-migrate, postgres-migrations, graphile-migrate,
 * Flyway, Sqitch) do not all do: the lock is polled, never waited for, so CREATE INDEX CONCURRENTLY
 * cannot deadlock with a waiting runner, and it is held by the migrating session itself and checked
 * before each file, so a killed session cannot let a second runner in beside a live one; a non-transactional file is held to one
 * statement and the index it builds is checked for validity; a failure names the file, the line and
 * column, and Postgres's message; a dry run does not even create the tracking table.
 */
import type pg from 'pg';
import { InfrastructureError, InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { acquireAdvisoryLock, advisoryLockKey, assertAdvisoryLockHeld, releaseAdvisoryLock } from './advisory-lock.js';
import {
  closeQuietly,
  connectClient,
  maskerFor,
  postgresErrorFields,
  serverVersion,
  serverVersionNumber,
} from './connection.js';
import { databaseSecrets, maskDatabaseUrl, parseDatabaseUrl } from './database-url.js';
import { loadMigrationDirectory } from './migration-files.js';
import { type AppliedMigration, type MigrationFile, planMigrations } from './migration-plan.js';
import {
  concurrentIndexTarget,
  lineOf,
  parseQualifiedName,
  positionToLineColumn,
  quoteIdentifier,
} from './sql-text.js';

export const DEFAULT_TRACKING_TABLE = 'public.perf_gate_migrations';

export interface RunMigrationsOptions {
  databaseUrl: string;
  /** Folder holding NNN_name.sql files. */
  dir: string;
  /** Apply up to and including this number, e.g. "022". */
  to?: string;
  /** List what would be applied and its SQL; touch nothing (not even the tracking table). */
  dryRun?: boolean;
  log: Logger;
  /** How long to wait for another runner's lock before failing. Default 10 minutes. */
  lockTimeoutMs?: number;
  /** Tracking table, "table" or "schema.table". Default public.perf_gate_migrations. */
  table?: string;
  allowOutOfOrder?: boolean;
  /** Name of the config key / input the URL came from, for messages. */
  urlInputName?: string;
  /**
   * PostgreSQL's `lock_timeout` and `statement_timeout` for the migrating session, in ms (0 or
   * absent: the server's setting). A migration queued behind a long transaction's lock then fails
   * the gate with a message that says so, instead of hanging the job, and every request queued
   * behind the migration's own lock request waits at most this long.
   */
  sessionTimeouts?: MigrationSessionTimeouts;
  /**
   * Called with the migrating session's backend pid once it holds the migration lock, before the first
   * file (the rehearsal starts its lock sampler here). Not called on a dry run.
   */
  onSession?: (pid: number) => Promise<void>;
}

export interface MigrationSessionTimeouts {
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export interface AppliedFile {
  name: string;
  checksum: string;
  durationMs: number;
}

export interface MigrationSummary {
  applied: AppliedFile[];
  /** Already applied before this run, checksum verified. */
  skipped: { name: string; checksum: string }[];
  /** Not applied at the end of this run: beyond `to`, or (dry run) what would be applied. */
  pending: { name: string; checksum: string; sql: string }[];
  serverVersion: string;
  lockWaitMs: number;
  dryRun: boolean;
  trackingTable: string;
}

export async function runMigrations(options: RunMigrationsOptions): Promise<MigrationSummary> {
  const { log } = options;
  const urlInput = options.urlInputName ?? 'database-url';
  const target = parseDatabaseUrl(options.databaseUrl, urlInput);
  for (const secret of databaseSecrets(options.databaseUrl)) log.addSecret(secret);
  const masker = maskerFor(options.databaseUrl);
  let table: ReturnType<typeof parseQualifiedName>;
  try {
    table = parseQualifiedName(options.table ?? DEFAULT_TRACKING_TABLE);
  } catch (error) {
    throw new InputError(`migrations-table: ${(error as Error).message}`);
  }
  const timeoutSettings = sessionTimeoutSettings(options.sessionTimeouts);
  const files = await loadMigrationDirectory(options.dir);
  const where = `${maskDatabaseUrl(target.url)}`;
  log.info(
    `migrations: ${files.length} file(s) in ${options.dir}, target ${where}${options.to ? `, up to ${options.to}` : ''}`,
  );

  const work = await connectClient(options.databaseUrl, {
    purpose: 'migrations',
    applicationName: 'perf-gate-migrate',
  });
  const lockKey = advisoryLockKey(`${table.schema}.${table.table}`);
  let locked = false;
  try {
    const version = await serverVersion(work);
    if (options.dryRun) return await dryRun(work, table, files, options, version);

    // PG 14+: notice a vanished client (a SIGKILLed runner) within a second even mid-statement, so its
    // transaction is rolled back promptly instead of when its long statement ends.
    if ((await serverVersionNumber(work)) >= 140000) {
      await work.query("SET client_connection_check_interval = '1s'").catch(() => undefined);
    }
    const lockLabel = `migrations (${table.schema}.${table.table}) in database "${target.database}"`;
    const { waitedMs } = await acquireAdvisoryLock({
      client: work,
      key: lockKey,
      label: lockLabel,
      timeoutMs: options.lockTimeoutMs ?? 10 * 60_000,
      log,
    });
    locked = true;
    if (waitedMs > 50) log.info(`migration lock acquired after ${Math.round(waitedMs)} ms`);

    await ensureTrackingTable(work, table);
    await applySessionTimeouts(work, timeoutSettings);
    if (options.onSession) {
      const pid = (await work.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await options.onSession(pid);
    }
    const applied = await readApplied(work, table);
    const plan = planMigrations({
      files,
      applied,
      to: options.to,
      allowOutOfOrder: options.allowOutOfOrder,
      dirLabel: options.dir,
    });
    for (const missing of plan.missingFiles) {
      log.warning(`migration ${missing.name} is recorded as applied but its file is not in ${options.dir}`);
    }
    for (const rename of plan.renamed)
      log.info(`note: ${rename.from} was applied under that name; the file is now ${rename.to}`);

    const summary: MigrationSummary = {
      applied: [],
      skipped: plan.alreadyApplied.map((f) => ({ name: f.name, checksum: f.checksum })),
      pending: plan.beyondTarget.map((f) => ({ name: f.name, checksum: f.checksum, sql: f.sql })),
      serverVersion: version,
      lockWaitMs: waitedMs,
      dryRun: false,
      trackingTable: `${table.schema}.${table.table}`,
    };
    if (plan.toApply.length === 0) {
      log.info(
        `database is up to date: ${plan.alreadyApplied.length} migration(s) already applied, nothing to apply` +
          (plan.beyondTarget.length ? ` (${plan.beyondTarget.length} beyond ${options.to} left pending)` : ''),
      );
      return summary;
    }
    for (let i = 0; i < plan.toApply.length; i += 1) {
      const file = plan.toApply[i]!;
      const notTried = plan.toApply.slice(i + 1).map((f) => f.name);
      await assertAdvisoryLockHeld(
        work,
        lockKey,
        lockLabel,
        `${file.name}${notTried.length ? ` (not tried: ${notTried.join(', ')})` : ''}`,
      );
      const durationMs = file.transactional
        ? await applyInTransaction(work, table, file, notTried, masker)
        : await applyWithoutTransaction(work, table, file, notTried, masker);
      summary.applied.push({ name: file.name, checksum: file.checksum, durationMs });
      log.info(`applied ${file.name} in ${durationMs.toFixed(1)} ms${file.transactional ? '' : ' (no transaction)'}`);
    }
    log.info(
      `migrations done: ${summary.applied.length} applied, ${summary.skipped.length} already applied, ${summary.pending.length} pending`,
    );
    return summary;
  } finally {
    if (locked) await releaseAdvisoryLock(work, lockKey).catch(() => undefined);
    await closeQuietly(work);
  }
}

async function dryRun(
  work: pg.Client,
  table: ReturnType<typeof parseQualifiedName>,
  files: MigrationFile[],
  options: RunMigrationsOptions,
  version: string,
): Promise<MigrationSummary> {
  const exists = await work.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table.sql]);
  const applied = exists.rows[0]?.t ? await readApplied(work, table) : [];
  const plan = planMigrations({
    files,
    applied,
    to: options.to,
    allowOutOfOrder: options.allowOutOfOrder,
    dirLabel: options.dir,
  });
  const { log } = options;
  log.info(
    `dry run: ${plan.toApply.length} migration(s) would be applied, ${plan.alreadyApplied.length} already applied; nothing was changed`,
  );
  for (const file of plan.toApply) {
    await log.group(
      `would apply ${file.name}${file.transactional ? '' : ' (no transaction)'} ${file.checksum}`,
      async () => {
        for (const line of file.sql.split(/\r?\n/)) log.info(line);
      },
    );
  }
  return {
    applied: [],
    skipped: plan.alreadyApplied.map((f) => ({ name: f.name, checksum: f.checksum })),
    pending: [...plan.toApply, ...plan.beyondTarget].map((f) => ({ name: f.name, checksum: f.checksum, sql: f.sql })),
    serverVersion: version,
    lockWaitMs: 0,
    dryRun: true,
    trackingTable: `${table.schema}.${table.table}`,
  };
}

/**
 * Session-level SET, so it covers both the transactional files and the CONCURRENTLY ones. Set after the
 * tracking table exists: its CREATE TABLE IF NOT EXISTS is ours, not the user's migration.
 */
function sessionTimeoutSettings(timeouts: MigrationSessionTimeouts | undefined): [string, number][] {
  const settings: [string, number][] = [];
  for (const [setting, ms] of [
    ['lock_timeout', timeouts?.lockTimeoutMs],
    ['statement_timeout', timeouts?.statementTimeoutMs],
  ] as const) {
    if (ms === undefined) continue;
    // PostgreSQL's limit for both settings is INT_MAX milliseconds.
    if (!(Number.isInteger(ms) && ms >= 0 && ms <= 2_147_483_647))
      throw new InputError(
        `migration ${setting}: got ${ms}; expected an integer number of milliseconds from 0 to 2147483647`,
      );
    settings.push([setting, ms]);
  }
  return settings;
}

async function applySessionTimeouts(client: pg.Client, settings: [string, number][]): Promise<void> {
  // SET takes no bind parameters; the names are ours and the values checked integers.
  for (const [setting, ms] of settings) await client.query(`SET ${setting} = ${ms}`);
}

export async function ensureTrackingTable(
  client: pg.Client,
  table: ReturnType<typeof parseQualifiedName>,
): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(table.schema)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${table.sql} (
    version bigint PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms double precision NOT NULL,
    transactional boolean NOT NULL DEFAULT true
  )`);
}

export async function readApplied(
  client: pg.Client,
  table: ReturnType<typeof parseQualifiedName>,
): Promise<AppliedMigration[]> {
  const result = await client.query<{ version: string; name: string; checksum: string }>(
    `SELECT version::text AS version, name, checksum FROM ${table.sql} ORDER BY version`,
  );
  return result.rows;
}

async function recordApplied(
  client: pg.Client,
  table: ReturnType<typeof parseQualifiedName>,
  file: MigrationFile,
  durationMs: number,
): Promise<void> {
  await client.query(
    `INSERT INTO ${table.sql} (version, name, checksum, duration_ms, transactional) VALUES ($1::bigint, $2, $3, $4, $5)`,
    [file.version, file.name, file.checksum, durationMs, file.transactional],
  );
}

async function applyInTransaction(
  client: pg.Client,
  table: ReturnType<typeof parseQualifiedName>,
  file: MigrationFile,
  notTried: string[],
  masker: ReturnType<typeof maskerFor>,
): Promise<number> {
  await client.query('BEGIN');
  try {
    const started = performance.now();
    // The whole file goes as one simple-protocol query: the server's parser splits it, and an error
    // position is an offset into exactly this text.
    await client.query(file.sql);
    const durationMs = performance.now() - started;
    await recordApplied(client, table, file, durationMs);
    await client.query('COMMIT');
    return durationMs;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw migrationFailure(file, error, notTried, masker, 'rolled back: nothing of it was applied');
  }
}

async function applyWithoutTransaction(
  client: pg.Client,
  table: ReturnType<typeof parseQualifiedName>,
  file: MigrationFile,
  notTried: string[],
  masker: ReturnType<typeof maskerFor>,
): Promise<number> {
  const index = concurrentIndexTarget(file.sql);
  const started = performance.now();
  try {
    await client.query(file.sql);
  } catch (error) {
    const invalid = index ? await invalidIndexes(client, index).catch(() => []) : [];
    const leftover = invalid.length
      ? `; it left ${invalid.map((i) => `invalid index ${i.qualified}`).join(', ')}: drop it (DROP INDEX CONCURRENTLY ${invalid[0]!.qualified}) before retrying`
      : '';
    throw migrationFailure(
      file,
      error,
      notTried,
      masker,
      `ran without a transaction, so nothing could be rolled back${leftover}`,
    );
  }
  const durationMs = performance.now() - started;
  if (index) {
    // CREATE INDEX CONCURRENTLY that fails part-way, or IF NOT EXISTS meeting an index left invalid by
    // an earlier interrupted build, leaves an index the planner ignores but writes still maintain.
    const invalid = await invalidIndexes(client, index);
    if (invalid.length > 0) {
      const names = invalid.map((i) => i.qualified).join(', ');
      throw new InfrastructureError(
        `migration ${file.name}: index ${names} is INVALID after the run (pg_index.indisvalid = false), usually left by ` +
          `an interrupted or failed CREATE INDEX CONCURRENTLY. Drop it (DROP INDEX CONCURRENTLY ${invalid[0]!.qualified}) ` +
          `and run the migrations again; ${file.name} was not recorded as applied` +
          (notTried.length ? `; not tried: ${notTried.join(', ')}` : ''),
      );
    }
  }
  await recordApplied(client, table, file, durationMs);
  return durationMs;
}

async function invalidIndexes(
  client: pg.Client,
  target: { index?: string; table?: string },
): Promise<{ qualified: string }[]> {
  const tableParts = (target.table ?? '').split('.');
  const tableRef = tableParts.map(quoteIdentifier).join('.');
  const result = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = to_regclass($1) AND NOT i.indisvalid
        AND ($2::text IS NULL OR c.relname = $2)`,
    [tableRef, target.index ?? null],
  );
  return result.rows.map((r) => ({ qualified: `${quoteIdentifier(r.schema)}.${quoteIdentifier(r.name)}` }));
}

/** Builds the error a user reads when a migration fails: file, line:column, Postgres's own words. */
export function migrationFailure(
  file: MigrationFile,
  error: unknown,
  notTried: string[],
  masker: { mask(text: string): string },
  outcome: string,
): InfrastructureError {
  const fields = postgresErrorFields(error);
  const lines: string[] = [];
  if (fields) {
    let at = '';
    let pointer: string[] = [];
    if (fields.position) {
      const { line, column } = positionToLineColumn(file.sql, Number(fields.position));
      at = ` at line ${line}, column ${column}`;
      const text = lineOf(file.sql, line);
      const gutter = `${line} | `;
      pointer = [`  ${gutter}${text}`, `  ${' '.repeat(gutter.length)}${' '.repeat(Math.max(0, column - 1))}^`];
    }
    lines.push(
      `migration ${file.name} failed${at}: ${fields.message}${fields.code ? ` (SQLSTATE ${fields.code})` : ''}`,
    );
    lines.push(...pointer);
    if (fields.detail) lines.push(`  detail: ${fields.detail}`);
    if (fields.hint) lines.push(`  hint: ${fields.hint}`);
    if (fields.where) lines.push(`  where: ${fields.where}`);
  } else {
    lines.push(`migration ${file.name} failed: ${(error as Error)?.message ?? String(error)}`);
  }
  lines.push(
    `${file.name} ${outcome}; earlier migrations stay applied${notTried.length ? `; not tried: ${notTried.join(', ')}` : ''}`,
  );
  // 55P03 lock_not_available is what lock_timeout raises; 57014 query_canceled is what statement_timeout raises.
  if (fields?.code === '55P03')
    lines.push(
      'the migration waited for a lock longer than lock_timeout allows: another session held a conflicting lock (a long transaction, or traffic); on a live service this is the wait every query queued behind the migration would have shared',
    );
  if (fields?.code === '57014')
    lines.push('the statement was cancelled: it ran longer than statement_timeout allows, or someone cancelled it');
  // 57P01..57P03: the server ended the session (pg_terminate_backend, shutdown). The migration lock went with it.
  if (fields?.code?.startsWith('57P'))
    lines.push('the migrating session was ended, and the migration lock with it: run the migrations again');
  return new InfrastructureError(masker.mask(lines.join('\n')));
}
