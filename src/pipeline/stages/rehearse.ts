/**
 * The migration checks that ride on the gate's own stages: squawk over the files the candidate's
 * database got (in migrate), and, at the end of bench, the rehearsal: the same files applied to the
 * baseline's database copy while the baseline backend serves the workload (old code on a schema
 * changing under it, as during a deploy). Bench is over by then, so changing the baseline's schema
 * costs the comparison nothing.
 */
import { join, resolve } from 'node:path';
import type { AlembicMigrationConfig, CommandMigrationConfig, SqlMigrationConfig } from '../../config/config.js';
import { alembicUpgrade, sqlalchemyUrl } from '../../database/alembic-version.js';
import { withApplicationName } from '../../database/database-url.js';
import { describeMigrationCommand, runMigrationCommand } from '../../database/migration-command.js';
import { findSquawk, lintMigrations, SQUAWK_MISSING } from '../../database/migration-lint.js';
import { errorMessage, InputError } from '../../errors.js';
import type { Workload } from '../../load/workload.js';
import type { MigrationLintResult, MigrationRehearsalResult, RehearsalTimeline } from '../../report/results.js';
import type { StageContext } from '../context.js';
import { type RehearsalSlice, type RehearsedMigrations, rehearseMigrations } from '../rehearsal.js';

type TimelineSlice = RehearsalTimeline['slices'][number];

/** squawk over `files` (names in the migrations folder); the result is data for the report, never a failure of the gate. */
export async function lintMigrationFiles(
  ctx: StageContext,
  migrations: SqlMigrationConfig,
  files: string[],
): Promise<MigrationLintResult | undefined> {
  const { lint } = migrations;
  if (!lint.enabled) return undefined;
  if (files.length === 0)
    return { squawkVersion: null, findings: [], note: 'no migration file was applied by this run' };
  const squawk = findSquawk({
    explicit: lint.squawk ? resolve(ctx.config.baseDir, lint.squawk) : ctx.env.PERF_GATE_SQUAWK,
    searchRoots: [ctx.config.baseDir, process.cwd(), ctx.packageRoot],
    pathVariable: ctx.env.PATH,
  });
  if (!squawk) {
    // A configured path that is missing is the user's mistake to fix; an absent optional tool is a note.
    if (lint.squawk)
      throw new InputError(
        `config key 'database.migrations.lint.squawk': '${lint.squawk}' does not exist; give the path of the squawk binary, or remove the key`,
      );
    ctx.log.warning(`migration lint skipped: ${SQUAWK_MISSING}`);
    return { squawkVersion: null, findings: [], note: SQUAWK_MISSING };
  }
  const major = ctx.state.database?.serverVersion?.match(/^(\d+)/)?.[1];
  try {
    const report = await lintMigrations({
      files: files.map((name) => join(migrations.dir, name)),
      squawk,
      postgresVersion: major ? `${major}.0` : undefined,
      exclude: lint.exclude,
      include: lint.include,
      // perf-gate applies a file in one transaction unless it starts with `-- perf-gate: no-transaction`;
      // squawk's transaction-dependent rules then read the same as the run.
      assumeInTransaction: true,
      cwd: ctx.config.baseDir,
    });
    ctx.log.info(
      `squawk ${report.squawkVersion}: ${report.findings.length} finding(s) in ${files.length} migration file(s)`,
    );
    for (const f of report.findings) ctx.log.info(`  ${f.file}:${f.line}: ${f.rule}: ${f.message}`);
    return { squawkVersion: report.squawkVersion, findings: report.findings };
  } catch (error) {
    ctx.log.warning(`migration lint failed: ${errorMessage(error)}`);
    return { squawkVersion: null, findings: [], note: `squawk failed: ${errorMessage(error)}` };
  }
}

/** Why no rehearsal runs for this config and state, or undefined when one can. */
export function rehearsalSkipReason(ctx: StageContext): string | undefined {
  const migrations = ctx.config.database.migrations;
  if (!migrations) return 'no migrations';
  if (!migrations.rehearse.enabled) return 'turned off (database.migrations.rehearse: false)';
  const baseline = ctx.config.database.baseline;
  if (baseline.strategy !== 'template-copy')
    return "the baseline has no database copy before the migration (needs baseline.strategy 'template-copy')";
  if (migrations.kind === 'command' && (migrations.version === undefined || baseline.before !== migrations.version))
    return `the command is rehearsed alone, on a baseline copy taken right before it: needs 'database.migrations.version' and 'database.baseline.before' to be the same version (got ${migrations.version ?? 'no version'} and ${baseline.before})`;
  if (ctx.config.backend.baseline.kind === 'results')
    return 'the baseline is a stored results file (no backend to serve traffic)';
  if (ctx.state.database?.throwaway?.kind === 'pglite')
    return 'PGlite runs every connection in one session, so it cannot show lock waits';
  if (!ctx.state.database?.baselineUrl || !ctx.state.backend?.running?.baseline)
    return 'no baseline database or backend in the run state';
  return undefined;
}

/**
 * A migration command as the rehearsal runs it: against the baseline's copy, its sessions named by
 * application_name (in the URL, which libpq, psycopg, asyncpg and node-postgres read, and in PGAPPNAME) so
 * the lock sampler can tell them from the backend's, and with the rehearsal's lock_timeout in PGOPTIONS
 * for drivers that read it.
 */
function rehearsedCommand(
  ctx: StageContext,
  migrations: CommandMigrationConfig | AlembicMigrationConfig,
  databaseUrl: string,
): RehearsedMigrations {
  const applicationName = `perf-gate-rehearsal-${ctx.state.runId.replace(/[^A-Za-z0-9]/g, '').slice(-12)}`;
  const command = migrations.kind === 'alembic' ? alembicUpgrade(migrations, migrations.revision) : migrations.command;
  const named = withApplicationName(databaseUrl, applicationName);
  return {
    kind: 'command',
    name: describeMigrationCommand(command, [databaseUrl]),
    applicationName,
    run: async () => {
      await runMigrationCommand({
        command,
        databaseUrl: migrations.kind === 'alembic' ? sqlalchemyUrl(named) : named,
        log: ctx.log,
        cwd: ctx.config.baseDir,
        signal: ctx.signal,
        env: {
          PGAPPNAME: applicationName,
          PGOPTIONS: `-c lock_timeout=${Math.round(migrations.rehearse.lockTimeoutMs)}`,
        },
      });
    },
  };
}

/** The rehearsal, when the config and the run allow one; its figures go into the run state for compare. */
export async function rehearseStep(
  ctx: StageContext,
  workload: Workload,
): Promise<MigrationRehearsalResult | undefined> {
  const skip = rehearsalSkipReason(ctx);
  const migrations = ctx.config.database.migrations;
  if (skip || !migrations) {
    ctx.log.info(`migration rehearsal: not run (${skip})`);
    return undefined;
  }
  const { rehearse } = migrations;
  const rate = rehearse.rate ?? ctx.config.load.rate;
  const baseUrl = ctx.state.backend!.running.baseline!.baseUrl;
  const databaseUrl = ctx.state.database!.baselineUrl!;
  ctx.log.info(
    `migration rehearsal: applying the migrations under test to the baseline's database while the baseline serves ${rate} req/s`,
  );
  const record = await rehearseMigrations({
    databaseUrl,
    migrations:
      migrations.kind === 'sql'
        ? { kind: 'sql', dir: resolve(ctx.config.baseDir, migrations.dir), to: migrations.to }
        : rehearsedCommand(ctx, migrations, databaseUrl),
    baseUrl,
    workload,
    rate,
    timeoutMs: ctx.config.load.timeoutMs,
    seed: ctx.config.load.seed,
    beforeMs: rehearse.beforeMs,
    afterMs: rehearse.afterMs,
    sessionTimeouts: {
      lockTimeoutMs: Math.round(rehearse.lockTimeoutMs),
      statementTimeoutMs:
        migrations.kind === 'sql' && migrations.statementTimeoutMs !== undefined
          ? Math.round(migrations.statementTimeoutMs)
          : undefined,
    },
    log: ctx.log,
    signal: ctx.signal,
  });
  if (record.migration.unattributed) ctx.log.warning(`migration rehearsal: ${record.migration.unattributed}`);
  const ms = (x: number) => `${Math.round(x)} ms`;
  ctx.log.info(
    `migration rehearsal: ${record.migration.applied.map((a) => a.name).join(', ') || 'nothing applied'} in ${ms(record.migration.durationMs)}; ` +
      `longest blocked request wait ${ms(record.blockedMaxMs)} (${record.blockedSessions} session(s)); p99 ${ms(record.before.latencyMs.p99)} before, ${ms(record.during.latencyMs.p99)} during` +
      (record.migration.error ? `; the migration failed: ${record.migration.error.split('\n')[0]}` : ''),
  );
  return {
    migrations: record.migration.applied,
    ...(record.migration.error ? { error: record.migration.error } : {}),
    ...(record.migration.unattributed ? { unattributed: record.migration.unattributed } : {}),
    durationMs: record.migration.durationMs,
    blockedMaxMs: record.blockedMaxMs,
    blockedSessions: record.blockedSessions,
    migrationWaitedMaxMs: record.migrationWaitedMaxMs,
    // Bounded for results.json: the longest waits are the ones that matter.
    waits: [...record.waits].sort((a, b) => b.durationMs - a.durationMs).slice(0, 500),
    tables: record.tables.slice(0, 200),
    before: record.before,
    during: record.during,
    after: record.after,
    rate,
    sampling: { intervalMs: record.sampling.intervalMs, samples: record.sampling.samples },
    timeline: {
      migrationStartMs: Number.isFinite(record.migration.startMs) ? record.migration.startMs : 0,
      samplerStartMs: record.sampling.startMs,
      slices: boundedSlices(record.slices, MAX_TIMELINE_SLICES),
    },
  };
}

/** results.json keeps at most this many slices: 2,000 of 500 ms are over 16 minutes of traffic. */
const MAX_TIMELINE_SLICES = 2000;

/**
 * The slices as results.json keeps them. A longer rehearsal has neighbouring slices merged, so the whole
 * span (the end of the migration and the traffic after it included) stays on the timeline: counts add
 * up, latencies keep each group's worst slice, and a group that touches the migration is 'during'.
 */
export function boundedSlices(slices: readonly RehearsalSlice[], max: number): TimelineSlice[] {
  const size = Math.max(1, Math.ceil(slices.length / max));
  const out: TimelineSlice[] = [];
  for (let i = 0; i < slices.length; i += size) {
    const group = slices.slice(i, i + size);
    const first = group[0]!;
    const last = group[group.length - 1]!;
    out.push({
      phase: group.some((g) => g.phase === 'during') ? 'during' : first.phase,
      startMs: first.startMs,
      durationMs: last.startMs + last.durationMs - first.startMs,
      requests: group.reduce((sum, g) => sum + g.requests, 0),
      failed: group.reduce((sum, g) => sum + g.failed, 0),
      p50Ms: Math.max(...group.map((g) => g.latencyMs.p50)),
      p99Ms: Math.max(...group.map((g) => g.latencyMs.p99)),
      maxMs: Math.max(...group.map((g) => g.latencyMs.max)),
    });
  }
  return out;
}
