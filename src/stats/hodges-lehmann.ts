import { median } from 'simple-statistics';
import { normalQuantile } from './distributions.js';
import { signedRankCounts } from './wilcoxon.js';

export interface HodgesLehmannResult {
  /** Median of the Walsh averages (x_i + x_j) / 2, i <= j: the pseudo-median. */
  estimate: number;
  /** Distribution-free interval from inverting the signed-rank test. */
  interval: [number, number];
  /** Coverage actually achieved; the exact distribution is discrete, so it is at least the level asked. */
  achievedLevel: number;
}

/**
 * One-sample Hodges–Lehmann estimate and its distribution-free confidence interval
 * (Hollander & Wolfe, Nonparametric Statistical Methods, 3rd ed., section 3.2): with the Walsh
 * averages sorted, the interval is [W_(k), W_(N+1-k)] where k - 1 is the largest value c with
 * P(W+ <= c) <= (1 - level) / 2. It assumes only symmetry of the differences around their centre,
 * so a single burst cannot drag it the way it drags a mean. Exact for n <= 60, normal otherwise.
 */
export function hodgesLehmann(values: readonly number[], level: number): HodgesLehmannResult {
  const n = values.length;
  if (n === 0) return { estimate: Number.NaN, interval: [Number.NaN, Number.NaN], achievedLevel: Number.NaN };
  const walsh: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh.push((values[i]! + values[j]!) / 2);
  walsh.sort((a, b) => a - b);
  const total = walsh.length;
  const tail = (1 - level) / 2;
  let k: number;
  let achievedLevel: number;
  if (n <= 60) {
    const counts = signedRankCounts(n);
    const all = 2 ** n;
    let cumulative = 0;
    let c = -1;
    while (c + 1 < counts.length && cumulative + counts[c + 1]! <= tail * all * (1 + 1e-12)) {
      cumulative += counts[c + 1]!;
      c++;
    }
    k = c + 1;
    achievedLevel = 1 - (2 * cumulative) / all;
  } else {
    const mean = total / 2;
    const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24);
    k = Math.max(0, Math.floor(mean - normalQuantile(1 - tail) * sd));
    achievedLevel = level;
  }
  if (k < 1) {
    // Too few values for this level: the honest interval is unbounded.
    return { estimate: median(walsh), interval: [-Infinity, Infinity], achievedLevel: 1 };
  }
  return { estimate: median(walsh), interval: [walsh[k - 1]!, walsh[total - k]!], achievedLevel };
}
