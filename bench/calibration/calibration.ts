/**
 * Calibration on real runs: the pure evaluation of gate runs stored by bench/calibrate-real.ts.
 * Each stored run is one whole gate on the reference backend, either A/A (candidate == baseline) or
 * with a known injected slowdown, plus a block of naive before/after rounds from the same backends.
 * From them: how often the gate raises a false alarm or detects the slowdown, what the alternative
 * rules (github-action-benchmark's ratio threshold, benchstat's Mann–Whitney, a naive before/after
 * t-test) would have said on the same data, the A/A noise floor, and a fit of the simulation's
 * noise model (bench/calibration/simulate.ts) so the simulated calibration can be re-run with real numbers.
 * Pure: no I/O, no clock, no randomness.
 */
import { mean } from 'simple-statistics';
import type { GateVerdict } from '../../src/gate/evaluate-targets.js';
import type { TargetStatus } from '../../src/gate/target.js';
import type { RoundRecord } from '../../src/model/round-record.js';
import { studentTQuantile } from '../../src/stats/distributions.js';
import { mannWhitneyU } from '../../src/stats/mann-whitney.js';
import { pairedLogRatios, pairRounds } from '../../src/stats/paired-rounds.js';
import type { NoiseModel } from './simulate.js';
import { welchTTest } from './welch.js';

export { type WelchResult, welchTTest } from './welch.js';

/** A round as stored for calibration: what the statistics read, without the histogram. */
export type StoredRound = Pick<
  RoundRecord,
  'index' | 'pair' | 'variant' | 'process' | 'valid' | 'invalidReasons' | 'values'
>;

export interface StoredTarget {
  expression: string;
  metric: string;
  status: TargetStatus;
  estimate: number | null;
  ci: [number, number] | null;
}

export interface StoredRun {
  /** 0 for A/A; 0.05 when the candidate does 5 % more CPU work per request. */
  slowdown: number;
  /** 1-based number of the run within its kind. */
  run: number;
  verdict: GateVerdict | 'error';
  targets: StoredTarget[];
  /** Pairs the gate measured before it stopped (sequential extension included). */
  pairsUsed: number;
  wallMs: number;
  /** The gate's own interleaved rounds. */
  rounds: StoredRound[];
  /** The extra block with the 'sequential' design: all baseline rounds, then all candidate rounds. */
  naiveRounds: StoredRound[];
  /** /proc/loadavg's 1, 5 and 15 minute figures before and after the run. */
  loadAverage?: { before: number[]; after: number[] };
  /** The git commit the run was measured with, "+modified" when src/, bench/ or the lockfile had uncommitted changes. */
  commit?: string;
  error?: string;
}

/** "A/A" or "+5 %": the label of a run kind in tables. */
export function kindLabel(slowdown: number): string {
  return slowdown === 0 ? 'A/A' : `+${Number((slowdown * 100).toFixed(1))} %`;
}

function groupByKind(runs: readonly StoredRun[]): [number, StoredRun[]][] {
  const groups = new Map<number, StoredRun[]>();
  for (const run of runs) groups.set(run.slowdown, [...(groups.get(run.slowdown) ?? []), run]);
  return [...groups].sort((a, b) => a[0] - b[0]);
}

function share(count: number, of: number): number | null {
  return of > 0 ? count / of : null;
}

export interface GateOutcomeSummary {
  slowdown: number;
  kind: string;
  /** Runs that reached a verdict; runs that failed for infrastructure reasons are counted apart. */
  runs: number;
  errors: number;
  /** Verdict 'fail': a false alarm on A/A runs, a detection on slowdown runs. */
  failRate: number | null;
  passRate: number | null;
  inconclusiveRate: number | null;
  /** Per target metric: share of runs where that target failed (a detection of that metric's slowdown). */
  failRateByMetric: Record<string, number | null>;
  meanPairs: number | null;
  meanWallMs: number | null;
}

/** The gate's own outcomes per kind of run. */
export function summarizeGateOutcomes(runs: readonly StoredRun[]): GateOutcomeSummary[] {
  return groupByKind(runs).map(([slowdown, group]) => {
    const judged = group.filter((r) => r.verdict !== 'error');
    const metrics = [...new Set(judged.flatMap((r) => r.targets.map((t) => t.metric)))];
    const count = (predicate: (r: StoredRun) => boolean) => judged.filter(predicate).length;
    return {
      slowdown,
      kind: kindLabel(slowdown),
      runs: judged.length,
      errors: group.length - judged.length,
      failRate: share(
        count((r) => r.verdict === 'fail'),
        judged.length,
      ),
      passRate: share(
        count((r) => r.verdict === 'pass'),
        judged.length,
      ),
      inconclusiveRate: share(
        count((r) => r.verdict === 'inconclusive'),
        judged.length,
      ),
      failRateByMetric: Object.fromEntries(
        metrics.map((m) => [
          m,
          share(
            count((r) => r.targets.some((t) => t.metric === m && t.status === 'fail')),
            judged.length,
          ),
        ]),
      ),
      meanPairs: judged.length > 0 ? mean(judged.map((r) => r.pairsUsed)) : null,
      meanWallMs: judged.length > 0 ? mean(judged.map((r) => r.wallMs)) : null,
    };
  });
}

/** Values of one metric in the valid rounds of one variant that measured it (> 0, so logs exist). */
export function variantValues(
  rounds: readonly StoredRound[],
  variant: 'baseline' | 'candidate',
  metric: string,
): number[] {
  const values: number[] = [];
  for (const round of rounds) {
    const value = round.values[metric];
    if (round.variant === variant && round.valid && typeof value === 'number' && Number.isFinite(value) && value > 0)
      values.push(value);
  }
  return values;
}

/** What the alternative rules say about one lower-is-better metric of one run; true = alarm. */
export interface AlternativeVerdicts {
  /** Mean of the candidate's rounds / mean of the baseline's, all valid rounds of the gate. */
  ratio: number | null;
  /** github-action-benchmark: alert when the ratio exceeds its alert-threshold (200 % default, 110 %). */
  ratioRule200: boolean;
  ratioRule110: boolean;
  /** benchstat-style: Mann–Whitney U, two-sided, on the raw round values; p < 0.05 = "different". */
  mannWhitneyP: number | null;
  mannWhitneyDifferent: boolean;
  /** The same, counted only when the candidate's median is the higher one (an alarm about a slowdown). */
  mannWhitneySlower: boolean;
  /** Naive before/after on the sequential block: Welch t on log values, one-sided "candidate slower". */
  naiveP: number | null;
  naiveSlower: boolean;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/**
 * The alternatives on one run. The ratio rule compares one number per benchmark, as the action
 * stores one value per benchmark and run: here the mean of all the gate's rounds of each variant,
 * from the same run (kinder to it than the CI setting, where "previous" comes from another runner).
 * The naive rule's one-sided test uses `naiveAlpha` (pass alpha / 2 to give it the gate's
 * false-alarm budget).
 */
export function judgeAlternatives(
  run: StoredRun,
  metric: string,
  options: { naiveAlpha: number },
): AlternativeVerdicts {
  const base = variantValues(run.rounds, 'baseline', metric);
  const cand = variantValues(run.rounds, 'candidate', metric);
  const ratio = base.length > 0 && cand.length > 0 ? mean(cand) / mean(base) : null;
  const mw = base.length > 0 && cand.length > 0 ? mannWhitneyU(base, cand).pValue : Number.NaN;
  const mannWhitneyP = Number.isFinite(mw) ? mw : null;
  const different = mannWhitneyP !== null && mannWhitneyP < 0.05;
  const naiveBase = variantValues(run.naiveRounds, 'baseline', metric).map(Math.log);
  const naiveCand = variantValues(run.naiveRounds, 'candidate', metric).map(Math.log);
  const welch = welchTTest(naiveCand, naiveBase);
  const naiveP = Number.isFinite(welch.pGreater) ? welch.pGreater : null;
  return {
    ratio,
    ratioRule200: ratio !== null && ratio > 2,
    ratioRule110: ratio !== null && ratio > 1.1,
    mannWhitneyP,
    mannWhitneyDifferent: different,
    mannWhitneySlower: different && median(cand) > median(base),
    naiveP,
    naiveSlower: naiveP !== null && naiveP < options.naiveAlpha,
  };
}

export type AlternativeRule =
  | 'ratioRule200'
  | 'ratioRule110'
  | 'mannWhitneyDifferent'
  | 'mannWhitneySlower'
  | 'naiveSlower';
export const ALTERNATIVE_RULES: readonly AlternativeRule[] = [
  'ratioRule200',
  'ratioRule110',
  'mannWhitneyDifferent',
  'mannWhitneySlower',
  'naiveSlower',
];

export interface AlternativeSummary {
  slowdown: number;
  kind: string;
  metric: string;
  /** Runs with data for the rule (the naive rule needs its block). */
  runs: Record<AlternativeRule, number>;
  alarmRate: Record<AlternativeRule, number | null>;
}

/** Alarm rate of each alternative rule per kind of run, for one metric. */
export function summarizeAlternatives(
  runs: readonly StoredRun[],
  metric: string,
  options: { naiveAlpha: number },
): AlternativeSummary[] {
  return groupByKind(runs).map(([slowdown, group]) => {
    // Same runs as the gate's own rates: a run that broke is left out of every rule alike.
    const usable = group.filter((r) => r.verdict !== 'error');
    const verdicts = usable.map((r) => judgeAlternatives(r, metric, options));
    const runsFor = {} as Record<AlternativeRule, number>;
    const alarmRate = {} as Record<AlternativeRule, number | null>;
    for (const rule of ALTERNATIVE_RULES) {
      const withData = verdicts.filter((v) =>
        rule === 'naiveSlower'
          ? v.naiveP !== null
          : rule.startsWith('ratio')
            ? v.ratio !== null
            : v.mannWhitneyP !== null,
      );
      runsFor[rule] = withData.length;
      alarmRate[rule] = share(withData.filter((v) => v[rule]).length, withData.length);
    }
    return { slowdown, kind: kindLabel(slowdown), metric, runs: runsFor, alarmRate };
  });
}

export interface NoiseFloor {
  metric: string;
  runs: number;
  pairs: number;
  /** Mean of the per-run mean log ratios: a systematic difference between two identical processes. */
  meanLogRatio: number | null;
  /** sd across runs of the per-run mean log ratio. */
  sdOfRunMeans: number | null;
  /** Pooled within-run sd of the paired log ratios (each run centred on its own mean). */
  sdLogRatio: number | null;
  /** 1.4826 × median absolute deviation of the centred log ratios: the spread without bursts. */
  robustSdLogRatio: number | null;
  /** 2.5 % and 97.5 % quantiles of the raw paired ratios − 1. */
  ratioRange: [number, number] | null;
  /**
   * Smallest true change decided with probability `power` at the per-target two-sided level, for
   * each budget of pairs, with the pooled sd: expm1((t_{1-a/2,n-1} + t_{power,n-1}) · sd / √n), the
   * formula evaluate-targets uses for a single look.
   */
  minDetectableEffect: { pairs: number; change: number | null }[];
}

function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

/** The A/A noise floor of one metric: how far apart two identical backends' paired rounds fall. */
export function noiseFloor(
  aaRuns: readonly StoredRun[],
  metric: string,
  options: { alpha: number; power: number; budgets: readonly number[] },
): NoiseFloor {
  const perRun = aaRuns
    .map((r) => pairedLogRatios(pairRounds(r.rounds as RoundRecord[], metric, true)))
    .filter((d) => d.length >= 2);
  const all = perRun.flat();
  const runMeans = perRun.map((d) => mean(d));
  const centred = perRun.flatMap((d, i) => d.map((x) => x - runMeans[i]!));
  const dof = perRun.reduce((s, d) => s + d.length - 1, 0);
  const sd = dof > 0 ? Math.sqrt(centred.reduce((s, x) => s + x * x, 0) / dof) : null;
  const mad = centred.length > 0 ? median(centred.map((x) => Math.abs(x - median(centred)))) : null;
  const sorted = [...all].sort((a, b) => a - b);
  return {
    metric,
    runs: perRun.length,
    pairs: all.length,
    meanLogRatio: runMeans.length > 0 ? mean(runMeans) : null,
    sdOfRunMeans:
      runMeans.length >= 2
        ? Math.sqrt(runMeans.reduce((s, m) => s + (m - mean(runMeans)) ** 2, 0) / (runMeans.length - 1))
        : null,
    sdLogRatio: sd,
    robustSdLogRatio: mad === null ? null : 1.4826 * mad,
    ratioRange: sorted.length > 0 ? [Math.expm1(quantile(sorted, 0.025)), Math.expm1(quantile(sorted, 0.975))] : null,
    minDetectableEffect: options.budgets.map((n) => ({
      pairs: n,
      change:
        sd === null || n < 2
          ? null
          : Math.expm1(
              (studentTQuantile(1 - options.alpha / 2, n - 1) + studentTQuantile(options.power, n - 1)) *
                (sd / Math.sqrt(n)),
            ),
    })),
  };
}

export interface NoiseFit {
  metric: string;
  model: NoiseModel;
  /** What the fit rests on, for the docs. */
  details: {
    runs: number;
    rounds: number;
    withinPairDifferences: number;
    acrossPairDifferences: number;
    /** Semivariance ½·E[(r_{i+L} − r_i)²] of the detrended log residuals by lag L (in rounds). */
    semivariance: { lag: number; value: number; count: number }[];
    /** Within-pair differences more than `burstCut` robust sds from the centre, counted as bursts. */
    burstDifferences: number;
    burstCut: number;
  };
}

/**
 * Fits the simulation's noise model (bench/calibration/simulate.ts) to the A/A runs of one metric. The
 * model says log value_i = level + drift_i + window + trend·i + σ_round·ε_i + burst_i. On each run's
 * rounds in schedule order, with each variant's run mean removed (two identical processes may still
 * differ a little; noiseFloor reports that apart):
 * - trend: pooled least-squares slope of the residuals on the round index;
 * - drift: the random walk makes the semivariance grow by σ_step²/2 per round of lag, so
 *   σ_step² = 2 × the least-squares slope of the semivariance on lags 2..8;
 * - round noise: a within-pair difference has variance 2σ_round² + σ_step², estimated robustly
 *   (1.4826 × MAD) so bursts do not inflate it;
 * - window: consecutive rounds of different pairs differ by σ_window² more than those of one pair;
 * - bursts: within-pair differences beyond 4 robust sds; each covers two rounds, so the per-round
 *   probability is about half their share, and their size range gives the factor range;
 * - run level: the sd across runs of the run's mean log baseline value (one machine only, so a
 *   lower bound for separate CI runners).
 */
export function fitNoiseModel(aaRuns: readonly StoredRun[], metric: string, fallback: NoiseModel): NoiseFit {
  const series = aaRuns
    .map((run) => {
      const valid = [...run.rounds]
        .filter((r) => r.valid && typeof r.values[metric] === 'number' && (r.values[metric] as number) > 0)
        .sort((a, b) => a.index - b.index);
      const logs = valid.map((r) => Math.log(r.values[metric] as number));
      const variantMean = (v: 'baseline' | 'candidate') => {
        const xs = logs.filter((_, i) => valid[i]!.variant === v);
        return xs.length > 0 ? mean(xs) : 0;
      };
      const means = { baseline: variantMean('baseline'), candidate: variantMean('candidate') };
      return {
        rounds: valid,
        residuals: logs.map((x, i) => x - means[valid[i]!.variant]),
        baselineLevel: means.baseline,
      };
    })
    .filter((s) => s.rounds.length >= 4);

  // Trend: pooled slope of residual on index, each run centred on its own mean index.
  let sxy = 0;
  let sxx = 0;
  for (const s of series) {
    const mi = mean(s.rounds.map((r) => r.index));
    const mr = mean(s.residuals);
    s.rounds.forEach((r, i) => {
      sxy += (r.index - mi) * (s.residuals[i]! - mr);
      sxx += (r.index - mi) ** 2;
    });
  }
  const trend = sxx > 0 ? sxy / sxx : 0;
  const detrended = series.map((s) => ({ ...s, residuals: s.residuals.map((x, i) => x - trend * s.rounds[i]!.index) }));

  const semivariance: { lag: number; value: number; count: number }[] = [];
  for (let lag = 1; lag <= 8; lag++) {
    let sum = 0;
    let count = 0;
    for (const s of detrended) {
      const byIndex = new Map(s.rounds.map((r, i) => [r.index, s.residuals[i]!]));
      for (const [index, value] of byIndex) {
        const later = byIndex.get(index + lag);
        if (later === undefined) continue;
        sum += (later - value) ** 2 / 2;
        count++;
      }
    }
    if (count > 0) semivariance.push({ lag, value: sum / count, count });
  }
  // Lag 1 mixes within-window and across-window neighbours; from lag 2 on every lag is across
  // windows, so the window term is a constant there and only drift makes the curve rise.
  const fromLag2 = semivariance.filter((g) => g.lag >= 2);
  const slope = leastSquaresSlope(
    fromLag2.map((g) => g.lag),
    fromLag2.map((g) => g.value),
  );
  const driftStep2 = Math.max(0, 2 * slope);

  const within: number[] = [];
  const across: number[] = [];
  for (const s of detrended) {
    for (let i = 0; i + 1 < s.rounds.length; i++) {
      const a = s.rounds[i]!;
      const b = s.rounds[i + 1]!;
      if (b.index !== a.index + 1) continue;
      (a.pair === b.pair ? within : across).push(s.residuals[i + 1]! - s.residuals[i]!);
    }
  }
  const centre = within.length > 0 ? median(within) : 0;
  const robustSd = within.length > 0 ? 1.4826 * median(within.map((d) => Math.abs(d - centre))) : Number.NaN;
  const burstCut = 4;
  const bursts =
    Number.isFinite(robustSd) && robustSd > 0 ? within.filter((d) => Math.abs(d - centre) > burstCut * robustSd) : [];
  const calm = (ds: number[]) =>
    ds.filter((d) => !(Number.isFinite(robustSd) && robustSd > 0 && Math.abs(d - centre) > burstCut * robustSd));
  const meanSquare = (ds: number[]) => (ds.length > 0 ? ds.reduce((s, d) => s + d * d, 0) / ds.length : Number.NaN);
  const roundSigma2 = Number.isFinite(robustSd)
    ? Math.max(0, (robustSd ** 2 - driftStep2) / 2)
    : fallback.roundSigma ** 2;
  const window2 =
    within.length > 0 && across.length > 0 ? Math.max(0, (meanSquare(calm(across)) - meanSquare(calm(within))) / 2) : 0;
  const sizes = bursts.map((d) => Math.exp(Math.abs(d - centre)));
  const levels = series.map((s) => s.baselineLevel);
  const runSigma =
    levels.length >= 2
      ? Math.sqrt(levels.reduce((s, x) => s + (x - mean(levels)) ** 2, 0) / (levels.length - 1))
      : fallback.runSigma;

  return {
    metric,
    model: {
      roundSigma: Math.sqrt(roundSigma2),
      windowSigma: Number.isFinite(window2) ? Math.sqrt(window2) : 0,
      driftStepSigma: Math.sqrt(driftStep2),
      trendPerRound: trend,
      burstProbability: within.length > 0 ? bursts.length / (2 * within.length) : fallback.burstProbability,
      burstFactor: sizes.length > 0 ? [Math.min(...sizes), Math.max(...sizes)] : fallback.burstFactor,
      runSigma,
    },
    details: {
      runs: series.length,
      rounds: series.reduce((s, x) => s + x.rounds.length, 0),
      withinPairDifferences: within.length,
      acrossPairDifferences: across.length,
      semivariance,
      burstDifferences: bursts.length,
      burstCut,
    },
  };
}

function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mx = mean(xs as number[]);
  const my = mean(ys as number[]);
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
  });
  return sxx > 0 ? sxy / sxx : 0;
}

/**
 * The formula perf-gate's "Detectable" used until it was read off the interval (src/stats/detectable.ts), kept
 * to be measured against: (t_{1-α/2} + t_0.8) · s / √n on the per-pair log ratios, s = 1.4826 · MAD / √(3/π).
 */
export function previousDetectable(logRatios: number[], alpha: number): number {
  const n = logRatios.length;
  const m = median(logRatios);
  const spread = (1.4826 * median(logRatios.map((v) => Math.abs(v - m)))) / Math.sqrt(3 / Math.PI);
  return Math.expm1((studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(0.8, n - 1)) * (spread / Math.sqrt(n)));
}
