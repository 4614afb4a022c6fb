import type { Alternative } from './alternative.js';
import { logGamma } from './distributions.js';

export interface SignTestResult {
  positive: number;
  negative: number;
  /** Differences equal to zero, left out of the test. */
  zeros: number;
  pValue: number;
}

function binomialProbability(k: number, n: number): number {
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) - n * Math.LN2);
}

/**
 * Exact sign test of differences against zero: under H0 the number of positive differences is
 * Binomial(n, 1/2). It assumes nothing about the shape of the differences, which makes it the
 * robust cross-check of the paired analysis: a burst that hits one round moves it by one sign only.
 */
export function signTest(d: readonly number[], alternative: Alternative = 'two-sided'): SignTestResult {
  const positive = d.filter((v) => v > 0).length;
  const negative = d.filter((v) => v < 0).length;
  const n = positive + negative;
  const zeros = d.length - n;
  if (n === 0) return { positive, negative, zeros, pValue: 1 };
  let atMost = 0;
  for (let k = 0; k <= positive; k++) atMost += binomialProbability(k, n);
  let atLeast = 0;
  for (let k = positive; k <= n; k++) atLeast += binomialProbability(k, n);
  const p = alternative === 'greater' ? atLeast : alternative === 'less' ? atMost : 2 * Math.min(atMost, atLeast);
  return { positive, negative, zeros, pValue: Math.min(1, p) };
}
