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

/**
 * The interval methods the targets used, and that the "all metrics" table uses the same estimate per metric.
 * `processes`: the starts of the backends that relative targets' pairs came from (load.processes above 1).
 */
export function estimateMethodText(
  methods: readonly IntervalMethod[],
  options: { ratesOnCounts?: boolean; processes?: number } = {},
): string {
  const used = methods.map((m) => METHOD_TEXT[m] ?? m);
  const how = used.length ? used.join(' or ') : 'no interval (no target had data)';
  const rates = options.ratesOnCounts
    ? ', except absolute targets on a rate (error_rate, counter ratios), judged on the pooled counts with an exact (Clopper–Pearson) interval widened by the dispersion between rounds'
    : '';
  const starts =
    options.processes && options.processes > 1
      ? `. The pairs came from ${options.processes} starts of the backends: relative targets take the start as the unit, a Student t interval on each start's Hodges–Lehmann estimate (${options.processes - 1} degrees of freedom), so the offset each process carries is in the interval`
      : '';
  return `relative targets on the log ratios of paired rounds, absolute targets on the candidate's round values; ${how}${rates}${starts}. The "all metrics" table repeats a relative target's estimate and interval for the metric it judges, and gives every other metric the same estimator at the configured confidence`;
}
