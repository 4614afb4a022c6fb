/**
 * Migration rehearsal: apply the pending migrations to a database while a backend on that database
 * serves the workload, and record what the migration did to the traffic. No migration linter or
 * schema tool measures this; they read the SQL and guess at the locks.
 *
 * The traffic is a run of short open-loop slices of `runRound` on one keep-alive pool: a few slices
 * before the migration (the reference), slices while it runs, a few after. A slice waits for its last
 * responses before the next starts, so a request held by a lock stretches its slice rather than being
 * cut off: its latency is the blocked time the user would have seen. Alongside, a LockSampler names
 * each wait (session, relation, lock mode, duration), so a slow slice is explained, not only seen.
 */
import type pg from 'pg';
import { closeQuietly, connectClient } from '../database/connection.js';
import { LockSampler, type LockWait, summarizeLockWaits } from '../database/lock-sampler.js';
import { DEFAULT_TRACKING_TABLE, type MigrationSessionTimeouts, runMigrations } from '../database/migrate.js';
import { errorMessage } from '../errors.js';
import { createLatencyHistogram, type Histogram, summarizeLatency } from '../load/latency-histogram.js';
import { createLoadPool, runRound } from '../load/run-round.js';
import type { Workload } from '../load/workload.js';
import type { Logger } from '../log.js';

export type RehearsalPhase = 'before' | 'during' | 'after';

export interface RehearsalSlice {
  phase: RehearsalPhase;
  /** Milliseconds since the rehearsal's traffic started. */
  startMs: number;
  durationMs: number;
  requests: number;
  failed: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface RehearsalWindow {
  requests: number;
  failed: number;
  errorRate: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface TouchedTable {
  relation: string;
  /** The planner's estimate (pg_class.reltuples), taken before the migration. */
  rows: number;
  /** Table, indexes and TOAST (pg_total_relation_size), before the migration. */
  bytes: number;
}

export interface RehearsalRecord {
  /** When the migration started and how long it ran, ms since the traffic started. */
  migration: {
    startMs: number;
    durationMs: number;
    applied: { name: string; durationMs: number }[];
    error?: string;
    /** A command whose sessions never carried the application_name: its lock waits could not be watched. */
    unattributed?: string;
  };
  waits: LockWait[];
  blockedMaxMs: number;
  blockedSessions: number;
  migrationWaitedMaxMs: number;
  tables: TouchedTable[];
  before: RehearsalWindow;
  during: RehearsalWindow;
  after: RehearsalWindow;
  slices: RehearsalSlice[];
  /**
   * The lock sampler's interval and sample count (waits shorter than the interval can be missed), and
   * when it started, ms since the traffic started: a wait's startMs counts from there.
   */
  sampling: { intervalMs: number; samples: number; startMs: number };
}

/**
 * What is rehearsed: SQL files perf-gate applies itself (its session's pid is the migration), or a
 * command (a team's script, Alembic) whose sessions are known by the application_name it is given.
 */
export type RehearsedMigrations =
  | { kind: 'sql'; dir: string; to?: string }
  | {
      kind: 'command';
      /** How the run is named in the report ("alembic upgrade head", "python migrations/022.py"). */
      name: string;
      /** The application_name the command's sessions carry (the runner passes it on); the sampler finds them by it. */
      applicationName: string;
      /** Runs the command against the rehearsal's database; throws when it fails. */
      run: () => Promise<void>;
    };

export interface RehearsalOptions {
  databaseUrl: string;
  migrations: RehearsedMigrations;
  baseUrl: string;
  workload: Workload;
  rate: number;
  timeoutMs: number;
  maxInFlight?: number;
  seed?: number;
  /** Length of one traffic slice; default 500 ms. */
  sliceMs?: number;
  /** Traffic before the migration starts and after it ends; default 3 s and 2 s. */
  beforeMs?: number;
  afterMs?: number;
  sessionTimeouts?: MigrationSessionTimeouts;
  samplingIntervalMs?: number;
  log: Logger;
  signal?: AbortSignal;
}

/** perf-gate's tracking table and Alembic's version table, as the sampler names them (with or without schema). */
const BOOKKEEPING = new Set([
  DEFAULT_TRACKING_TABLE,
  DEFAULT_TRACKING_TABLE.replace(/^public\./, ''),
  'alembic_version',
  'public.alembic_version',
]);

function bookkeeping(relation: string): boolean {
  return BOOKKEEPING.has(relation);
}

/** Sizes of the user tables, read before the migration so a rewrite does not change the figure. */
async function userTableSizes(client: pg.Client): Promise<Map<string, TouchedTable>> {
  const result = await client.query<{ relation: string; rows: string; bytes: string }>(
    `SELECT c.oid::regclass::text AS relation, greatest(c.reltuples, 0)::bigint::text AS rows, pg_total_relation_size(c.oid)::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
  );
  return new Map(
    result.rows.map((r) => [r.relation, { relation: r.relation, rows: Number(r.rows), bytes: Number(r.bytes) }]),
  );
}

function windowOf(slices: readonly { requests: number; failed: number; histogram: Histogram }[]): RehearsalWindow {
  const merged = createLatencyHistogram();
  let requests = 0;
  let failed = 0;
  for (const s of slices) {
    merged.add(s.histogram);
    requests += s.requests;
    failed += s.failed;
  }
  const latency = summarizeLatency(merged);
  return {
    requests,
    failed,
    errorRate: requests > 0 ? failed / requests : 0,
    latencyMs: { p50: latency.p50, p99: latency.p99, max: latency.max },
  };
}

export async function rehearseMigrations(options: RehearsalOptions): Promise<RehearsalRecord> {
  const { log } = options;
  const sliceMs = options.sliceMs ?? 500;
  const beforeMs = options.beforeMs ?? 3_000;
  const afterMs = options.afterMs ?? 2_000;
  const intervalMs = options.samplingIntervalMs ?? 25;
  const monitor = await connectClient(options.databaseUrl, {
    purpose: 'the migration rehearsal',
    applicationName: 'perf-gate-rehearsal',
  });
  const pool = createLoadPool(options.baseUrl, {
    mode: 'open',
    maxInFlight: options.maxInFlight,
    timeoutMs: options.timeoutMs,
  });
  const slices: (RehearsalSlice & { histogram: Histogram })[] = [];
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  let migrationStart = Number.POSITIVE_INFINITY;
  let migrationEnd = Number.POSITIVE_INFINITY;
  let migrationSettled = false;
  let sampler: LockSampler | undefined;
  let samplerStart = 0;
  try {
    const sizes = await userTableSizes(monitor);
    let sliceIndex = 0;
    const slice = async () => {
      const startMs = since();
      const outcome = await runRound({
        baseUrl: options.baseUrl,
        workload: options.workload,
        mode: 'open',
        rate: options.rate,
        durationMs: sliceMs,
        timeoutMs: options.timeoutMs,
        pool,
        seed: (options.seed ?? 1) + sliceIndex++,
        signal: options.signal,
      });
      if (outcome.aborted) throw new Error('the rehearsal was interrupted');
      const endMs = since();
      const phase: RehearsalPhase = endMs < migrationStart ? 'before' : startMs > migrationEnd ? 'after' : 'during';
      const failed = outcome.stats.requests - outcome.stats.ok;
      slices.push({
        phase,
        startMs,
        durationMs: endMs - startMs,
        requests: outcome.stats.requests,
        failed,
        latencyMs: {
          p50: outcome.stats.latencyMs.p50,
          p99: outcome.stats.latencyMs.p99,
          max: outcome.stats.latencyMs.max,
        },
        histogram: outcome.histogram,
      });
    };

    // A warm-up slice first (connections, JIT, the backend's caches), not counted anywhere.
    await runRound({
      baseUrl: options.baseUrl,
      workload: options.workload,
      mode: 'open',
      rate: options.rate,
      durationMs: sliceMs,
      timeoutMs: options.timeoutMs,
      pool,
      signal: options.signal,
    });
    while (since() < beforeMs) await slice();

    const { migrations } = options;
    const migration = (async () => {
      if (migrations.kind === 'command') {
        try {
          // The command's sessions appear when it connects: the sampler watches for them from the start.
          sampler = new LockSampler({ monitor, applicationName: migrations.applicationName, intervalMs });
          samplerStart = since();
          await sampler.start();
          migrationStart = since();
          await migrations.run();
          return { applied: [{ name: migrations.name, durationMs: since() - migrationStart }] };
        } finally {
          migrationEnd = since();
          migrationSettled = true;
        }
      }
      migrationStart = since();
      try {
        return await runMigrations({
          databaseUrl: options.databaseUrl,
          dir: migrations.dir,
          to: migrations.to,
          log,
          sessionTimeouts: options.sessionTimeouts,
          // The sampler starts once the migrating session holds the migration lock and before its first file.
          onSession: async (pid) => {
            sampler = new LockSampler({ monitor, migrationPid: pid, intervalMs });
            samplerStart = since();
            await sampler.start();
          },
        });
      } finally {
        migrationEnd = since();
        migrationSettled = true;
      }
    })();
    const migrationResult = migration.then(
      (summary) => ({ summary, error: undefined as string | undefined }),
      (error: unknown) => ({ summary: undefined, error: errorMessage(error) }),
    );
    while (!migrationSettled) await slice();
    const { summary, error } = await migrationResult;
    const waits = sampler ? await sampler.stop() : [];
    const unattributed =
      migrations.kind === 'command' && sampler && sampler.samplesWithMigration === 0
        ? `no database session named '${migrations.applicationName}' was seen while the command ran, so its lock waits were not watched (it must connect with the DATABASE_URL perf-gate gives it, which carries application_name, or let libpq read PGAPPNAME)`
        : undefined;
    const afterStart = since();
    while (since() - afterStart < afterMs) await slice();

    const touched = new Set(waits.map((w) => w.relation));
    // The migration tools' own bookkeeping (perf-gate's tracking table, Alembic's version table) is
    // written at the end of every migration: not a table the change touches.
    for (const relation of sampler?.touchedRelations() ?? []) if (!bookkeeping(relation)) touched.add(relation);
    const summaryOfWaits = summarizeLockWaits(waits);
    const phase = (p: RehearsalPhase) => windowOf(slices.filter((s) => s.phase === p));
    return {
      migration: {
        startMs: migrationStart,
        durationMs: migrationEnd - migrationStart,
        applied: summary?.applied.map((a) => ({ name: a.name, durationMs: a.durationMs })) ?? [],
        ...(error ? { error } : {}),
        ...(unattributed ? { unattributed } : {}),
      },
      waits,
      ...summaryOfWaits,
      tables: [...touched].flatMap((relation) => sizes.get(relation) ?? []).sort((a, b) => b.bytes - a.bytes),
      before: phase('before'),
      during: phase('during'),
      after: phase('after'),
      slices: slices.map(({ histogram: _h, ...rest }) => rest),
      sampling: { intervalMs, samples: sampler?.sampleCount ?? 0, startMs: samplerStart },
    };
  } finally {
    if (sampler) await sampler.stop().catch(() => undefined);
    await pool.close().catch(() => undefined);
    await closeQuietly(monitor);
  }
}
