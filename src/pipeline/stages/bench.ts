/**
 * Stage 3: interleaved benchmark rounds, extended in blocks while targets are undecided and the
 * budget allows (bounded sequential testing: the error is spent across the looks, never "run until
 * significant"). Rounds are written to rounds.json after every round so a crash keeps them.
 */
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../../atomic-file.js';
import type { RunningBackend, Variant } from '../../backend/backend-spec.js';
import { removeBackendsFromState } from '../../backend/remove-backends.js';
import type { PerfGateConfig } from '../../config/config.js';
import { metricCatalog } from '../../config/load.js';
import { errorMessage, InfrastructureError } from '../../errors.js';
import { countMetricsOf, undecidableTargets } from '../../gate/decidability.js';
import { evaluateTargets } from '../../gate/evaluate-targets.js';
import { type BudgetPlan, blockPairsFor, durationText } from '../../load/budget-plan.js';
import type { LoadSettings } from '../../load/load-settings.js';
import { pinProcess } from '../../load/pin-cpus.js';
import type { ServerMetricsHooks } from '../../load/run-benchmark.js';
import { BenchmarkInfrastructureError, runBenchmark } from '../../load/run-benchmark.js';
import { parseWorkload, type Workload } from '../../load/workload.js';
import { loadWorkloadFile } from '../../load/workload-file.js';
import type { Logger } from '../../log.js';
import { createServerMetricsHooks } from '../../metrics/server-metrics-hooks.js';
import type { RoundRecord } from '../../model/round-record.js';
import { decideContinuation, planLooks, type SequentialPlan } from '../../stats/sequential.js';
import type { StageContext } from '../context.js';
import { loadStoredBaseline, type StoredBaseline, withStoredBaseline } from '../stored-baseline.js';
import { bootStage } from './boot.js';
import { rehearsalSkipReason, rehearseStep } from './rehearse.js';

/** The load engine's settings for one block of rounds, from the config. */
export function loadSettingsFor(
  config: PerfGateConfig,
  block: { pairs: number; warmupMs: number; seed: number; design?: LoadSettings['design'] },
): LoadSettings {
  return {
    mode: config.load.mode,
    rate: config.load.rate,
    connections: config.load.connections,
    maxInFlight: config.load.connections,
    roundDurationMs: config.load.roundDurationMs,
    warmupMs: block.warmupMs,
    pairs: block.pairs,
    design: block.design ?? config.load.design,
    seed: block.seed,
    timeoutMs: config.load.timeoutMs,
    rateTolerance: config.load.rateTolerance,
  };
}

/** Scrapes of both variants' /metrics around each round, when the config defines server metrics. */
export function serverMetricsFor(
  config: PerfGateConfig,
  running: Record<Variant, RunningBackend>,
  log: Logger,
): ServerMetricsHooks | undefined {
  if (config.metrics.length === 0) return undefined;
  const metricsUrls = { baseline: running.baseline.metricsUrl, candidate: running.candidate.metricsUrl };
  // With the logger, each distinct warning (a family a variant does not expose, say) is printed once.
  return createServerMetricsHooks({ definitions: config.metrics, metricsUrls, timeoutMs: config.load.timeoutMs, log });
}

/** The stored baseline, when the config takes the baseline from an earlier run's results. */
export function storedBaselineOf(ctx: Pick<StageContext, 'config'>): StoredBaseline | undefined {
  const baseline = ctx.config.backend.baseline;
  return baseline.kind === 'results' ? loadStoredBaseline(baseline.results, ctx.config.baseDir) : undefined;
}

export function roundsPath(reportDir: string): string {
  return join(reportDir, 'rounds.json');
}

export function writeRounds(reportDir: string, rounds: RoundRecord[]): void {
  writeJsonAtomic(roundsPath(reportDir), rounds, { mode: 0o644 });
}

/** Reads and checks the workload (the request file, or the config's own list). */
export async function loadWorkload(config: Pick<PerfGateConfig, 'load' | 'baseDir' | 'source'>): Promise<Workload> {
  const w = config.load.workload;
  if (w.file) return loadWorkloadFile(resolve(config.baseDir, w.file), { order: w.order });
  return parseWorkload({ requests: w.requests }, `${config.source}: load.workload.requests`, w.order);
}

/** The looks of the bounded sequential plan: the first at `pairs`, then blocks up to `maxPairs`. */
export function sequentialPlan(ctx: Pick<StageContext, 'config'>): SequentialPlan {
  const { load, gate } = ctx.config;
  return planLooks({
    alpha: 1 - gate.confidence,
    minPairs: load.pairs,
    blockPairs: blockPairsFor(load.pairs),
    maxPairs: load.maxPairs,
  });
}

export async function benchStage(
  ctx: StageContext,
): Promise<{ rounds: RoundRecord[]; stoppingReason: string; look: number }> {
  const { config, log, state } = ctx;
  const running = state.backend?.running;
  if (!running?.baseline || !running.candidate)
    throw new InfrastructureError("bench: no running backends in the state; run 'perf-gate boot' first");
  const workload = await loadWorkload(ctx.config);
  const catalog = metricCatalog(config);
  if (config.load.cpuset) pinProcess(process.pid, config.load.cpuset, 'the load generator', log);
  const plan = sequentialPlan(ctx);
  // load.processes is the most starts: each measures ceil(maxPairs / processes) pairs, the last what is left.
  const pairsPerStart = Math.ceil(plan.pairsAtLook.at(-1)! / config.load.processes);
  const startCount = Math.ceil(plan.pairsAtLook.at(-1)! / pairsPerStart);
  if (startCount > 1) {
    const atFirstLook = Math.ceil(plan.pairsAtLook[0]! / pairsPerStart);
    log.info(
      `${startCount} starts of both backends, ${pairsPerStart} pairs each; relative targets take the start as the unit`,
    );
    if (atFirstLook < 2)
      log.warning(
        `the first look (${plan.pairsAtLook[0]} pairs) holds only ${atFirstLook} start: relative targets cannot be decided before the second start (raise load.processes or load.pairs)`,
      );
  }
  // The backends measuring now: restarted between blocks of pairs when load.processes is above 1.
  const starts = {
    current: 0,
    warm: false,
    running: running as Record<Variant, RunningBackend>,
    serverMetrics: serverMetricsFor(config, running as Record<Variant, RunningBackend>, log),
    processOf: (pair: number) => Math.floor(pair / pairsPerStart),
    endOf: (process: number) => (process + 1) * pairsPerStart,
  };
  const budget = config.gate.budget;
  if (budget) {
    log.info(
      `budget ${durationText(budget.budgetMs)}: rounds of ${durationText(budget.roundDurationMs)}, looks at ${plan.pairsAtLook.join(', ')} pairs, ` +
        `at most ${durationText(budget.worstCaseMs)} of measuring`,
    );
    for (const warning of budget.warnings) log.warning(warning);
  }
  for (const { expression, reason } of undecidableTargets(
    config.targets,
    config.load,
    config.gate.confidence,
    countMetricsOf(config),
  ))
    log.warning(
      `target '${expression}' can never be decided with these settings, so it will be inconclusive: ${reason}`,
    );
  const stored = storedBaselineOf(ctx);
  if (stored)
    log.info(
      `baseline: ${stored.rounds.length} stored rounds of run ${stored.runId} (${stored.finishedAt}) from ${stored.path}; only the candidate is measured`,
    );
  const rounds: RoundRecord[] = [];
  const persist = (all: RoundRecord[]) => writeRounds(ctx.reportDir, all);
  state.bench = { complete: false };
  ctx.saveState();

  let look = 1;
  let pairsDone = 0;
  let stoppingReason = 'budget exhausted';
  const startedMs = performance.now();
  for (;;) {
    const pairsThisBlock = plan.pairsAtLook[look - 1]! - pairsDone;
    if (look > 1 && budget && !budget.overrun) {
      const overBy = budgetOverrun(budget, performance.now() - startedMs, pairsDone, pairsThisBlock);
      if (overBy > 0) {
        log.info(
          `look ${look} not run: at the pace measured so far its ${pairsThisBlock} pairs would end ${durationText(overBy)} past the budget`,
        );
        // The verdict is the last look actually run, at that look's alpha, as the bench evaluated it.
        look -= 1;
        stoppingReason = 'budget exhausted';
        break;
      }
    }
    log.info(`look ${look} of at most ${plan.pairsAtLook.length}: ${pairsThisBlock} more round pairs`);
    try {
      // A look's pairs run in one piece, or, over several starts of the backends, split where a start ends.
      for (let next = pairsDone; next < plan.pairsAtLook[look - 1]!; ) {
        const process = starts.processOf(next);
        if (process !== starts.current) {
          starts.running = await restartBackends(ctx, { process, from: starts.current, of: startCount });
          starts.serverMetrics = serverMetricsFor(config, starts.running, log);
          starts.current = process;
          starts.warm = false;
        }
        const upto = Math.min(plan.pairsAtLook[look - 1]!, starts.endOf(process));
        const result = await runBenchmark({
          targets: {
            baseline: { baseUrl: starts.running.baseline.baseUrl },
            candidate: { baseUrl: starts.running.candidate.baseUrl },
          },
          workload,
          load: loadSettingsFor(config, {
            pairs: upto - next,
            warmupMs: starts.warm ? 0 : config.load.warmupMs,
            seed: config.load.seed + look - 1,
          }),
          serverMetrics: starts.serverMetrics,
          log,
          signal: ctx.signal,
          startPair: next,
          only: stored ? 'candidate' : undefined,
          ...(config.load.processes > 1 ? { process } : {}),
          onRound: (_round, all) => persist([...rounds, ...all]),
        });
        starts.warm = true;
        rounds.push(...result.rounds.map((r, i) => ({ ...r, index: rounds.length + i })));
        persist(rounds);
        if (result.aborted) {
          // Stopped from outside (a signal): the rounds so far stay on disk, but the stage did not finish.
          state.bench = { complete: false, stoppingReason: `aborted: ${result.aborted.reason}`, look };
          ctx.saveState();
          throw new InfrastructureError(`bench: stopped after ${rounds.length} rounds: ${result.aborted.reason}`);
        }
        next = upto;
      }
    } catch (error) {
      if (error instanceof BenchmarkInfrastructureError) {
        rounds.push(...error.rounds.map((r, i) => ({ ...r, index: rounds.length + i })));
        persist(rounds);
        state.bench = { complete: false, stoppingReason: `backend failed: ${error.message}` };
        ctx.saveState();
      }
      throw error;
    }
    pairsDone = plan.pairsAtLook[look - 1]!;
    const evaluation = evaluateTargets(config.targets, withStoredBaseline(rounds, stored), catalog, {
      minPairs: config.gate.minPairs,
      sequential: { plan, look },
    });
    const decision = decideContinuation({ plan, look, pairsDone, statuses: evaluation.targets.map((t) => t.status) });
    if (!decision.continue) {
      stoppingReason = decision.reason;
      break;
    }
    look = decision.nextLook!;
  }
  const usedMs = Math.round(performance.now() - startedMs);
  log.info(
    `benchmark finished after ${pairsDone} pairs: ${stoppingReason}` +
      (budget ? `; used ${durationText(usedMs)} of a ${durationText(budget.budgetMs)} budget` : ''),
  );
  try {
    state.rehearsal = await rehearseStep(ctx, workload);
    if (!state.rehearsal) state.rehearsalSkipped = rehearsalSkipReason(ctx) ?? 'not run';
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    // The comparison is measured and stands; a rehearsal the machine could not carry out is a warning.
    log.warning(`migration rehearsal could not run: ${errorMessage(error)}`);
    state.rehearsalSkipped = `it could not run: ${errorMessage(error)}`;
  }
  state.bench = { complete: true, stoppingReason, look, usedMs };
  ctx.saveState();
  return { rounds, stoppingReason, look };
}

/**
 * Stops both backends and boots them again (`load.processes`), so the pairs that follow are measured by
 * fresh processes: new memory layout, hash seeds, JIT decisions, pool connections. The earlier start's
 * logs stay in the report folder.
 */
async function restartBackends(
  ctx: StageContext,
  start: { process: number; from: number; of: number },
): Promise<Record<Variant, RunningBackend>> {
  const { log, state } = ctx;
  const { process, from, of } = start;
  log.info(`start ${process + 1} of ${of}: restarting both backends after start ${from + 1}`);
  if (ctx.teardown.backends) await ctx.teardown.backends();
  else if (state.backend?.statePath) await removeBackendsFromState(state.backend.statePath, log);
  delete ctx.teardown.backends;
  return (await bootStage(ctx, process)).backends;
}

/**
 * How far past the budget the next block would end, ms (<= 0: it fits), at the pace of the pairs so far
 * (the time since the bench began less the first warm-up, over the pairs done; restarts and later starts'
 * warm-ups are part of the pace). The plan's worst case
 * fits the budget with the estimated round overhead; this catches a machine slower than that estimate.
 * Skipping a look never raises the error rate: each look spends only its own share of alpha.
 */
export function budgetOverrun(
  budget: Pick<BudgetPlan, 'budgetMs' | 'warmupMs'> & { roundsPerPair?: BudgetPlan['roundsPerPair'] },
  elapsedMs: number,
  pairsDone: number,
  nextPairs: number,
): number {
  if (pairsDone <= 0) return 0;
  // The first warm-up is outside the pace (a duet warms both variants at once); later starts' are in it.
  const msPerPair = Math.max(0, elapsedMs - (budget.roundsPerPair ?? 2) * budget.warmupMs) / pairsDone;
  return elapsedMs + msPerPair * nextPairs - budget.budgetMs;
}
