/**
 * The trend of each target metric on the base branch (results.trends, src/history/trend.ts), for the
 * PR comment: a Mermaid line of the recorded runs with this run as its last point, and one sentence
 * placing this run among them. Pure. Names from the file reach Mermaid only as letters, digits and a few
 * safe marks, and the Markdown only through the report's escaping.
 */
import { formatValue } from './format.js';
import type { MetricTrend, Results } from './results.js';
import { countText, markdownText, mermaidNumber } from './untrusted-text.js';

/** Text for inside a Mermaid string: no quote, bracket or line break can reach the chart's syntax. */
function mermaidLabel(text: unknown, max = 40): string {
  return (typeof text === 'string' ? text : '').replace(/[^A-Za-z0-9_./ -]/g, '').slice(0, max) || '?';
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function trendChart(trend: MetricTrend): string {
  const labels = trend.points.map((p) => `"${mermaidLabel(p.sha.slice(0, 7))}"`);
  const values = trend.points.map((p) => mermaidNumber(p.value));
  if (trend.current !== null) {
    labels.push('"this run"');
    values.push(mermaidNumber(trend.current));
  }
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${mermaidLabel(trend.metric)} on ${mermaidLabel(trend.branch)}${trend.current !== null ? ', then this run' : ''} (${mermaidLabel(trend.unit)})"`,
    `  x-axis [${labels.join(', ')}]`,
    `  y-axis "${mermaidLabel(trend.unit)}"`,
    `  line [${values.join(', ')}]`,
    '```',
  ].join('\n');
}

/** "This run: 12.3 ms; the last 12 runs recorded on main: median 12.0 ms, 11.5 ms to 12.8 ms." */
export function trendSentence(trend: MetricTrend): string {
  const values = trend.points.map((p) => p.value);
  const format = (v: number) => formatValue(v, trend.unit);
  const recorded = `the last ${countText(values.length)} run${values.length === 1 ? '' : 's'} recorded on ${markdownText(trend.branch)} on this kind of runner: median ${format(median(values))}, ${format(Math.min(...values))} to ${format(Math.max(...values))}`;
  const left = trend.leftOut.otherRunner
    ? ` (${countText(trend.leftOut.otherRunner)} run${trend.leftOut.otherRunner === 1 ? '' : 's'} on other runners left out: absolute values only compare on like machines)`
    : '';
  return `${markdownText(trend.metric)}: ${trend.current === null ? 'no value in this run' : `this run ${format(trend.current)}`}; ${recorded}${left}.`;
}

/** The comment's trend section, or undefined when the run has no trend. */
export function trendMarkdown(results: Pick<Results, 'trends'>): string | undefined {
  const trends = results.trends ?? [];
  if (trends.length === 0) return undefined;
  const branch = trends[0]!.branch;
  return [
    `<details><summary>Trend on ${markdownText(branch)}: where this run lands</summary>`,
    '',
    ...trends.flatMap((t) => [trendChart(t), '', trendSentence(t), '']),
    "<sub>Each point is a recorded run's candidate median on the same kind of runner (CPU model and count); this run is the last point.</sub>",
    '',
    '</details>',
  ].join('\n');
}
