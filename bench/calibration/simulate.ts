import { mean } from 'simple-statistics';
import { evaluateTargets, type GateVerdict } from '../../src/gate/evaluate-targets.js';
import type { Target, TargetStatus } from '../../src/gate/target.js';
import type { MetricInfo, RoundRecord } from '../../src/model/round-record.js';
import type { IntervalMethod } from '../../src/stats/location-analysis.js';
import { mannWhitneyU } from '../../src/stats/mann-whitney.js';
import { createRandom, type Random } from '../../src/stats/prng.js';
import {
  decideContinuation,
  planLooks,
  type SequentialPlan,
  type SpendingFunction,
} from '../../src/stats/sequential.js';
import { welchTTest } from './welch.js';

/**
 * Noise model of one metric's per-round values on a shared CI runner, all on the log scale
 * (a round's value is level × exp(sum of the terms below)). Every parameter is an input so the
 * model can be fitted to real runs of the reference backend.
 */
export interface NoiseModel {
  /** Independent round-to-round noise, sd of log value (0.04 ≈ 4 % coefficient of variation). */
  roundSigma: number;
  /**
   * Noise shared by two consecutive rounds (a neighbour's load lasting about one pair, 6-10 s): log
   * sd per window of two rounds. Interleaved pairs fall in one window, so pairing cancels it.
   */
  windowSigma: number;
  /** Random-walk drift of the machine: sd of the log step between consecutive rounds. */
  driftStepSigma: number;
  /** Deterministic trend per round on the log scale (warm-up, thermal throttling, neighbours ramping up). */
  trendPerRound: number;
  /** Probability that a round is hit by a burst (a noisy neighbour, a GC storm, a cron job). */
  burstProbability: number;
  /** A burst multiplies the round's value by a factor drawn log-uniformly from [min, max]. */
  burstFactor: [number, number];
  /**
   * sd of the log level between separate CI runs (another runner, another day). Only the cross-run
   * comparison (github-action-benchmark against a stored previous result) sees it.
   */
  runSigma: number;
}

/** Defaults meant to be plausible for p95 latency over 3 s rounds on a 2-core shared runner; to be refitted. */
export const DEFAULT_NOISE: NoiseModel = {
  roundSigma: 0.04,
  windowSigma: 0,
  driftStepSigma: 0.01,
  trendPerRound: 0.001,
  burstProbability: 0.03,
  burstFactor: [1.1, 1.8],
  runSigma: 0.1,
};

function burst(model: NoiseModel, random: Random): number {
  if (random.next() >= model.burstProbability) return 0;
  const [lo, hi] = model.burstFactor;
  return Math.log(lo) + random.next() * (Math.log(hi) - Math.log(lo));
}

const METRIC = 'latency_p95';
export const SIMULATED_METRIC: MetricInfo = {
  name: METRIC,
  unit: 'ms',
  direction: 'lower-is-better',
  source: 'client',
  description: 'simulated p95 latency',
};

/**
 * A run's worth of rounds. `interleaved`: pair k runs its two rounds back to back in a seeded random
 * order (Abedi & Brecht's randomized multiple interleaved trials); otherwise all baseline rounds run
 * first and all candidate rounds after them (the naive before/after). `trueRatio` multiplies the
 * candidate (1.05 = 5 % slower).
 */
export function simulateRounds(
  model: NoiseModel,
  options: { pairs: number; trueRatio: number; interleaved: boolean; level?: number; random: Random },
): RoundRecord[] {
  const { pairs, trueRatio, interleaved, random } = options;
  const level = (options.level ?? 100) * Math.exp(model.runSigma * random.normal());
  const slots: ('baseline' | 'candidate')[] = [];
  const pairOf: number[] = [];
  for (let k = 0; k < pairs; k++) {
    if (interleaved) {
      const candidateFirst = random.next() < 0.5;
      slots.push(candidateFirst ? 'candidate' : 'baseline', candidateFirst ? 'baseline' : 'candidate');
      pairOf.push(k, k);
    }
  }
  if (!interleaved) {
    for (let k = 0; k < pairs; k++) {
      slots.push('baseline');
      pairOf.push(k);
    }
    for (let k = 0; k < pairs; k++) {
      slots.push('candidate');
      pairOf.push(k);
    }
  }
  let drift = 0;
  let window = 0;
  return slots.map((variant, index) => {
    drift += model.driftStepSigma * random.normal();
    // Draw the window term only when it is in use, so a model without it keeps its random stream.
    if (model.windowSigma > 0 && index % 2 === 0) window = model.windowSigma * random.normal();
    const log =
      drift + window + model.trendPerRound * index + model.roundSigma * random.normal() + burst(model, random);
    const value = level * (variant === 'candidate' ? trueRatio : 1) * Math.exp(log);
    return simulatedRound(index, pairOf[index]!, variant, value);
  });
}

function simulatedRound(index: number, pair: number, variant: 'baseline' | 'candidate', value: number): RoundRecord {
  return {
    index,
    pair,
    variant,
    startedAt: '1970-01-01T00:00:00.000Z',
    durationMs: 3000,
    valid: true,
    invalidReasons: [],
    flags: [],
    client: {
      requests: 0,
      ok: 0,
      errors: { status: {}, timeout: 0, reset: 0, other: 0 },
      achievedRate: 0,
      latencyMs: { p50: 0, p90: 0, p95: value, p99: 0, max: 0, mean: 0 },
    },
    values: { [METRIC]: value },
  };
}

export interface GateConfig {
  target: Target;
  method: IntervalMethod;
  alpha: number;
  minPairs: number;
  blockPairs: number;
  maxPairs: number;
  /** 'fixed': one look at maxPairs with the whole alpha; otherwise the spending function of the sequential plan. */
  spending: SpendingFunction | 'fixed';
}

export interface GateRunOutcome {
  status: TargetStatus;
  verdict: GateVerdict;
  pairsUsed: number;
  looks: number;
}

/** One simulated gate run with perf-gate's rules: interleaved rounds, evaluated look by look. */
export function simulateGateRun(model: NoiseModel, gate: GateConfig, trueRatio: number, seed: number): GateRunOutcome {
  const random = createRandom(seed);
  const rounds = simulateRounds(model, { pairs: gate.maxPairs, trueRatio, interleaved: true, random });
  const metrics = [SIMULATED_METRIC];
  if (gate.spending === 'fixed') {
    const result = evaluateTargets([gate.target], rounds, metrics, {
      alpha: gate.alpha,
      method: gate.method,
      minPairs: gate.minPairs,
      seed,
    });
    return { status: result.targets[0]!.status, verdict: result.verdict, pairsUsed: gate.maxPairs, looks: 1 };
  }
  const plan: SequentialPlan = planLooks({
    alpha: gate.alpha,
    minPairs: gate.minPairs,
    blockPairs: gate.blockPairs,
    maxPairs: gate.maxPairs,
    spending: gate.spending,
  });
  for (let look = 1; ; look++) {
    const pairsNow = plan.pairsAtLook[look - 1]!;
    const seen = rounds.filter((r) => r.pair < pairsNow);
    const result = evaluateTargets([gate.target], seen, metrics, {
      sequential: { plan, look },
      method: gate.method,
      minPairs: gate.minPairs,
      seed: seed + look,
    });
    const decision = decideContinuation({
      plan,
      look,
      pairsDone: pairsNow,
      statuses: result.targets.map((t) => t.status),
    });
    if (!decision.continue)
      return { status: result.targets[0]!.status, verdict: result.verdict, pairsUsed: pairsNow, looks: look };
  }
}

/** What the alternative rules decide on the same kind of data: true = they raise an alarm. */
export interface AlternativeAlarms {
  /** github-action-benchmark: current run's mean / previous run's mean > threshold (200 % default, 110 %). */
  ratioRule200: boolean;
  ratioRule110: boolean;
  /** benchstat-style: Mann–Whitney U on the raw round values, p < 0.05, candidate slower. */
  benchstatMannWhitney: boolean;
  /** The same benchstat rule on before/after rounds (old benchmarks run, then new), as it is often used. */
  benchstatBeforeAfter: boolean;
  /** Naive sequential before/after: all baseline rounds, then all candidate rounds; Welch t on logs, one-sided. */
  naiveBeforeAfter: boolean;
}

/**
 * The alternatives, each on the data it would really have: the ratio rule compares with a result
 * stored from a previous CI run (another runner, so the between-run level differs); benchstat gets
 * the same interleaved rounds perf-gate gets; the naive rule runs before/after on one machine.
 */
export function simulateAlternatives(
  model: NoiseModel,
  options: { pairs: number; trueRatio: number; alpha: number; seed: number },
): AlternativeAlarms {
  const random = createRandom(options.seed ^ 0x5bd1e995);
  const values = (rounds: RoundRecord[], variant: 'baseline' | 'candidate') =>
    rounds.filter((r) => r.variant === variant).map((r) => r.values[METRIC] as number);

  // Previous run (baseline code) and current run (candidate code), each its own runner and schedule.
  const previous = values(
    simulateRounds(model, { pairs: options.pairs, trueRatio: 1, interleaved: true, random }),
    'baseline',
  );
  const current = values(
    simulateRounds(model, { pairs: options.pairs, trueRatio: options.trueRatio, interleaved: true, random }),
    'candidate',
  );
  const crossRunRatio = mean(current) / mean(previous);

  const sameRun = simulateRounds(model, {
    pairs: options.pairs,
    trueRatio: options.trueRatio,
    interleaved: true,
    random,
  });
  const base = values(sameRun, 'baseline');
  const cand = values(sameRun, 'candidate');
  const mw = mannWhitneyU(base, cand);
  const benchstatMannWhitney = mw.pValue < 0.05 && median(cand) > median(base);

  const blocked = simulateRounds(model, {
    pairs: options.pairs,
    trueRatio: options.trueRatio,
    interleaved: false,
    random,
  });
  const blockedBase = values(blocked, 'baseline');
  const blockedCand = values(blocked, 'candidate');
  const naiveBeforeAfter =
    welchTTest(blockedCand.map(Math.log), blockedBase.map(Math.log)).pGreater < options.alpha / 2;
  const benchstatBeforeAfter =
    mannWhitneyU(blockedBase, blockedCand).pValue < 0.05 && median(blockedCand) > median(blockedBase);

  return {
    ratioRule200: crossRunRatio > 2,
    ratioRule110: crossRunRatio > 1.1,
    benchstatMannWhitney,
    benchstatBeforeAfter,
    naiveBeforeAfter,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Coverage of the true log ratio by each interval method, at fixed n (for the method choice). */
export function simulateCoverage(
  model: NoiseModel,
  options: { pairs: number; level: number; trueRatio: number; seed: number; method: IntervalMethod },
): { covered: boolean; width: number } {
  const random = createRandom(options.seed);
  const rounds = simulateRounds(model, {
    pairs: options.pairs,
    trueRatio: options.trueRatio,
    interleaved: true,
    random,
  });
  // An absolute-style evaluation is not needed: ask the gate for a relative interval directly.
  const target: Target = { kind: 'regression', expression: 'coverage', metric: METRIC, maxRegression: 0 };
  const result = evaluateTargets([target], rounds, [SIMULATED_METRIC], {
    alpha: 1 - options.level,
    method: options.method,
    minPairs: 2,
    seed: options.seed,
  });
  const [lo, hi] = result.targets[0]!.ci!;
  const truth = options.trueRatio - 1;
  return { covered: lo <= truth && truth <= hi, width: hi - lo };
}
