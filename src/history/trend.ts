/**
 * Where a run lands among the recorded runs of its base branch: each target metric's value (the
 * candidate's median) in the last runs recorded on that branch, measured on the same kind of runner
 * (absolute values only compare on like machines), and this run's own value beside them. Pure.
 */
import type { MetricTrend, Results, TrendPoint } from '../report/results.js';
import type { HistoryRecord } from './record.js';

/** How many recorded runs a trend shows: enough to see a step or a creep, few enough for a chart. */
export const TREND_RUNS = 20;

/**
 * The trend of every target metric of `results` over `records` of `branch` (mode gate only: an A/A
 * check is not a state of the branch). The runner kind is the CPU model and count of this run; a run
 * that does not know its own CPU gets no trend, since nothing could be said to be like it.
 */
export function metricTrends(
  records: readonly HistoryRecord[],
  results: Pick<Results, 'targets' | 'metrics' | 'environment'>,
  options: { branch: string; runs?: number },
): MetricTrend[] {
  const cpuModel = results.environment.cpuModel ?? null;
  const cpuCount = results.environment.cpuCount ?? null;
  if (cpuModel === null || cpuCount === null) return [];
  const names = [...new Set(results.targets.map((t) => t.metric))];
  const onBranch = records.filter((r) => r.branch === options.branch && r.mode === 'gate');
  const trends: MetricTrend[] = [];
  for (const name of names) {
    const summary = results.metrics.find((m) => m.name === name);
    if (!summary) continue;
    const latest = new Map<string, TrendPoint>();
    const leftOut = { otherRunner: 0, noValue: 0 };
    for (const record of onBranch) {
      const metric = record.metrics.find((m) => m.name === name);
      if (!metric) continue;
      if (record.runner.cpuModel !== cpuModel || record.runner.cpuCount !== cpuCount) {
        leftOut.otherRunner += 1;
        continue;
      }
      const value = metric.values.candidate;
      if (value === null || !Number.isFinite(value)) {
        leftOut.noValue += 1;
        continue;
      }
      // A commit measured again replaces its earlier run, and moves to where it was measured last.
      latest.delete(record.sha);
      latest.set(record.sha, { sha: record.sha, time: record.time, value });
    }
    const points = [...latest.values()].slice(-(options.runs ?? TREND_RUNS));
    if (points.length === 0) continue;
    trends.push({
      metric: name,
      unit: summary.unit,
      branch: options.branch,
      points,
      current: summary.candidate !== null && Number.isFinite(summary.candidate) ? summary.candidate : null,
      leftOut,
    });
  }
  return trends;
}
