import type { Alternative, TestMethod, TestResult } from './alternative.js';
import { normalSurvival } from './distributions.js';
import { midRanks, tieSum } from './ranks.js';

/**
 * Mann–Whitney U test of two independent samples, following scipy.stats.mannwhitneyu:
 * the statistic is U of the first sample; method 'auto' uses the exact null distribution when one
 * sample has at most 8 values and there are no ties, and otherwise the normal approximation with the
 * tie-corrected variance and a continuity correction of 0.5 (SciPy 1.17 `_mwu_choose_method`).
 * This is the test benchstat runs on raw values ("~" when p >= 0.05).
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  options: { alternative?: Alternative; method?: TestMethod | 'auto'; continuity?: boolean } = {},
): TestResult {
  const alternative = options.alternative ?? 'two-sided';
  const continuity = options.continuity ?? true;
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { statistic: Number.NaN, pValue: Number.NaN, method: 'asymptotic' };
  const { ranks, tieGroupSizes } = midRanks([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < n1; i++) rankSumX += ranks[i]!;
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const hasTies = tieGroupSizes.some((t) => t > 1);
  const method: TestMethod =
    options.method === undefined || options.method === 'auto'
      ? (n1 <= 8 || n2 <= 8) && !hasTies
        ? 'exact'
        : 'asymptotic'
      : options.method;

  // The statistic whose upper tail is examined, as in SciPy.
  const u = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  let p: number;
  if (method === 'exact') {
    p = exactUpperTail(n1, n2, u);
  } else {
    const n = n1 + n2;
    const mean = (n1 * n2) / 2;
    const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieSum(tieGroupSizes) / (n * (n - 1))));
    const z = (u - mean - (continuity ? 0.5 : 0)) / sd;
    p = normalSurvival(z);
  }
  if (alternative === 'two-sided') p *= 2;
  return { statistic: u1, pValue: Math.min(1, Math.max(0, p)), method };
}

/**
 * P(U >= u) under H0 without ties. The counts of U for sizes (m, n) are the coefficients of the
 * Gaussian binomial [m+n choose m]_q = Π_{i=1..m} (1 - q^{n+i}) / (1 - q^i); multiplying and dividing
 * these polynomials keeps every count an exact integer (below 2^53 for the sizes 'auto' sends here).
 */
function exactUpperTail(n1: number, n2: number, u: number): number {
  const m = Math.min(n1, n2);
  const n = Math.max(n1, n2);
  const maxU = m * n;
  let poly = new Array<number>(maxU + 1).fill(0);
  poly[0] = 1;
  let degree = 0;
  for (let i = 1; i <= m; i++) {
    // Multiply by (1 - q^{n+i}).
    const shift = n + i;
    const next = poly.slice();
    for (let k = degree; k >= 0; k--) if (poly[k] !== 0 && k + shift <= maxU) next[k + shift]! -= poly[k]!;
    degree = Math.min(maxU, degree + shift);
    // Divide by (1 - q^i): c_k = a_k + c_{k-i}.
    for (let k = i; k <= degree; k++) next[k]! += next[k - i]!;
    poly = next;
  }
  let total = 0;
  let tail = 0;
  // U is an integer without ties; count outcomes at or above u.
  const threshold = Math.ceil(u - 1e-9);
  for (let k = 0; k <= maxU; k++) {
    total += poly[k]!;
    if (k >= threshold) tail += poly[k]!;
  }
  return tail / total;
}
