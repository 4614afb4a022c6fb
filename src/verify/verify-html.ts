/**
 * verify.html: what `perf-gate verify` saw, in one self-contained page for the report artifact: the
 * verdict, the targets, and per metric the bucket series the analysis used (canary and stable over the
 * window, or the windows before and after the deploy on one time axis around it). Pure: results in, text out.
 *
 * Every string from outside perf-gate (target expressions, metric names, matchers, PromQL, the store's
 * URL, the reasons built from them) is escaped; numbers are formatted by perf-gate.
 */
import type { MetricUnit } from '../model/round-record.js';
import { escapeMarkup, type LinePoint, lineChart } from '../report/charts.js';
import { formatChange, formatInterval, formatValue } from '../report/format.js';
import { htmlDocument } from '../report/html.js';
import { countText } from '../report/untrusted-text.js';
import type { WindowBuckets } from './before-after.js';
import type { MetricBuckets } from './canary-analysis.js';
import { verifyHeadline } from './verify-markdown.js';
import { bucketLine, notInterleavedText, routeLine, trafficLine, type VerifyResults } from './verify-results.js';

export interface VerifyHtmlOptions {
  /** Link to the workflow run; only http(s) addresses become links. */
  runUrl?: string;
}

const e = escapeMarkup;

const STATUS_TEXT: Record<string, string> = {
  pass: 'met',
  fail: 'missed',
  inconclusive: 'inconclusive',
  'no-data': 'no data',
};

const VERDICT_WORD: Record<string, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };

export function renderVerifyHtml(
  results: VerifyResults,
  units: ReadonlyMap<string, MetricUnit>,
  options: VerifyHtmlOptions = {},
): string {
  const verdict = Object.hasOwn(VERDICT_WORD, results.verdict) ? results.verdict : 'inconclusive';
  const headline = verifyHeadline(results).replace(/^\S+\s/, '');
  const beforeAfter = results.beforeAfter;
  const comparison = beforeAfter
    ? `Service ${e(beforeAfter.selector)}, deployed ${e(beforeAfter.deployTime)}: before ${e(beforeAfter.before.start)} to ${e(beforeAfter.before.end)}, after ${e(beforeAfter.after.start)} to ${e(beforeAfter.after.end)}, ${countText(results.window.stepSeconds)} s buckets.`
    : `Canary ${e(results.variants?.canary ?? '')} against stable ${e(results.variants?.stable ?? '')}, ${e(results.window.start)} to ${e(results.window.end)}, paired by ${countText(results.window.stepSeconds)} s bucket.`;
  const notes = [
    trafficLine(results, (metric) => e(metric)),
    ...(results.routeMix ? [routeLine(results, (text) => e(text))!] : []),
    ...(beforeAfter ? [e(notInterleavedText(results))] : []),
  ];
  const link =
    options.runUrl && /^https?:\/\//i.test(options.runUrl) ? ` · <a href="${e(options.runUrl)}">workflow run</a>` : '';
  return htmlDocument(`perf-gate verify: ${VERDICT_WORD[verdict]}`, [
    '<header>',
    '<h1>perf-gate verify</h1>',
    `<div class="verdict verdict-${verdict}"><span class="verdict-word">${VERDICT_WORD[verdict]}</span><div><p class="headline">${e(headline)}</p><p class="sub">${comparison}</p></div></div>`,
    '</header>',
    section('targets', 'Targets', targetsTable(results, units) + notes.map((n) => `<p class="sub">${n}</p>`).join('')),
    section(
      'series',
      'Bucket series',
      results.metrics.map((m) => metricChart(results, m, units.get(m.metric) ?? 'count')).join('\n'),
    ),
    section('queries', 'Queries', queriesBlock(results)),
    `<footer><p>perf-gate ${e(results.perfGateVersion)} verify · store ${e(results.store)}${link}</p></footer>`,
  ]);
}

function queriesBlock(results: VerifyResults): string {
  const queries = results.metrics.map((m) => {
    const promql = 'query' in m ? m.query : `# canary\n${m.queries.canary}\n# stable\n${m.queries.stable}`;
    return `<p>${e(bucketLine(m, m.metric))}</p><pre><code>${e(promql)}</code></pre>`;
  });
  return [...queries, `<p class="sub">${e(results.statistics.method)}.</p>`].join('\n');
}

function section(id: string, heading: string, body: string): string {
  return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${heading}</h2>\n${body}\n</section>`;
}

function targetsTable(results: VerifyResults, units: ReadonlyMap<string, MetricUnit>): string {
  const rows = results.targets.map((t) => {
    const format = t.kind === 'absolute' ? (v: number) => formatValue(v, units.get(t.metric) ?? 'count') : formatChange;
    const status = Object.hasOwn(STATUS_TEXT, t.status) ? t.status : 'no-data';
    const level = t.confidenceLevel === null ? '' : ` (${(t.confidenceLevel * 100).toFixed(1)} %)`;
    const reason = t.reason ? `<br><span class="sub">${e(t.reason)}</span>` : '';
    return `<tr class="status-${status}"><td>${e(t.expression)}${reason}</td><td>${t.estimate === null ? '—' : e(format(t.estimate))}</td><td>${e(formatInterval(t.interval, format))}${level}</td><td>${countText(t.buckets)}</td><td>${STATUS_TEXT[status]}</td></tr>`;
  });
  const change = results.comparison === 'before-after' ? 'After vs before' : 'Canary vs stable';
  return `<div class="scroll"><table><thead><tr><th>Target</th><th>${change}</th><th>Interval (level)</th><th>Buckets</th><th>Status</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/**
 * One metric's buckets over time. Canary vs stable: both variants against minutes since the window
 * began. Before vs after: both windows against minutes from the deploy (negative before it).
 */
function metricChart(results: VerifyResults, m: MetricBuckets | WindowBuckets, unit: MetricUnit): string {
  const format = (v: number) => formatValue(v, unit);
  const minutes = (time: number, origin: number) => Math.round(((time - origin) / 60) * 100) / 100;
  let series: { name: string; points: LinePoint[] }[];
  let xLabel: string;
  if ('query' in m) {
    if (!m.series || !results.beforeAfter) return '';
    const deploy = Date.parse(results.beforeAfter.deployTime) / 1000;
    series = [
      { name: 'before the deploy', points: m.series.before.map((p) => ({ x: minutes(p.time, deploy), y: p.value })) },
      { name: 'after the deploy', points: m.series.after.map((p) => ({ x: minutes(p.time, deploy), y: p.value })) },
    ];
    xLabel = 'Minutes from the deploy';
  } else {
    if (!m.series) return '';
    const start = Date.parse(results.window.start) / 1000;
    series = [
      { name: 'stable', points: m.series.map((p) => ({ x: minutes(p.time, start), y: p.stable })) },
      { name: 'canary', points: m.series.map((p) => ({ x: minutes(p.time, start), y: p.canary })) },
    ];
    xLabel = 'Minutes since the window began';
  }
  series = series.map((s) => ({ ...s, points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)) }));
  if (series.every((s) => s.points.length === 0)) return '';
  return `<figure>${lineChart({
    id: `series-${m.metric.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    title: `${m.metric} per ${results.window.stepSeconds} s bucket`,
    desc: `${m.metric}: ${series.map((s) => `${s.name}, ${s.points.length} buckets`).join('; ')}`,
    xLabel,
    yLabel: m.metric,
    series,
    formatValue: format,
  })}<figcaption class="sub">${e(m.metric)}: each point is one bucket's value, as the analysis used it${m.seriesThinned ? ' (every k-th bucket only: verify.json keeps a day of one-minute buckets per series)' : ''}.</figcaption></figure>`;
}
