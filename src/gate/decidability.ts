/**
 * Targets a configuration can never decide, found before anything runs. The check is the best case:
 * the whole alpha (the most lenient level Holm can reach, once every other target is decided first),
 * every planned pair measured, and for an error-rate bound not a single failed request. A target that cannot be decided
 * even then will be inconclusive in every run, so `validate` and the bench stage say so, with what
 * would decide it. A target that passes this check may still end inconclusive: noise decides that.
 */
import { minSamplesForDistributionFree } from './evaluate-targets.js';
import type { Target } from './target.js';

export interface UndecidableTarget {
  expression: string;
  reason: string;
}

/**
 * Requests needed before zero failures bound an error rate below `bound` at a two-sided `level`: the
 * Clopper–Pearson upper bound for 0 of n is 1 − (tail)^(1/n), below `bound` once n > ln(tail) / ln(1 − bound).
 */
export function requestsToBoundErrorRate(bound: number, level: number): number {
  const tail = (1 - level) / 2;
  return Math.floor(Math.log(tail) / Math.log(1 - bound)) + 1;
}

/** The server metrics an absolute target is judged on by their pooled counts: the counter ratios. */
export function countMetricsOf(config: { metrics: readonly { name: string; kind: string }[] }): Set<string> {
  return new Set(config.metrics.filter((m) => m.kind === 'counter_ratio').map((m) => m.name));
}

/**
 * `countMetrics`: metrics an absolute target is judged on by their pooled counts (server counter ratios),
 * whose trial counts are not known before the run, so only the error rate's are checked.
 */
export function undecidableTargets(
  targets: readonly Target[],
  load: { mode: 'open' | 'closed'; rate: number; roundDurationMs: number; maxPairs: number; processes?: number },
  confidence: number,
  countMetrics: ReadonlySet<string> = new Set(),
): UndecidableTarget[] {
  if (targets.length === 0) return [];
  const level = confidence;
  const found: UndecidableTarget[] = [];
  for (const target of targets) {
    if (target.kind === 'absolute' && countMetrics.has(target.metric)) continue;
    const errorBound =
      target.kind === 'absolute' &&
      target.metric === 'error_rate' &&
      (target.comparator === '<' || target.comparator === '<=') &&
      target.threshold > 0 &&
      target.threshold < 1
        ? target.threshold
        : undefined;
    if (errorBound !== undefined) {
      // Judged on the request counts (docs/statistics.md, "Rates"): open loop knows how many it sends.
      if (load.mode !== 'open') continue;
      const planned = Math.floor(load.rate * (load.roundDurationMs / 1000)) * load.maxPairs;
      const needed = requestsToBoundErrorRate(errorBound, level);
      if (planned < needed)
        found.push({
          expression: target.expression,
          reason:
            `even with no failed request, the ${planned} candidate requests of ${load.maxPairs} rounds cannot bound the error rate ` +
            `below ${formatPercent(errorBound)} at ${formatPercent(level)}: it needs ${needed} (raise load.rate, load.roundDuration or load.maxPairs)`,
        });
      continue;
    }
    // Over several starts a relative target is judged by Student t on the starts, which two can bound.
    if (target.kind !== 'absolute' && (load.processes ?? 1) > 1) continue;
    const needed = minSamplesForDistributionFree(level);
    if (load.maxPairs < needed)
      found.push({
        expression: target.expression,
        reason: `its interval needs at least ${needed} pairs even at ${formatPercent(level)}, the most lenient level the gate uses; load.maxPairs is ${load.maxPairs}`,
      });
  }
  return found;
}

function formatPercent(value: number): string {
  const text = (value * 100).toFixed(value < 0.01 || value > 0.99 ? 2 : 1);
  return `${text.replace(/\.?0+$/, '')} %`;
}
