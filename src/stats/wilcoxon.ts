import type { Alternative, TestMethod, TestResult } from './alternative.js';
import { normalSurvival } from './distributions.js';
import { midRanks, tieSum } from './ranks.js';

/**
 * Counts of the signed-rank statistic W+ for n untied, non-zero differences: the coefficients of
 * Π_{i=1..n} (1 + q^i). Index k holds how many of the 2^n sign patterns give W+ = k.
 */
export function signedRankCounts(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  const counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  let top = 0;
  for (let i = 1; i <= n; i++) {
    for (let k = top; k >= 0; k--) counts[k + i]! += counts[k]!;
    top += i;
  }
  return counts;
}

/**
 * Wilcoxon signed-rank test of differences `d` against zero, as scipy.stats.wilcoxon with
 * zero_method='wilcox' (zeros dropped). The statistic is W+ (sum of the ranks of positive
 * differences) for one-sided alternatives and min(W+, W-) for two-sided, as SciPy reports it.
 * 'auto' uses the exact distribution for n <= 50 without ties or zeros, else the normal
 * approximation with tie correction. (SciPy switches to a permutation test for small samples with
 * ties; we use the normal approximation there, which is what 'asymptotic' gives in SciPy.)
 */
export function wilcoxonSignedRank(
  d: readonly number[],
  options: { alternative?: Alternative; method?: TestMethod | 'auto'; continuity?: boolean } = {},
): TestResult {
  const alternative = options.alternative ?? 'two-sided';
  const continuity = options.continuity ?? false;
  const hasZeros = d.some((v) => v === 0);
  const nonZero = d.filter((v) => v !== 0);
  const n = nonZero.length;
  if (n === 0) return { statistic: Number.NaN, pValue: Number.NaN, method: 'asymptotic' };
  const { ranks, tieGroupSizes } = midRanks(nonZero.map(Math.abs));
  let rPlus = 0;
  for (let i = 0; i < n; i++) if (nonZero[i]! > 0) rPlus += ranks[i]!;
  const total = (n * (n + 1)) / 2;
  const rMinus = total - rPlus;
  const hasTies = tieGroupSizes.some((t) => t > 1);
  const method: TestMethod =
    options.method === undefined || options.method === 'auto'
      ? n <= 50 && !hasTies && !hasZeros
        ? 'exact'
        : 'asymptotic'
      : options.method;
  const statistic = alternative === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;

  let p: number;
  if (method === 'exact') {
    const counts = signedRankCounts(n);
    const all = 2 ** n;
    const r = Math.round(rPlus);
    let below = 0;
    for (let k = 0; k <= r; k++) below += counts[k]!;
    let above = 0;
    for (let k = r; k < counts.length; k++) above += counts[k]!;
    const cdf = below / all;
    const sf = above / all;
    p = alternative === 'greater' ? sf : alternative === 'less' ? cdf : 2 * Math.min(cdf, sf);
  } else {
    const mean = total / 2;
    const se = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieSum(tieGroupSizes) / 2) / 24);
    let shift = 0;
    if (continuity)
      shift = alternative === 'greater' ? 0.5 : alternative === 'less' ? -0.5 : 0.5 * Math.sign(rPlus - mean);
    const z = (rPlus - mean - shift) / se;
    p =
      alternative === 'greater'
        ? normalSurvival(z)
        : alternative === 'less'
          ? normalSurvival(-z)
          : 2 * normalSurvival(Math.abs(z));
  }
  return { statistic, pValue: Math.min(1, Math.max(0, p)), method };
}
