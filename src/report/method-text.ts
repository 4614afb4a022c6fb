/**
 * How the estimates in the report were made, in words: results.json's `decision.method`. Its wording is part
 * of the contract, like src/report/reason-text.ts. Pure.
 */
import type { IntervalMethod } from '../stats/location-analysis.js';

const METHOD_TEXT: Record<IntervalMethod, string> = {
  t: 'a Student t interval (the change is the geometric-mean ratio)',
  'hodges-lehmann': 'a Hodges–Lehmann estimate with its distribution-free (Wilcoxon) interval',
  bootstrap: 'a seeded bootstrap interval',
};

/** The interval methods the targets used, and that the "all metrics" table uses the same estimate per metric. */
export function estimateMethodText(methods: readonly IntervalMethod[], ratesOnCounts = false): string {
  const used = methods.map((m) => METHOD_TEXT[m] ?? m);
  const how = used.length ? used.join(' or ') : 'no interval (no target had data)';
  const rates = ratesOnCounts
    ? ', except absolute targets on a rate (error_rate, counter ratios), judged on the pooled counts with an exact (Clopper–Pearson) interval widened by the dispersion between rounds'
    : '';
  return `relative targets on the log ratios of paired rounds, absolute targets on the candidate's round values; ${how}${rates}. The "all metrics" table repeats a relative target's estimate and interval for the metric it judges, and gives every other metric the same estimator at the configured confidence`;
}
