import type { RoundCount } from '../model/round-record.js';
import { normalQuantile, regularizedIncompleteBeta, studentTQuantile } from './distributions.js';

export type { RoundCount } from '../model/round-record.js';

/**
 * A proportion judged on its pooled counts, with the rounds as the independent units. Requests within
 * a round share the machine's state (a slow second, a burst of timeouts), so their outcomes are
 * correlated and the pooled count varies more than a binomial one; `dispersion` (φ >= 1) measures by
 * how much.
 */
export interface RateAnalysis {
  rounds: number;
  events: number;
  trials: number;
  /** The ratio of the pooled sums, events / trials: the consistent estimate of the workload's rate. */
  estimate: number;
  /**
   * φ: the round-cluster variance of the pooled rate over the binomial one, floored at 1 (1 with fewer
   * than two rounds, or with no or only events).
   */
  dispersion: number;
  /** The φ the interval at `level` divides the counts by: the excess over 1 scaled by (t_{k−1} / z)². */
  dispersionAt(level: number): number;
  /** Two-sided interval at `level`: Clopper–Pearson on the effective counts events / φ of trials / φ. */
  interval(level: number): [number, number];
  /**
   * p-value of H0 "rate >= p0" against "rate < p0" ('less'), or the mirror ('greater'), defined so that
   * twice the smaller one is <= a exactly when the interval at level 1 − a excludes p0 (Holm relies on it).
   */
  oneSidedPValue(p0: number, alternative: 'less' | 'greater'): number;
}

/**
 * A quasi-binomial interval on the pooled counts (McCullagh & Nelder, Generalized Linear Models, 2nd
 * ed., §4.5): trials / φ independent trials carry the information of the rounds, and the exact
 * Clopper–Pearson interval (Clopper & Pearson, Biometrika 1934) is taken on those effective counts, so
 * zero events still give a finite upper bound (0 of 360 bounds the rate at 1.27 % with one-sided 99 %).
 *
 * φ comes from the round-cluster (sandwich) variance of the ratio of sums, k/(k − 1) · Σ (x_i − p̂ n_i)²,
 * over the binomial N p̂(1 − p̂): a round weighs by its size, as it does in the pooled rate. It is
 * floored at 1 (a handful of rounds cannot show under-dispersion reliably, and trusting φ < 1 would
 * make the interval narrower than the binomial one), and its excess over 1 is scaled by (t_{k−1} / z)²
 * at the interval's quantile, because φ is itself estimated from k − 1 degrees of freedom (as a
 * quasi-binomial Wald interval would use t instead of z). docs/statistics.md has the simulated coverage
 * that chose this over Pearson's χ² for φ, over a round-block bootstrap and over per-round values.
 */
export function analyzeRate(counts: readonly RoundCount[]): RateAnalysis {
  for (const { events, trials } of counts)
    if (!(Number.isFinite(events) && Number.isFinite(trials) && events >= 0 && trials > 0 && events <= trials))
      throw new RangeError(`a round count needs 0 <= events <= trials and trials > 0, got ${events} of ${trials}`);
  const events = counts.reduce((s, c) => s + c.events, 0);
  const trials = counts.reduce((s, c) => s + c.trials, 0);
  if (trials === 0) throw new RangeError('a rate needs at least one round with trials');
  const k = counts.length;
  const estimate = events / trials;
  const raw = clusterDispersion(counts, estimate);
  const dispersionAt = (level: number): number => {
    if (raw <= 1) return 1;
    const q = 1 - (1 - level) / 2;
    return 1 + (raw - 1) * (studentTQuantile(q, k - 1) / normalQuantile(q)) ** 2;
  };
  const intervalAt = (level: number): [number, number] => {
    const phi = dispersionAt(level);
    return clopperPearson(events / phi, trials / phi, level);
  };
  // One side's tail at the level 1 − 2q, as a function of q; the p-value is where it meets q.
  const tail = (p0: number, alternative: 'less' | 'greater', q: number): number => {
    const phi = dispersionAt(1 - 2 * q);
    const x = events / phi;
    const n = trials / phi;
    return alternative === 'less' ? binomialAtMost(x, n, p0) : binomialAtLeast(x, n, p0);
  };
  return {
    rounds: k,
    events,
    trials,
    estimate,
    dispersion: Math.max(1, raw),
    dispersionAt,
    interval: intervalAt,
    oneSidedPValue: (p0, alternative) => {
      if (raw <= 1) return tail(p0, alternative, 0.25);
      // With φ depending on the level, the p-value is the q at which the tail at level 1 − 2q equals q:
      // the tail falls as q grows (less widening), so the crossing is unique; bisection finds it.
      let lo = 0;
      let hi = 0.49;
      if (tail(p0, alternative, hi) >= hi) return Math.min(1, tail(p0, alternative, hi));
      for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
        const mid = (lo + hi) / 2;
        if (tail(p0, alternative, mid) > mid) lo = mid;
        else hi = mid;
      }
      return (lo + hi) / 2;
    },
  };
}

/**
 * The round-cluster variance of the pooled rate over the binomial one, k/(k − 1) · Σ (x_i − p̂ n_i)² /
 * (N p̂(1 − p̂)), not floored; 1 when it is undefined (fewer than two rounds, p̂ of 0 or 1).
 */
export function clusterDispersion(counts: readonly RoundCount[], pooled: number): number {
  const k = counts.length;
  if (k < 2 || pooled <= 0 || pooled >= 1) return 1;
  let squares = 0;
  let trials = 0;
  for (const c of counts) {
    squares += (c.events - c.trials * pooled) ** 2;
    trials += c.trials;
  }
  return (k * squares) / ((k - 1) * trials * pooled * (1 - pooled));
}

/**
 * Exact (Clopper–Pearson) two-sided interval of a binomial proportion from `x` events in `n` trials, via
 * beta quantiles, so non-integer (effective) counts work too: lower = B(α/2; x, n − x + 1), upper =
 * B(1 − α/2; x + 1, n − x); 0 and 1 at the edges.
 */
export function clopperPearson(x: number, n: number, level: number): [number, number] {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const tail = (1 - level) / 2;
  const lower = x <= 0 ? 0 : betaQuantile(tail, x, n - x + 1);
  const upper = x >= n ? 1 : betaQuantile(1 - tail, x + 1, n - x);
  return [lower, upper];
}

/** P(X <= x) for X ~ Binomial(n, p), continued to non-integer x and n through the incomplete beta. */
function binomialAtMost(x: number, n: number, p: number): number {
  if (x >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  return 1 - regularizedIncompleteBeta(p, x + 1, n - x);
}

/** P(X >= x) for X ~ Binomial(n, p), continued likewise. */
function binomialAtLeast(x: number, n: number, p: number): number {
  if (x <= 0 || p >= 1) return 1;
  if (p <= 0) return 0;
  return regularizedIncompleteBeta(p, x, n - x + 1);
}

/** The q-quantile of Beta(a, b), by bisection on the regularized incomplete beta (monotone in x). */
export function betaQuantile(q: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedIncompleteBeta(mid, a, b) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
