/**
 * The lock that serialises concurrent migration runners on one database.
 *
 * Why polling `pg_try_advisory_lock`, and never a blocking `pg_advisory_lock`: CREATE INDEX
 * CONCURRENTLY waits until every transaction that could see the table without the index has finished
 * (PostgreSQL docs, "Building Indexes Concurrently"). A second runner blocked inside
 * `SELECT pg_advisory_lock(...)` is such a transaction, and it waits for the first runner, which waits
 * for it: a deadlock the server does not detect. A poll is a transaction of microseconds, so the index
 * build only ever waits for one poll at a time.
 *
 * Why the lock is held by the session that runs the migrations, not by a connection of its own: a
 * session-level advisory lock lives exactly as long as its session. Held elsewhere, a lock connection
 * that is killed (pg_terminate_backend, a proxy's idle timeout) frees the lock while the migrating
 * session carries on, and a second runner applies the same files beside it. Held by the migrating
 * session, losing the lock means losing the session, and with it the statement in flight. A file can
 * still release it (`SELECT pg_advisory_unlock_all()`, `DISCARD ALL`), so the runner checks that it
 * holds the lock before each file.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { InfrastructureError } from '../errors.js';
import type { Logger } from '../log.js';

/** A signed 64-bit key derived from a name, as a decimal string for `pg` (which has no bigint parameter type). */
export function advisoryLockKey(name: string): string {
  const digest = createHash('sha256').update(`perf-gate:${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}

export interface LockHolder {
  pid: number;
  applicationName: string;
  clientAddress: string | null;
  state: string | null;
  /** Seconds since the holder's current query (or idle period) began. */
  sinceSeconds: number | null;
}

const LOCK_ROW = `l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = (($1::bigint >> 32) & 4294967295)::oid
        AND l.objid = ($1::bigint & 4294967295)::oid
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** Who holds the advisory lock `key` right now, from pg_locks (a bigint key splits into classid/objid). */
export async function findLockHolder(client: pg.Client, key: string): Promise<LockHolder | undefined> {
  const result = await client.query<{
    pid: number;
    application_name: string;
    client_addr: string | null;
    state: string | null;
    since: number | null;
  }>(
    `SELECT l.pid, a.application_name, host(a.client_addr) AS client_addr, a.state,
            extract(epoch FROM now() - a.state_change)::float8 AS since
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE ${LOCK_ROW}
      LIMIT 1`,
    [key],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    pid: row.pid,
    applicationName: row.application_name ?? '',
    clientAddress: row.client_addr,
    state: row.state,
    sinceSeconds: row.since,
  };
}

export interface AcquireOptions {
  /** The dedicated connection that will hold the lock (session level) until released. */
  client: pg.Client;
  key: string;
  /** What the lock protects, for messages ("migrations on app_preview"). */
  label: string;
  timeoutMs: number;
  log: Logger;
  /** Poll interval; grows to at most 4x while waiting. */
  pollMs?: number;
  /** Injected for tests; defaults to real time. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Polls until the lock is ours; returns how long that took. Throws InfrastructureError on timeout. */
export async function acquireAdvisoryLock(options: AcquireOptions): Promise<{ waitedMs: number }> {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  let interval = options.pollMs ?? 100;
  let announced = false;
  for (;;) {
    const result = await options.client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS locked',
      [options.key],
    );
    if (result.rows[0]?.locked) return { waitedMs: now() - started };
    const waited = now() - started;
    if (!announced) {
      const holder = await findLockHolder(options.client, options.key).catch(() => undefined);
      options.log.info(
        `waiting for the lock on ${options.label}, held by ${holder ? describeHolder(holder) : 'another session'}`,
      );
      announced = true;
    }
    if (waited >= options.timeoutMs) {
      const holder = await findLockHolder(options.client, options.key).catch(() => undefined);
      throw new InfrastructureError(
        `timed out after ${Math.round(waited)} ms waiting for the lock on ${options.label}; it is held by ` +
          `${holder ? describeHolder(holder) : 'another session'}. Another migration run is still going; ` +
          'wait for it, or end that session (SELECT pg_terminate_backend(pid)) if it is stuck',
      );
    }
    await sleep(Math.min(interval, Math.max(1, options.timeoutMs - waited)));
    interval = Math.min(interval * 1.5, (options.pollMs ?? 100) * 4);
  }
}

/**
 * Throws InfrastructureError unless `client`'s own session still holds the lock `key`: its session may
 * have been ended, or something run on it may have released the lock. Either way another runner can
 * hold the lock now, and going on would apply files beside it. `next` names what was about to run.
 */
export async function assertAdvisoryLockHeld(
  client: pg.Client,
  key: string,
  label: string,
  next: string,
): Promise<void> {
  let held: boolean;
  try {
    const result = await client.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE ${LOCK_ROW} AND l.pid = pg_backend_pid()) AS held`,
      [key],
    );
    held = result.rows[0]?.held === true;
  } catch (error) {
    throw new InfrastructureError(
      `lost the lock on ${label} before ${next}: its session ended (${(error as Error).message}). Another runner may ` +
        'hold the lock now, so nothing more was applied; run the migrations again',
    );
  }
  if (!held) {
    throw new InfrastructureError(
      `lost the lock on ${label} before ${next}: this session no longer holds it (did a migration run ` +
        'pg_advisory_unlock_all() or DISCARD ALL?). Another runner may hold it now, so nothing more was applied; ' +
        'remove the unlock from the migration and run the migrations again',
    );
  }
}

export async function releaseAdvisoryLock(client: pg.Client, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
}

function describeHolder(holder: LockHolder): string {
  const parts = [`pid ${holder.pid}`];
  if (holder.applicationName) parts.push(`application "${holder.applicationName}"`);
  if (holder.clientAddress) parts.push(`from ${holder.clientAddress}`);
  if (holder.state)
    parts.push(`${holder.state}${holder.sinceSeconds !== null ? ` for ${holder.sinceSeconds.toFixed(1)} s` : ''}`);
  return parts.join(', ');
}
