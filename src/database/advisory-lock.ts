/**
 * The lock that serialises concurrent migration runners on one database.
 *
 * Why polling `pg_try_advisory_lock` on a dedicated, otherwise idle connection, and never a blocking
 * `pg_advisory_lock`: CREATE INDEX CONCURRENTLY waits until every transaction that could see the
 * table without the index has finished (PostgreSQL docs, "Building Indexes Concurrently"). A second
 * runner blocked inside `SELECT pg_advisory_lock(...)` is such a transaction, and it waits for the
 * first runner, which waits for it: a deadlock the server does not detect, because the lock is held
 * by a different backend (the lock connection) than the one running the index build. A poll is a
 * transaction of microseconds, so the index build only ever waits for one poll at a time.
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
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = (($1::bigint >> 32) & 4294967295)::oid
        AND l.objid = ($1::bigint & 4294967295)::oid
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
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
    const result = await options.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
      options.key,
    ]);
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

export async function releaseAdvisoryLock(client: pg.Client, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
}

function describeHolder(holder: LockHolder): string {
  const parts = [`pid ${holder.pid}`];
  if (holder.applicationName) parts.push(`application "${holder.applicationName}"`);
  if (holder.clientAddress) parts.push(`from ${holder.clientAddress}`);
  if (holder.state) parts.push(`${holder.state}${holder.sinceSeconds !== null ? ` for ${holder.sinceSeconds.toFixed(1)} s` : ''}`);
  return parts.join(', ');
}
