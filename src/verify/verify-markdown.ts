/**
 * verify.md: what `perf-gate verify` publishes as the job summary, the Check's summary and, when the
 * run belongs to a pull request, the sticky comment. Its headline is the Check's title. Pure.
 *
 * Every value that came from outside perf-gate (target expressions and metric names from the config,
 * matchers and the store's URL from flags, PromQL built from them) goes through the report's one
 * escaping path (src/report/untrusted-text.ts), as the gate's comment does.
 */
import type { MetricUnit } from '../model/round-record.js';
import { formatChange, formatInterval, formatValue } from '../report/format.js';
import { statusIcon } from '../report/markdown.js';
import { countText, fencedBlock, markdownText } from '../report/untrusted-text.js';
import { bucketLine, notInterleavedText, routeLine, trafficLine, type VerifyResults } from './verify-results.js';

export interface VerifyMarkdownOptions {
  /** Link to the workflow run, when known. */
  runUrl?: string;
  /** Upper bound on the body (GitHub's comment limit less room for the marker, by default). */
  limit?: number;
}

const DEFAULT_LIMIT = 65_536 - 512;

/** One line: the first line of verify.md and the Check's title. perf-gate's own words and counts only. */
export function verifyHeadline(
  results: Pick<VerifyResults, 'verdict' | 'targets' | 'trafficMix' | 'trafficShift' | 'routeMix' | 'comparison'>,
): string {
  const total = results.targets.length;
  const targets = (n: number) => `${n} target${n === 1 ? '' : 's'}`;
  const count = (status: string) => results.targets.filter((t) => t.status === status).length;
  const beforeAfter = results.comparison === 'before-after';
  switch (results.verdict) {
    case 'pass':
      return beforeAfter
        ? `✅ perf-gate verify: after the deploy, all ${targets(total)} met against before it`
        : `✅ perf-gate verify: the canary met all ${targets(total)} against the stable release`;
    case 'fail':
      return beforeAfter
        ? `❌ perf-gate verify: after the deploy, ${count('fail')} of ${targets(total)} missed against before it`
        : `❌ perf-gate verify: the canary missed ${count('fail')} of ${targets(total)} against the stable release`;
    case 'inconclusive':
      if (count('inconclusive') + count('no-data') === 0) {
        if (results.trafficMix?.flagged)
          return '⚠️ perf-gate verify inconclusive: the canary and the stable release did not see the same traffic';
        if (results.trafficShift?.flagged)
          return '⚠️ perf-gate verify inconclusive: the request rate changed across the deploy more than the control explains';
        if (results.routeMix?.flagged)
          return beforeAfter
            ? '⚠️ perf-gate verify inconclusive: the requests after the deploy were not the same kinds as before it'
            : '⚠️ perf-gate verify inconclusive: the canary and the stable release were not asked the same kinds of requests';
      }
      return `⚠️ perf-gate verify inconclusive: ${count('inconclusive') + count('no-data')} of ${targets(total)} could not be decided from this window`;
  }
}

export function renderVerifyMarkdown(
  results: VerifyResults,
  units: ReadonlyMap<string, MetricUnit>,
  options: VerifyMarkdownOptions = {},
): string {
  const rows = results.targets.map((t) => {
    const format = t.kind === 'absolute' ? (v: number) => formatValue(v, units.get(t.metric) ?? 'count') : formatChange;
    const level = t.confidenceLevel === null ? '' : ` (${(t.confidenceLevel * 100).toFixed(1)} %)`;
    return `| ${markdownText(t.expression, { cell: true })} | ${t.estimate === null ? '—' : format(t.estimate)} | ${formatInterval(t.interval, format)}${level} | ${countText(t.buckets)} | ${statusIcon(t.status)} |`;
  });
  const { window, variants, beforeAfter, statistics } = results;
  const method = `Intervals: circular block bootstrap of the bucket means (buckets are autocorrelated), Holm across targets at ${((1 - statistics.alpha) * 100).toFixed(0)} % family-wise.`;
  const comparisonNotes = beforeAfter
    ? [
        `Service ${markdownText(beforeAfter.selector)}, deployed ${markdownText(beforeAfter.deployTime)}: ${markdownText(beforeAfter.before.start)} to ${markdownText(beforeAfter.before.end)} before, ${markdownText(beforeAfter.after.start)} to ${markdownText(beforeAfter.after.end)} after, in ${countText(window.stepSeconds)} s buckets. Relative targets compare the after window with the before one${beforeAfter.controlShiftSeconds ? ', each bucket against the same bucket one control period earlier' : ''}; absolute ones judge the after window's own values.`,
        `**${notInterleavedText(results)}**`,
      ]
    : [
        `Canary ${markdownText(variants?.canary)} against stable ${markdownText(variants?.stable)}, ${markdownText(window.start)} to ${markdownText(window.end)}, paired by ${countText(window.stepSeconds)} s bucket: both variants served the same minutes of the same traffic, so load and incidents hit both. Relative targets compare the canary with the stable per bucket; absolute ones judge the canary's own values.`,
      ];
  const notes = [
    ...comparisonNotes,
    method,
    sentence(trafficLine(results, (metric) => markdownText(metric))),
    ...(results.routeMix ? [sentence(routeLine(results, (text) => markdownText(text, { maxLength: 80 }))!)] : []),
    ...results.targets
      .filter((t) => t.reason)
      .map((t) => `${markdownText(t.expression)}: ${markdownText(t.reason, { maxLength: 500 })}`),
  ];
  const head = [
    `### ${verifyHeadline(results)}`,
    [
      `| Target | ${beforeAfter ? 'After vs before' : 'Canary vs stable'} | Interval (level) | Buckets | Status |`,
      '| --- | ---: | ---: | ---: | --- |',
      ...rows,
    ].join('\n'),
    `<sub>${notes.join('<br>')}</sub>`,
  ];
  const footer = `<sub>perf-gate ${markdownText(results.perfGateVersion)} verify · store ${markdownText(results.store)}${options.runUrl ? ` · [workflow run](${options.runUrl})` : ''}</sub>`;
  const queries = details(
    'Queries and buckets',
    results.metrics
      .map((m) => {
        const promql = 'query' in m ? m.query : `# canary\n${m.queries.canary}\n# stable\n${m.queries.stable}`;
        // Not at the start of a line: a code span of three backticks there would open a fence.
        return `${sentence(bucketLine(m, `Metric ${markdownText(m.metric)}`))}\n\n${fencedBlock('promql', promql)}`;
      })
      .join('\n\n'),
  );
  const limit = options.limit ?? DEFAULT_LIMIT;
  const whole = `${[...head, queries, footer].join('\n\n')}\n`;
  if (whole.length <= limit) return whole;
  return `${[...head, "<sub>Queries left out to fit GitHub's size limit; verify.json in the report folder holds them.</sub>", footer].join('\n\n')}\n`;
}

/** A line of the terminal's words as a sentence: capitalised, with a full stop. */
function sentence(line: string): string {
  const text = line.replace(/^traffic/, 'Traffic').replace(/^route mix/, 'Route mix');
  return /[.)]$/.test(text) ? text : `${text}.`;
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
