/**
 * The gate's stages, run either all in one process (`perf-gate run`, `perf-gate demo`) or one per
 * process (the action's steps), over the same state. Each stage is recorded in the state when it
 * starts and when it finishes, and a failing or interrupted one is recorded as the run's failure, so
 * `compare` can tell a finished run from one whose stage died, and say which stage. Cleanup always runs.
 *
 * Interruption (SIGINT, SIGTERM): the run records the signal and the stage as its failure, aborts the
 * stage and gives it a few seconds to unwind, writes results.json (verdict `error`; the rounds
 * measured so far stay in rounds.json), removes everything it started, checks nothing is left, and
 * exits 128 + the signal number (130, 143), or 3 when something could not be removed.
 */
import { resolve } from 'node:path';
import { type InterruptSignal, installSignalCleanup, SIGNAL_EXIT_CODES } from '../backend/signal-cleanup.js';
import type { PerfGateConfig } from '../config/config.js';
import { ExitCode, errorMessage, InfrastructureError, PerfGateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Results } from '../report/results.js';
import type { StageContext } from './context.js';
import { makeReportDir } from './report-dir.js';
import {
  currentStage,
  MEASURING_STAGES,
  newRunState,
  type RunState,
  unfinishedStage,
  writeRunState,
} from './run-state.js';
import { benchStage, loadWorkload } from './stages/bench.js';
import { bootStage } from './stages/boot.js';
import { cleanupStage } from './stages/cleanup.js';
import { type CompareOptions, type CompareOutcome, compareStage } from './stages/compare.js';
import { migrateStage, migrateStageTitle } from './stages/migrate.js';

/** The stages that run in order before `compare`. */
export type StageName = (typeof MEASURING_STAGES)[number];

/**
 * How long an interrupted stage gets to unwind (stop waiting, remove what it was starting, e.g. a
 * container whose `docker run` is under way) before cleanup. Short: a cancelled GitHub job sends
 * SIGINT, then SIGTERM 7.5 s later and SIGKILL 2.5 s after that, and cleanup must fit in between.
 */
const INTERRUPT_SETTLE_MS = 3_000;

/** The error an interrupted stage is aborted with. */
export class InterruptedError extends InfrastructureError {
  constructor(
    readonly signal: InterruptSignal,
    readonly stage: string,
  ) {
    super(`interrupted by ${signal} during the ${stage} stage`);
  }
}

export function createContext(options: {
  config: PerfGateConfig;
  log: Logger;
  state: RunState;
  statePath: string;
  packageRoot: string;
  preferPglite?: boolean;
  signal?: AbortSignal;
  /** The process environment, read once by the CLI. */
  env: NodeJS.ProcessEnv;
}): StageContext {
  const reportDir = resolve(options.state.reportDir);
  makeReportDir(reportDir);
  // The config's own secrets join the run's, so the cleanup step (which reads no config) masks them too.
  for (const secret of options.config.secrets)
    if (!options.state.secrets.includes(secret)) options.state.secrets.push(secret);
  for (const secret of options.state.secrets) options.log.addSecret(secret);
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(options.signal!.reason), { once: true });
  const ctx: StageContext = {
    config: options.config,
    log: options.log,
    state: options.state,
    statePath: options.statePath,
    reportDir,
    packageRoot: options.packageRoot,
    preferPglite: options.preferPglite,
    env: options.env,
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    teardown: {},
    saveState: () => writeRunState(options.statePath, ctx.state),
  };
  return ctx;
}

const STAGES: Record<
  StageName,
  { title: string | ((ctx: StageContext) => string); run: (ctx: StageContext) => Promise<unknown> }
> = {
  migrate: {
    title: (ctx) => migrateStageTitle(ctx.config),
    // The workload is read first: a bad request file stops the run before any database is touched.
    run: async (ctx) => {
      await loadWorkload(ctx.config);
      return migrateStage(ctx);
    },
  },
  boot: { title: 'boot: baseline and candidate', run: bootStage },
  bench: { title: 'bench: interleaved benchmark rounds', run: benchStage },
};

/**
 * Runs one stage, recording in the state when it starts and when it finishes, or its failure (and
 * rethrowing it). A stage that returns after the run was interrupted has not finished.
 */
export async function runStage(ctx: StageContext, stage: StageName): Promise<void> {
  const { title, run } = STAGES[stage];
  ctx.state.stages[stage] = { startedAt: new Date().toISOString() };
  ctx.saveState();
  try {
    await ctx.log.group(typeof title === 'function' ? title(ctx) : title, () => run(ctx));
    if (ctx.signal.aborted)
      throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new InfrastructureError(`${stage}: interrupted`);
    ctx.state.stages[stage]!.finishedAt = new Date().toISOString();
  } catch (error) {
    // An interruption is recorded by the signal handler first; the abort it causes must not replace it.
    ctx.state.failure ??= {
      stage,
      message: errorMessage(error),
      exitCode: error instanceof PerfGateError ? error.exitCode : ExitCode.infrastructure,
    };
    throw error;
  } finally {
    ctx.saveState();
  }
}

/**
 * Stage 4: judges what the earlier stages left and writes the report. When one of them did not
 * finish (its process was killed, or it never ran) the verdict is `error` naming that stage: rounds
 * of an unfinished bench are never judged as if the run were complete.
 */
export async function runCompare(
  ctx: StageContext,
  report: CompareOptions,
): Promise<{ results: Results; exitCode: number; resultsPath: string; reportPath: string }> {
  ctx.state.failure ??= unfinishedStage(ctx.state);
  if (ctx.state.failure && !ctx.state.failure.signal)
    ctx.log.error(`${ctx.state.failure.stage}: ${ctx.state.failure.message}`);
  ctx.state.stages.compare = { startedAt: new Date().toISOString() };
  ctx.saveState();
  const outcome = await compareStage(ctx, report);
  ctx.state.stages.compare.finishedAt = new Date().toISOString();
  ctx.saveState();
  return { ...outcome, exitCode: exitCodeFor(outcome.results, ctx.config.gate.failOnInconclusive, ctx.log) };
}

export interface InterruptGuard {
  /** Registers the work in progress, which an interruption waits for (briefly) before cleaning up. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Once a signal came: settles when the interrupted run has been wound up, with its exit code. */
  readonly interrupted: Promise<number> | undefined;
  uninstall(): void;
}

/**
 * Signal handling for a process that runs stages over `ctx` (see the file comment). `finish` writes
 * what the process owes (the report, in the whole gate) and removes what the run started; when it
 * throws, the exit code is 3.
 */
export function guardInterrupts(
  ctx: StageContext,
  finish: () => Promise<void>,
  settleMs = INTERRUPT_SETTLE_MS,
): InterruptGuard {
  let inFlight: Promise<unknown> = Promise.resolve();
  let interrupted: Promise<number> | undefined;
  const uninstall = installSignalCleanup({
    log: ctx.log,
    exit: (code) => process.exit(code),
    cleanup: (signal) => {
      const stage = currentStage(ctx.state);
      const error = new InterruptedError(signal, stage);
      ctx.state.failure = { stage, message: error.message, exitCode: ExitCode.infrastructure, signal };
      ctx.saveState();
      ctx.abort(error);
      const work = (async () => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([inFlight, new Promise((resolve) => (timer = setTimeout(resolve, settleMs)))]);
        clearTimeout(timer);
        await finish();
      })();
      interrupted = work.then(
        () => SIGNAL_EXIT_CODES[signal],
        () => ExitCode.infrastructure,
      );
      return work;
    },
  });
  return {
    track: (work) => {
      inFlight = work.catch(() => undefined);
      return work;
    },
    get interrupted() {
      return interrupted;
    },
    uninstall,
  };
}

/** Runs `cleanupStage` and saves the state; throws listing whatever could not be removed. */
export async function cleanupAndCheck(ctx: StageContext): Promise<void> {
  const problems = await ctx.log.group('cleanup', () =>
    cleanupStage({ state: ctx.state, teardown: ctx.teardown, log: ctx.log }),
  );
  ctx.saveState();
  if (problems.length > 0)
    throw new InfrastructureError(`cleanup: ${problems.length} problem(s):\n${problems.join('\n')}`);
}

/**
 * One stage in this process (the action's steps). Interrupted, it records the signal and the stage
 * for `compare`, removes everything the run started (the run cannot go on), and exits 130 or 143.
 */
export async function runStageProcess(ctx: StageContext, stage: StageName): Promise<void> {
  const guard = guardInterrupts(ctx, () => cleanupAndCheck(ctx));
  try {
    await guard.track(runStage(ctx, stage));
  } catch (error) {
    if (guard.interrupted) await guard.interrupted;
    throw error;
  } finally {
    if (!guard.interrupted) guard.uninstall();
  }
}

/** `compare` in its own process: interrupted, it still writes results.json (verdict `error`, not published). */
export async function runCompareProcess(
  ctx: StageContext,
  report: CompareOptions,
): Promise<{ results: Results; exitCode: number; resultsPath: string; reportPath: string }> {
  let written: CompareOutcome | undefined;
  // Nothing to unwind: compare starts nothing, and what it waits on (GitHub) is what may hang.
  const guard = guardInterrupts(
    ctx,
    async () => {
      written = await compareStage(ctx, { ...report, publish: undefined });
    },
    0,
  );
  try {
    return await guard.track(runCompare(ctx, report));
  } catch (error) {
    if (guard.interrupted && written) return { ...written, exitCode: await guard.interrupted };
    throw error;
  } finally {
    if (!guard.interrupted) guard.uninstall();
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
      log.warning(
        'the verdict is inconclusive: the data could not decide every target (see the report); not failing because fail-on-inconclusive is off',
      );
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

/** The whole gate in this process: migrate, boot, bench, compare; cleanup always. */
export async function runWholeGate(options: {
  config: PerfGateConfig;
  log: Logger;
  statePath: string;
  packageRoot: string;
  configPath: string | null;
  preferPglite?: boolean;
  aa?: boolean;
  /** The process environment, read once by the caller. */
  env: NodeJS.ProcessEnv;
  report: CompareOptions;
  /** Runs after the stages, before the report, while the backends still run (calibration's extra block). */
  afterStages?: (ctx: StageContext) => Promise<void>;
}): Promise<{ results: Results; exitCode: number; resultsPath: string; reportPath: string }> {
  const { config, log } = options;
  const state = newRunState({ configPath: options.configPath, overrides: {}, reportDir: config.report.dir });
  if (options.aa) state.aa = true;
  const ctx = createContext({
    config,
    log,
    state,
    statePath: options.statePath,
    packageRoot: options.packageRoot,
    preferPglite: options.preferPglite,
    env: options.env,
  });
  ctx.saveState();
  let written: CompareOutcome | undefined;
  const guard = guardInterrupts(ctx, async () => {
    try {
      written = await compareStage(ctx, { ...options.report, publish: undefined });
    } catch (error) {
      log.error(`could not write the report of the interrupted run: ${errorMessage(error)}`);
    }
    await cleanupAndCheck(ctx);
  });
  let outcome: Awaited<ReturnType<typeof runCompare>> | undefined;
  try {
    for (const stage of MEASURING_STAGES) {
      try {
        await guard.track(runStage(ctx, stage));
      } catch (error) {
        log.error(`${stage} failed: ${errorMessage(error)}`);
        break;
      }
    }
    if (!guard.interrupted && options.afterStages) await guard.track(options.afterStages(ctx));
    if (!guard.interrupted) outcome = await guard.track(runCompare(ctx, options.report));
  } catch (error) {
    if (!guard.interrupted) throw error;
  } finally {
    if (!guard.interrupted) {
      try {
        await cleanupAndCheck(ctx);
      } catch (error) {
        // Something the run started is still there: the gate's answer cannot be trusted to be final.
        log.error(errorMessage(error));
        if (outcome) outcome.exitCode = ExitCode.infrastructure;
      } finally {
        guard.uninstall();
      }
    }
  }
  if (guard.interrupted) {
    const exitCode = await guard.interrupted;
    if (!written)
      throw new InfrastructureError(`${state.failure?.message ?? 'interrupted'}; results.json could not be written`);
    return { ...written, exitCode };
  }
  return outcome!;
}
