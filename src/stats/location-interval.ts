import { mean, sampleStandardDeviation } from 'simple-statistics';
import type { Alternative } from './alternative.js';
import { studentTQuantile, studentTSurvival } from './distributions.js';

export interface MeanInterval {
  estimate: number;
  interval: [number, number];
  standardError: number;
  df: number;
}

/** Student t interval for the mean of one sample (e.g. the mean log ratio of paired rounds). */
export function studentTInterval(values: readonly number[], level: number): MeanInterval {
  const n = values.length;
  const m = mean(values as number[]);
  if (n < 2) return { estimate: m, interval: [-Infinity, Infinity], standardError: Infinity, df: 0 };
  const se = sampleStandardDeviation(values as number[]) / Math.sqrt(n);
  const df = n - 1;
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return { estimate: m, interval: [m - t * se, m + t * se], standardError: se, df };
}

/** One-sample t test of the mean against `mu0`, as scipy.stats.ttest_1samp. */
export function studentTTest(
  values: readonly number[],
  mu0: number,
  alternative: Alternative = 'two-sided',
): { statistic: number; pValue: number; df: number } {
  const n = values.length;
  const df = n - 1;
  if (n < 2) return { statistic: Number.NaN, pValue: Number.NaN, df };
  const se = sampleStandardDeviation(values as number[]) / Math.sqrt(n);
  const t = (mean(values as number[]) - mu0) / se;
  if (se === 0) {
    const side = Math.sign(mean(values as number[]) - mu0);
    const upper = side > 0 ? 0 : side < 0 ? 1 : 0.5;
    const p = alternative === 'greater' ? upper : alternative === 'less' ? 1 - upper : side === 0 ? 1 : 0;
    return { statistic: t, pValue: p, df };
  }
  const p =
    alternative === 'greater'
      ? studentTSurvival(t, df)
      : alternative === 'less'
        ? studentTSurvival(-t, df)
        : Math.min(1, 2 * studentTSurvival(Math.abs(t), df));
  return { statistic: t, pValue: p, df };
}
