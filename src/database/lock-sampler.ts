/**
 * Watches the lock waits a migration causes (and suffers) while it runs, from a separate monitoring
 * session: every `intervalMs` it asks PostgreSQL which sessions wait for a lock, on which relation
 * and in which mode, and whether the migrating session is among the ones they wait for
 * (`pg_blocking_pids`, PostgreSQL 9.6+). Consecutive sightings of one session waiting for one lock
 * become one wait; its start comes from `pg_locks.waitstart` (PostgreSQL 14+), else from the first
 * sighting, so a wait is never reported longer than it was.
 *
 * Only what identifies a wait is kept: pids, relation, lock mode, the waiting statement's command word
 * (INSERT, SELECT…). Never the statement text: it holds the application's data, which does not belong
 * in a PR comment.
 */
import type pg from 'pg';

export type LockWaitSide =
  /** Another session waited for a lock the migration held or queued for. */
  | 'blocked-by-migration'
  /** The migration waited for a lock another session held. */
  | 'migration-blocked';

export interface LockWait {
  side: LockWaitSide;
  pid: number;
  /** Schema-qualified relation, or the lock type when the lock is not on a relation (transactionid…). */
  relation: string;
  mode: string;
  /** The waiting statement's first keyword, upper case ("INSERT"); "" when unknown. */
  command: string;
  /** Milliseconds since the sampler started. */
  startMs: number;
  durationMs: number;
  /** Whether the wait was still going when sampling stopped. */
  ongoing: boolean;
}

export interface LockSample {
  pid: number;
  relation: string;
  mode: string;
  command: string;
  /** Wall-clock start of the wait (ms since the epoch), when the server reports it. */
  waitStartEpochMs: number | null;
  blockedByMigration: boolean;
  isMigration: boolean;
}

/**
 * The migration's sessions: the migrating session's pid ($1, -1 when unknown), or every session in this
 * database that named itself $2 (application_name) when the migration is a command perf-gate does not
 * drive itself (a script, Alembic) and that may open several connections.
 */
const MIGRATION_SESSIONS = `
SELECT coalesce(array_agg(pid), '{}'::int[]) AS pids
  FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()
   AND (pid = $1::int OR ($2::text IS NOT NULL AND application_name = $2::text))`;

/** One query per sample: the waiting lock requests in this database and who blocks them. */
const WAITS_SQL = `
WITH m AS (${MIGRATION_SESSIONS})
SELECT a.pid,
       coalesce(l.relation::regclass::text, l.locktype) AS relation,
       l.mode,
       upper(substring(ltrim(a.query) FROM '^[A-Za-z]+')) AS command,
       ${'{WAITSTART}'} AS wait_start_ms,
       pg_blocking_pids(a.pid) && m.pids AS blocked_by_migration,
       a.pid = ANY (m.pids) AS is_migration,
       cardinality(m.pids) AS migration_sessions
  FROM m, pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE NOT l.granted
   AND a.datname = current_database()
   AND a.pid <> pg_backend_pid()
   AND (a.pid = ANY (m.pids) OR pg_blocking_pids(a.pid) && m.pids)`;

/**
 * How many sessions the migration has now (counted apart, so a session waiting for a lock or holding
 * none on a user table still counts), and the user tables its sessions hold a lock on: the tables it touches.
 */
const TOUCHED_SQL = `
WITH m AS (${MIGRATION_SESSIONS})
SELECT cardinality(m.pids) AS migration_sessions,
       ARRAY(SELECT DISTINCT l.relation::regclass::text
               FROM pg_locks l
               JOIN pg_class c ON c.oid = l.relation
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE l.pid = ANY (m.pids) AND l.granted AND c.relkind IN ('r', 'p', 'm')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')) AS relations
  FROM m`;

export interface LockSamplerOptions {
  /** A session of its own: sampling on the migrating session would wait behind the migration. */
  monitor: pg.Client;
  /** The migrating session's backend pid (`SELECT pg_backend_pid()` on it), when perf-gate drives it. */
  migrationPid?: number;
  /**
   * Otherwise the application_name the migration command's sessions carry (perf-gate sets it through
   * the URL and PGAPPNAME); every session of the database with that name counts as the migration's.
   */
  applicationName?: string;
  /** At most 50 ms: shorter waits than the interval can be missed, longer ones are not. */
  intervalMs?: number;
  /** The clock; tests pass their own. */
  now?: () => number;
}

interface OpenWait extends LockWait {
  key: string;
  lastSeenMs: number;
}

export class LockSampler {
  private readonly open = new Map<string, OpenWait>();
  private readonly closed: LockWait[] = [];
  private readonly started: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private sql: string | undefined;
  private samples = 0;
  private failure: unknown;
  private stopped = false;
  private readonly touched = new Set<string>();
  private sawMigration = 0;

  constructor(private readonly options: LockSamplerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  get sampleCount(): number {
    return this.samples;
  }

  /** Samples in which at least one of the migration's sessions was connected. */
  get samplesWithMigration(): number {
    return this.sawMigration;
  }

  /** Starts sampling every interval until `stop()`. */
  async start(): Promise<void> {
    const version = Number(
      (await this.options.monitor.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v,
    );
    // pg_locks.waitstart exists from PostgreSQL 14.
    const waitStart = version >= 140000 ? '(extract(epoch FROM l.waitstart) * 1000)::float8' : 'NULL::float8';
    this.sql = WAITS_SQL.replace('{WAITSTART}', waitStart);
    const interval = Math.min(this.options.intervalMs ?? 25, 50);
    await this.sampleOnce();
    const tick = () => {
      this.running = this.sampleOnce().catch((error) => {
        this.failure ??= error;
      });
      void this.running.then(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, interval);
      });
    };
    this.timer = setTimeout(tick, interval);
  }

  /** Takes one sample (exposed for tests and for a final sample after the migration ends). */
  async sampleOnce(): Promise<void> {
    const wallNow = Date.now();
    const result = await this.options.monitor.query<{
      pid: number;
      relation: string;
      mode: string;
      command: string | null;
      wait_start_ms: number | null;
      blocked_by_migration: boolean;
      is_migration: boolean;
    }>(this.sql ?? WAITS_SQL.replace('{WAITSTART}', 'NULL::float8'), this.sessionParameters());
    this.samples += 1;
    const held = await this.options.monitor.query<{ migration_sessions: number; relations: string[] }>(
      TOUCHED_SQL,
      this.sessionParameters(),
    );
    const row = held.rows[0];
    if ((row?.migration_sessions ?? 0) > 0) this.sawMigration += 1;
    for (const relation of row?.relations ?? []) this.touched.add(relation);
    this.record(
      result.rows.map((r) => ({
        pid: r.pid,
        relation: r.relation,
        mode: r.mode,
        command: r.command ?? '',
        waitStartEpochMs: r.wait_start_ms,
        blockedByMigration: r.blocked_by_migration,
        isMigration: r.is_migration,
      })),
      wallNow,
    );
  }

  private sessionParameters(): [number, string | null] {
    return [this.options.migrationPid ?? -1, this.options.applicationName ?? null];
  }

  /** Folds one sample into the waits: pure bookkeeping, no I/O. */
  record(samples: LockSample[], wallNowEpochMs: number): void {
    const at = this.now() - this.started;
    const seen = new Set<string>();
    for (const s of samples) {
      const side: LockWaitSide | undefined = s.isMigration
        ? 'migration-blocked'
        : s.blockedByMigration
          ? 'blocked-by-migration'
          : undefined;
      if (!side) continue;
      const key = `${side}|${s.pid}|${s.relation}|${s.mode}`;
      seen.add(key);
      // The server's own start of the wait, on this sampler's clock; never before the sampler began
      // (a wait older than that started before anything was watched).
      const serverStart =
        s.waitStartEpochMs === null ? undefined : Math.max(0, at - Math.max(0, wallNowEpochMs - s.waitStartEpochMs));
      const existing = this.open.get(key);
      if (existing) {
        existing.lastSeenMs = at;
        existing.durationMs = at - existing.startMs;
        continue;
      }
      const startMs = serverStart ?? at;
      this.open.set(key, {
        key,
        side,
        pid: s.pid,
        relation: s.relation,
        mode: s.mode,
        command: s.command,
        startMs,
        durationMs: at - startMs,
        ongoing: true,
        lastSeenMs: at,
      });
    }
    for (const [key, wait] of this.open) {
      if (seen.has(key)) continue;
      // Gone since the last sample: it ended somewhere in between; count it to the last sighting.
      this.open.delete(key);
      this.closed.push(this.finish(wait, false));
    }
  }

  /** Stops sampling, takes a last sample, and returns every wait seen, in order of start. */
  async stop(): Promise<LockWait[]> {
    if (this.stopped) return this.waits();
    this.stopped = true;
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
    if (this.failure) throw this.failure;
    await this.sampleOnce();
    return this.waits();
  }

  /** Tables (and materialized views) the migration held a lock on in any sample. */
  touchedRelations(): string[] {
    return [...this.touched].sort();
  }

  /** The waits so far, open ones included (as ongoing). */
  waits(): LockWait[] {
    return [...this.closed, ...[...this.open.values()].map((w) => this.finish(w, true))].sort(
      (a, b) => a.startMs - b.startMs || a.pid - b.pid,
    );
  }

  private finish(wait: OpenWait, ongoing: boolean): LockWait {
    const { key: _key, lastSeenMs, ...rest } = wait;
    return { ...rest, durationMs: lastSeenMs - wait.startMs, ongoing };
  }
}

/** The figures a rehearsal reports about its waits. */
export function summarizeLockWaits(waits: readonly LockWait[]): {
  blockedMaxMs: number;
  blockedSessions: number;
  migrationWaitedMaxMs: number;
} {
  const blocked = waits.filter((w) => w.side === 'blocked-by-migration');
  return {
    blockedMaxMs: Math.max(0, ...blocked.map((w) => w.durationMs)),
    blockedSessions: new Set(blocked.map((w) => w.pid)).size,
    migrationWaitedMaxMs: Math.max(0, ...waits.filter((w) => w.side === 'migration-blocked').map((w) => w.durationMs)),
  };
}
