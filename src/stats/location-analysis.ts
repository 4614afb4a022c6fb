import { mean } from 'simple-statistics';
import { bootstrapInterval } from './bootstrap.js';
import { hodgesLehmann } from './hodges-lehmann.js';
import { studentTInterval, studentTTest } from './location-interval.js';
import { wilcoxonSignedRank } from './wilcoxon.js';

/**
 * How the interval of a location (mean log ratio, or the candidate's own mean) is computed.
 * - 't': Student t on the mean (for log ratios: the geometric-mean ratio).
 * - 'hodges-lehmann': distribution-free interval of the pseudo-median (signed-rank inversion). The
 *   default: docs/statistics.md has the calibration that chose it (bursts that hit single rounds
 *   widen the t interval far more than this one).
 * - 'bootstrap': seeded percentile bootstrap of the mean.
 */
export type IntervalMethod = 't' | 'hodges-lehmann' | 'bootstrap';
export const INTERVAL_METHODS: readonly IntervalMethod[] = ['t', 'hodges-lehmann', 'bootstrap'];

/**
 * A location analysis of one sample that can be asked for intervals at any level and one-sided
 * p-values against any value, so Holm and alpha spending can pick the level after seeing all targets.
 */
export interface LocationAnalysis {
  method: IntervalMethod;
  n: number;
  estimate: number;
  interval(level: number): [number, number];
  /** p-value of H0 "location >= mu0" against "location < mu0" ('less'), or the mirror ('greater'). */
  oneSidedPValue(mu0: number, alternative: 'less' | 'greater'): number;
}

export function analyzeLocation(values: readonly number[], method: IntervalMethod, seed = 1): LocationAnalysis {
  const n = values.length;
  switch (method) {
    case 't':
      return {
        method,
        n,
        estimate: mean(values as number[]),
        interval: (level) => studentTInterval(values, level).interval,
        oneSidedPValue: (mu0, alternative) => studentTTest(values, mu0, alternative).pValue,
      };
    case 'hodges-lehmann':
      return {
        method,
        n,
        estimate: hodgesLehmann(values, 0.5).estimate,
        interval: (level) => hodgesLehmann(values, level).interval,
        oneSidedPValue: (mu0, alternative) => {
          const shifted = values.map((v) => v - mu0);
          // All values equal to mu0: no evidence either way.
          if (shifted.every((v) => v === 0)) return 1;
          // Same null distribution as the interval (exact up to 60 values), so that p <= level
          // exactly when the interval at that level excludes mu0, which Holm relies on.
          return wilcoxonSignedRank(shifted, { alternative, method: n <= 60 ? 'exact' : 'asymptotic' }).pValue;
        },
      };
    case 'bootstrap': {
      const { estimate, replicates } = bootstrapInterval(values, 0.95, { seed });
      const b = replicates.length;
      const percentile = (q: number): number => replicates[Math.min(b - 1, Math.max(0, Math.floor(q * b)))]!;
      return {
        method,
        n,
        estimate,
        interval: (level) => [percentile((1 - level) / 2), percentile(1 - (1 - level) / 2)],
        oneSidedPValue: (mu0, alternative) => {
          // Percentile-bootstrap p-value: share of replicates on the null side (with the +1 rule).
          const onNullSide = replicates.filter((r) => (alternative === 'less' ? r >= mu0 : r <= mu0)).length;
          return (onNullSide + 1) / (b + 1);
        },
      };
    }
  }
}
