/**
 * The baseline database: a copy of the preview database made with `CREATE DATABASE x TEMPLATE y`
 * (a file-level copy, seconds even for sizeable data), dropped again at cleanup.
 *
 * PostgreSQL refuses to copy a database while any other session is connected to it ("source
 * database is being accessed by other users"; docs, "Template Databases"). Our own idle sessions
 * (application_name perf-gate*) are ended; anyone else's is reported, never killed unasked.
 */
import type pg from 'pg';
import { InfrastructureError, InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { closeQuietly, connectClient, maskerFor, postgresErrorFields, serverVersionNumber } from './connection.js';
import { databaseSecrets, parseDatabaseUrl, withDatabase } from './database-url.js';
import { quoteIdentifier } from './sql-text.js';

/** PostgreSQL truncates identifiers to NAMEDATALEN-1 = 63 bytes; do it ourselves so the name we report is the real one. */
export function baselineDatabaseName(source: string, suffix = '_baseline'): string {
  const encoder = new TextEncoder();
  let base = source;
  while (encoder.encode(base + suffix).length > 63) base = base.slice(0, -1);
  return base + suffix;
}

/** Opens a connection to the same server's maintenance database (postgres, else template1). */
async function maintenanceClient(url: string): Promise<pg.Client> {
  try {
    return await connectClient(withDatabase(url, 'postgres'), {
      purpose: 'creating or dropping a database',
      applicationName: 'perf-gate-admin',
    });
  } catch (error) {
    if (!(error instanceof InfrastructureError) || !error.message.includes('3D000')) throw error;
    return connectClient(withDatabase(url, 'template1'), {
      purpose: 'creating or dropping a database',
      applicationName: 'perf-gate-admin',
    });
  }
}

interface Session {
  pid: number;
  application_name: string;
  state: string | null;
  client_addr: string | null;
}

async function sessionsOn(admin: pg.Client, database: string): Promise<Session[]> {
  const result = await admin.query<Session>(
    `SELECT pid, application_name, state, host(client_addr) AS client_addr
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [database],
  );
  return result.rows;
}

const isOurs = (s: Session) => s.application_name.startsWith('perf-gate') && (s.state === 'idle' || s.state === null);

export interface CloneOptions {
  /** URL of the database to copy (the preview database, migrations applied). */
  sourceUrl: string;
  /** Name of the copy; default "<source>_baseline". */
  targetName?: string;
  log: Logger;
  /** Drop a database of that name first (a leftover from an interrupted run). Default false: refuse. */
  replaceExisting?: boolean;
}

export interface ClonedDatabase {
  name: string;
  url: string;
  durationMs: number;
  drop(): Promise<void>;
}

export async function cloneDatabase(options: CloneOptions): Promise<ClonedDatabase> {
  const { log } = options;
  const source = parseDatabaseUrl(options.sourceUrl, 'database-url');
  for (const secret of databaseSecrets(options.sourceUrl)) log.addSecret(secret);
  const masker = maskerFor(options.sourceUrl);
  const targetName = options.targetName ?? baselineDatabaseName(source.database);
  if (targetName === source.database)
    throw new InputError(`baseline database name ${JSON.stringify(targetName)} equals the preview database's`);
  const admin = await maintenanceClient(options.sourceUrl);
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [targetName]);
    if (exists.rowCount) {
      if (!options.replaceExisting) {
        throw new InfrastructureError(
          `cannot create baseline database "${targetName}": it already exists (a leftover from an interrupted run?); ` +
            'drop it, choose another name, or allow replacing it',
        );
      }
      log.info(`dropping leftover database "${targetName}" before copying`);
      await dropDatabaseWith(admin, targetName);
    }
    const started = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      const sessions = await sessionsOn(admin, source.database);
      const ours = sessions.filter(isOurs);
      const others = sessions.filter((s) => !isOurs(s));
      if (others.length > 0) {
        const list = others
          .slice(0, 5)
          .map(
            (s) =>
              `pid ${s.pid}${s.application_name ? ` "${s.application_name}"` : ''}${s.state ? ` ${s.state}` : ''}${s.client_addr ? ` from ${s.client_addr}` : ''}`,
          )
          .join('; ');
        throw new InfrastructureError(
          `cannot copy "${source.database}" to "${targetName}": CREATE DATABASE ... TEMPLATE needs the source to have no ` +
            `other sessions, and ${others.length} session(s) are connected (${list}). Stop the backend (or close its pool) before the ` +
            'copy, or give the baseline its own database URL',
        );
      }
      if (ours.length > 0) {
        log.info(`ending ${ours.length} idle perf-gate session(s) on "${source.database}" so it can be copied`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [ours.map((s) => s.pid)]);
      }
      try {
        await admin.query(
          `CREATE DATABASE ${quoteIdentifier(targetName)} TEMPLATE ${quoteIdentifier(source.database)}`,
        );
        break;
      } catch (error) {
        const fields = postgresErrorFields(error);
        // 55006 object_in_use: a session (often one we just terminated and that has not exited yet) is still there.
        if (fields?.code === '55006' && attempt < 10) {
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
          continue;
        }
        const advice =
          fields?.code === '42501'
            ? '; the user needs the CREATEDB privilege (ALTER ROLE ... CREATEDB) or give the baseline its own database URL'
            : fields?.code === '55006'
              ? '; another session keeps connecting to the source database (a backend with a pool?); stop it before the copy'
              : '';
        throw new InfrastructureError(
          masker.mask(
            `cannot copy "${source.database}" to "${targetName}": ${fields?.message ?? (error as Error).message}${fields?.code ? ` (SQLSTATE ${fields.code})` : ''}${advice}`,
          ),
        );
      }
    }
    const durationMs = performance.now() - started;
    const url = withDatabase(options.sourceUrl, targetName);
    log.info(
      `copied "${source.database}" to "${targetName}" in ${durationMs.toFixed(0)} ms (CREATE DATABASE ... TEMPLATE)`,
    );
    return { name: targetName, url, durationMs, drop: () => dropDatabase({ url, log }) };
  } finally {
    await closeQuietly(admin);
  }
}

async function dropDatabaseWith(admin: pg.Client, name: string): Promise<void> {
  // PG 13+ can end the remaining sessions itself (WITH (FORCE)); a stopped backend may leave a pool connection behind.
  const force = (await serverVersionNumber(admin)) >= 130000 ? ' WITH (FORCE)' : '';
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}${force}`);
}

/** Drops the database named in `url` (connecting to the server's maintenance database to do it). */
export async function dropDatabase(options: { url: string; log: Logger }): Promise<void> {
  const target = parseDatabaseUrl(options.url, 'database-url');
  const admin = await maintenanceClient(options.url);
  try {
    await dropDatabaseWith(admin, target.database);
    options.log.info(`dropped database "${target.database}"`);
  } catch (error) {
    throw new InfrastructureError(
      maskerFor(options.url).mask(`could not drop database "${target.database}": ${(error as Error).message}`),
    );
  } finally {
    await closeQuietly(admin);
  }
}
