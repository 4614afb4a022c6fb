/**
 * Welch's t-test, for the calibration's naive before/after rule (the gate itself never uses it).
 */
import { mean } from 'simple-statistics';
import { studentTSurvival } from '../../src/stats/distributions.js';

export interface WelchResult {
  t: number;
  df: number;
  /** One-sided p-value of "the mean of x is greater than the mean of y". */
  pGreater: number;
}

/** Welch's unequal-variance t-test (as scipy.stats.ttest_ind with equal_var=False). Needs 2+ values each. */
export function welchTTest(x: readonly number[], y: readonly number[]): WelchResult {
  if (x.length < 2 || y.length < 2) return { t: Number.NaN, df: Number.NaN, pGreater: Number.NaN };
  const variance = (v: readonly number[], m: number) => v.reduce((s, a) => s + (a - m) ** 2, 0) / (v.length - 1);
  const mx = mean(x as number[]);
  const my = mean(y as number[]);
  const sx = variance(x, mx) / x.length;
  const sy = variance(y, my) / y.length;
  if (sx + sy === 0) return { t: Number.NaN, df: Number.NaN, pGreater: Number.NaN };
  // Welch–Satterthwaite degrees of freedom.
  const df = (sx + sy) ** 2 / (sx ** 2 / (x.length - 1) + sy ** 2 / (y.length - 1));
  const t = (mx - my) / Math.sqrt(sx + sy);
  return { t, df, pGreater: studentTSurvival(t, df) };
}
