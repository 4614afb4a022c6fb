/**
 * The gate's stages, run either all in one process (`perf-gate run`, `perf-gate demo`) or one per
 * process (the action's steps), over the same state. A failing stage is recorded in the state so
 * the report stage can say what broke; cleanup always runs.
 */
import { resolve } from 'node:path';
import { installSignalCleanup } from '../backend/signal-cleanup.js';
import type { PerfGateConfig } from '../config/config.js';
import { ExitCode, PerfGateError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Results } from '../report/results.js';
import { cleanupRun } from './cleanup.js';
import { makeReportDir } from './report-dir.js';
import type { StageContext } from './context.js';
import { newRunState, writeRunState, type RunState } from './run-state.js';
import { bootVariants } from './stage-backend.js';
import { loadWorkload, runRounds } from './stage-bench.js';
import { databaseStageTitle, prepareDatabase } from './stage-database.js';
import { writeReport, type ReportOptions } from './stage-report.js';

export type StageName = 'migrate' | 'boot' | 'bench';

export function createContext(options: {
  config: PerfGateConfig;
  log: Logger;
  state: RunState;
  statePath: string;
  packageRoot: string;
  preferPglite?: boolean;
  signal?: AbortSignal;
}): StageContext {
  const reportDir = resolve(options.state.reportDir);
  makeReportDir(reportDir);
  // The config's own secrets join the run's, so the cleanup step (which reads no config) masks them too.
  for (const secret of options.config.secrets) if (!options.state.secrets.includes(secret)) options.state.secrets.push(secret);
  for (const secret of options.state.secrets) options.log.addSecret(secret);
  const ctx: StageContext = {
    config: options.config,
    log: options.log,
    state: options.state,
    statePath: options.statePath,
    reportDir,
    packageRoot: options.packageRoot,
    preferPglite: options.preferPglite,
    signal: options.signal ?? new AbortController().signal,
    teardown: {},
    saveState: () => writeRunState(options.statePath, ctx.state),
  };
  return ctx;
}

const STAGES: Record<StageName, { title: string | ((ctx: StageContext) => string); run: (ctx: StageContext) => Promise<unknown> }> = {
  migrate: {
    title: (ctx) => databaseStageTitle(ctx.config),
    // The workload is read first: a bad request file stops the run before any database is touched.
    run: async (ctx) => {
      await loadWorkload(ctx.config);
      return prepareDatabase(ctx);
    },
  },
  boot: { title: 'backend: boot baseline and candidate', run: bootVariants },
  bench: { title: 'load: interleaved benchmark rounds', run: runRounds },
};

/** Runs one stage, recording a failure in the state (and rethrowing it). */
export async function runStage(ctx: StageContext, stage: StageName): Promise<void> {
  const { title, run } = STAGES[stage];
  try {
    await ctx.log.group(typeof title === 'function' ? title(ctx) : title, () => run(ctx));
    ctx.state.finishedStages.push(stage);
  } catch (error) {
    ctx.state.failure = { stage, message: errorMessage(error), exitCode: error instanceof PerfGateError ? error.exitCode : ExitCode.infrastructure };
    throw error;
  } finally {
    ctx.saveState();
  }
}

/** Exit code for a finished report: the documented contract (README, "Exit codes"). */
export function exitCodeFor(results: Results, failOnInconclusive: boolean, log: Logger): number {
  switch (results.verdict) {
    case 'pass':
      return ExitCode.ok;
    case 'fail':
      return ExitCode.targetMissed;
    case 'inconclusive':
      // In an A/A check "undecided" is the expected answer: no difference was found where there is none.
      if (results.mode === 'aa') return ExitCode.ok;
      if (failOnInconclusive) {
        log.error('the verdict is inconclusive and fail-on-inconclusive is set');
        return ExitCode.targetMissed;
      }
      log.warning('the verdict is inconclusive: the data could not decide every target (see the report); not failing because fail-on-inconclusive is off');
      return ExitCode.ok;
    case 'error':
      return results.error?.exitCode ?? ExitCode.infrastructure;
    default: {
      // A verdict outside the enum is a fault of perf-gate, never a pass.
      const unknown: never = results.verdict;
      log.error(`unknown verdict ${JSON.stringify(unknown)}`);
      return ExitCode.infrastructure;
    }
  }
}

/** The whole gate in this process: migrate, boot, bench, report; cleanup always. */
export async function runWholeGate(options: {
  config: PerfGateConfig;
  log: Logger;
  statePath: string;
  packageRoot: string;
  configPath: string | null;
  preferPglite?: boolean;
  aa?: boolean;
  report: ReportOptions;
  /** Runs after the stages, before the report, while the backends still run (calibration's extra block). */
  afterStages?: (ctx: StageContext) => Promise<void>;
}): Promise<{ results: Results; exitCode: number; resultsPath: string; reportPath: string }> {
  const { config, log } = options;
  const state = newRunState({ configPath: options.configPath, overrides: {}, reportDir: config.report.dir });
  if (options.aa) state.aa = true;
  const abort = new AbortController();
  const ctx = createContext({ config, log, state, statePath: options.statePath, packageRoot: options.packageRoot, preferPglite: options.preferPglite, signal: abort.signal });
  ctx.saveState();
  const uninstall = installSignalCleanup({
    log,
    cleanup: async () => {
      abort.abort(new Error('interrupted by a signal'));
      await cleanupRun({ state: ctx.state, teardown: ctx.teardown, log });
    },
    exit: (code) => process.exit(code),
  });
  try {
    for (const stage of ['migrate', 'boot', 'bench'] as const) {
      try {
        await runStage(ctx, stage);
      } catch (error) {
        log.error(`${stage} failed: ${errorMessage(error)}`);
        break;
      }
    }
    await options.afterStages?.(ctx);
    const { results, resultsPath, reportPath } = await writeReport(ctx, options.report);
    return { results, exitCode: exitCodeFor(results, config.gate.failOnInconclusive, log), resultsPath, reportPath };
  } finally {
    await log.group('cleanup', () => cleanupRun({ state: ctx.state, teardown: ctx.teardown, log }));
    ctx.saveState();
    uninstall();
  }
}
