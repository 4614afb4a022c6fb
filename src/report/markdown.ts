/**
 * report.md: the pull-request comment body. Pure: results in, text out.
 * Layout: the verdict line, one table of targets, charts GitHub renders inline (Mermaid), then
 * collapsed details. GitHub rejects comment bodies over 65,536 characters, so details are dropped
 * from the least to the most useful until the body fits, and the report says what was cut.
 */

import { CLIENT_METRICS, type MetricUnit, type RoundRecord } from '../model/round-record.js';
import { bucketBoundCell, valueBoundText } from './bucket-bound-text.js';
import { budgetSentence } from './budget-line.js';
import {
  aaRewriteText,
  anyDetectable,
  anyImplied,
  DETECTABLE_NOTE,
  figureText,
  IMPLIED_NOTE,
  shownMetricFigures,
  shownTargetFigures,
} from './figures-text.js';
import { formatChange, formatInterval, formatShare, formatValue } from './format.js';
import { headline } from './headline.js';
import { lintSection, lintSummary, rehearsalSection, rehearsalSummary } from './rehearsal-section.js';
import { releaseDriftMarkdown } from './release-drift-text.js';
import type { MetricSummary, Results, TargetResult } from './results.js';
import { trendMarkdown } from './trend-text.js';
import {
  countText,
  fencedBlock,
  markdownText,
  mermaidNumber,
  ordinalText,
  plainText,
  stageText,
} from './untrusted-text.js';

// The headline is also results.json's own line; it lives in headline.ts so building results.json needs no renderer.
export { headline } from './headline.js';

export const GITHUB_COMMENT_LIMIT = 65_536;

const STATUS_ICON: Record<TargetResult['status'], string> = {
  pass: '✅ met',
  fail: '❌ missed',
  inconclusive: '⚠️ inconclusive',
  'no-data': '⛔ no data',
};

export interface MarkdownOptions {
  /** Link to the workflow run, when known. */
  runUrl?: string;
  /** Link to the uploaded artifact or where the report folder lives. */
  artifactHint?: string;
  /** Upper bound on the body length (defaults to GitHub's limit, minus room for the hidden marker). */
  limit?: number;
}

/** The status cell; a status outside the enum (a results.json the schema was not run on) shows as unknown. */
export function statusIcon(status: unknown): string {
  return typeof status === 'string' && Object.hasOwn(STATUS_ICON, status)
    ? STATUS_ICON[status as TargetResult['status']]
    : '❔ unknown';
}

function targetRow(t: TargetResult, metrics: MetricSummary[]): string {
  const unit = t.unit;
  const figures = shownTargetFigures(t, metrics);
  const baseline = figureText(figures, 'baseline', unit);
  const candidate = figureText(figures, 'candidate', unit);
  let change: string;
  const bound = bucketBoundCell(t);
  if (bound) change = bound;
  else if (t.kind === 'absolute') {
    change = t.ci
      ? `${formatValue(t.estimate, unit)} ${formatInterval(t.ci, (v) => formatValue(v, unit))}`
      : formatValue(t.estimate, unit);
  } else {
    change = t.ci ? `${formatChange(t.estimate)} ${formatInterval(t.ci, formatChange)}` : formatChange(t.estimate);
  }
  return `| ${markdownText(t.expression, { cell: true })} | ${baseline} | ${candidate} | ${change} | ${formatDetectable(t)} | ${statusIcon(t.status)} |`;
}

/** The smallest effect this run could have decided: a relative share, or a distance in the metric's unit. */
export function formatDetectable(t: TargetResult): string {
  const mde = t.minimumDetectableEffect;
  if (mde === undefined || mde === null || !Number.isFinite(mde)) return '—';
  const text = t.kind === 'absolute' ? formatValue(mde, t.unit) : formatShare(mde);
  return text === '—' ? text : `±${text}`;
}

/**
 * Cuts at the last line break before `limit`: every untrusted value is one code span on one line,
 * so a cut never leaves half a span whose rest would be read as Markdown.
 */
function truncateAtLine(text: string, limit: number): string {
  const cut = text.lastIndexOf('\n', limit);
  return text.slice(0, Math.max(cut, 0));
}

/*
 * Everything below may come from a results.json written by a fork's code (the workflow_run half of the
 * fork-safe pattern posts it with a write token): every string from it goes through markdownText
 * (untrusted-text.ts), every count through countText, and every fence is fencedBlock's (untrusted-text.ts).
 */

/** Mermaid labels: quotes and brackets would end the label or the list, so keep a plain subset. */
function mermaidLabel(text: string): string {
  return plainText(text).replace(/[^\w .:/%+-]/g, '_');
}

function targetsTable(results: Results): string {
  const lines = [
    '| Target | Baseline | Candidate | Change [interval] | Detectable | Status |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...results.targets.map((t) => targetRow(t, results.metrics)),
  ];
  return lines.join('\n');
}

function latencyChart(results: Results): string | undefined {
  const get = (name: string) => results.metrics.find((m) => m.name === name);
  const series = ['latency_p50', 'latency_p95', 'latency_p99'].map(get);
  if (series.some((m) => !m || m.baseline === null || m.candidate === null)) return undefined;
  const labels: string[] = [];
  const values: string[] = [];
  for (const m of series as MetricSummary[]) {
    const q = m.name.replace('latency_', '');
    labels.push(`"${q} base"`, `"${q} cand"`);
    values.push(mermaidNumber(m.baseline), mermaidNumber(m.candidate));
  }
  return [
    '```mermaid',
    'xychart-beta',
    '  title "Client latency, median of rounds (ms)"',
    `  x-axis [${labels.join(', ')}]`,
    '  y-axis "ms"',
    `  bar [${values.join(', ')}]`,
    '```',
  ].join('\n');
}

/** A round's value of one metric, read as an own property only (never Object.prototype's). */
function ownValue(values: Record<string, number | null> | undefined, name: string): number | null {
  const v = values && Object.hasOwn(values, name) ? values[name] : null;
  return typeof v === 'number' ? v : null;
}

/** Candidate/baseline ratio per pair for one metric: drift and outlier rounds become visible. */
export function pairRatios(rounds: RoundRecord[], metric: string): { pair: number; ratio: number }[] {
  const byPair = new Map<number, Partial<Record<'baseline' | 'candidate', number>>>();
  for (const r of rounds) {
    const v = ownValue(r.values, metric);
    if (r.valid !== true || v === null || !(v > 0) || !Number.isSafeInteger(r.pair) || r.pair < 0) continue;
    const entry = byPair.get(r.pair) ?? {};
    entry[r.variant] = v;
    byPair.set(r.pair, entry);
  }
  return [...byPair.entries()]
    .filter(([, e]) => e.baseline !== undefined && e.candidate !== undefined)
    .sort(([a], [b]) => a - b)
    .map(([pair, e]) => ({ pair, ratio: e.candidate! / e.baseline! }));
}

function ratioChart(results: Results): string | undefined {
  const relative = results.targets.find((t) => t.kind !== 'absolute');
  const metric = relative?.metric ?? 'latency_p50';
  const ratios = pairRatios(results.rounds, metric);
  if (ratios.length < 2) return undefined;
  const lines = [
    '```mermaid',
    'xychart-beta',
    `  title "${mermaidLabel(metric)}: candidate / baseline per round pair${relative ? ' (lines: no change, target bound)' : ''}"`,
    `  x-axis [${ratios.map((r) => `"${ordinalText(r.pair)}"`).join(', ')}]`,
    '  y-axis "ratio"',
    `  line [${ratios.map((r) => mermaidNumber(r.ratio)).join(', ')}]`,
    `  line [${ratios.map(() => '1').join(', ')}]`,
  ];
  // The target's bound as a ratio (threshold -0.2 -> 0.8), so a reader sees which side each pair fell on.
  if (relative && Number.isFinite(relative.threshold))
    lines.push(`  line [${ratios.map(() => mermaidNumber(1 + relative.threshold)).join(', ')}]`);
  lines.push('```');
  return lines.join('\n');
}

function metricsTable(results: Results): string {
  const rows = results.metrics.map((m) => {
    const figures = shownMetricFigures(m);
    return `| ${markdownText(m.name, { cell: true })} | ${figureText(figures, 'baseline', m.unit)} | ${figureText(figures, 'candidate', m.unit)} | ${formatChange(m.change)} | ${formatInterval(m.ci, formatChange)} | ${countText(m.pairs)} |`;
  });
  const table = [
    '| Metric | Baseline | Candidate | Change | Interval | Pairs |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  return anyImplied(results.metrics.map(shownMetricFigures)) ? `${table}\n\n<sub>${IMPLIED_NOTE}</sub>` : table;
}

function roundsTable(results: Results, metricUnits: Map<string, MetricUnit>): string {
  const shown = ['latency_p50', 'latency_p99', 'throughput', ...results.targets.map((t) => t.metric)].filter(
    (v, i, a) => a.indexOf(v) === i,
  );
  const header = `| # | Pair | Variant | ${shown.map((name) => markdownText(name, { cell: true })).join(' | ')} | Valid |`;
  const rows = results.rounds.map((r) => {
    const cells = shown.map((name) => {
      const unit = metricUnits.get(name) ?? 'count';
      const bound = r.bounds && Object.hasOwn(r.bounds, name) ? r.bounds[name] : undefined;
      return bound ? valueBoundText(bound, unit) : formatValue(ownValue(r.values, name), unit);
    });
    const valid =
      r.valid === true
        ? r.flags.length
          ? `⚠️ ${markdownText(r.flags.join(', '), { cell: true })}`
          : '✓'
        : `✗ ${markdownText(r.invalidReasons.join('; '), { cell: true })}`;
    return `| ${ordinalText(r.index)} | ${ordinalText(r.pair)} | ${r.variant === 'baseline' || r.variant === 'candidate' ? r.variant : markdownText(r.variant, { cell: true })} | ${cells.join(' | ')} | ${valid} |`;
  });
  return [header, `|${' --- |'.repeat(shown.length + 4)}`, ...rows].join('\n');
}

/** Line and paragraph separators, bidi controls and invisible characters, as JSON \u escapes. */
const JSON_HIDDEN = /[\u0080-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

function jsonBlock(value: unknown): string {
  const json = (JSON.stringify(value, null, 2) ?? 'null').replace(
    JSON_HIDDEN,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return fencedBlock('json', json);
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

export function renderMarkdown(results: Results, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT - 512;
  // Client metrics keep their units even when no summary row exists (a run without valid pairs).
  const units = new Map<string, MetricUnit>([
    ...CLIENT_METRICS.map((m) => [m.name, m.unit] as const),
    ...results.metrics.map((m) => [m.name, m.unit] as const),
    ...results.targets.map((t) => [t.metric, t.unit] as const),
  ]);
  // The headline is perf-gate's own words, counts and a checked stage name (see headline()).
  const head: string[] = [`### ${headline(results)}`];
  if (results.error)
    head.push(
      `> **${stageText(results.error.stage) ?? (markdownText(results.error.stage) || 'error')}**: ${markdownText(results.error.message, { maxLength: 2000 }) || '(no message)'}`,
    );
  if (results.targets.length > 0) head.push(targetsTable(results));
  const notes: string[] = [];
  if (results.decision) {
    const d = results.decision;
    notes.push(
      `${countText(d.validPairs)} valid of ${countText(d.measuredPairs)} interleaved round pairs. Several targets: ${markdownText(d.multipleComparisons, { maxLength: 2000 })}. ${results.budget ? budgetSentence(results.budget, markdownText(d.stoppingReason)) : `Stopped: ${markdownText(d.stoppingReason)}`}.`,
    );
  }
  const aa = aaRewriteText(results, (e) => markdownText(e));
  if (aa) notes.push(aa);
  if (anyImplied(results.targets.map((t) => shownTargetFigures(t, results.metrics)))) notes.push(IMPLIED_NOTE);
  if (anyDetectable(results.targets)) notes.push(DETECTABLE_NOTE);
  if (notes.length > 0) head.push(`<sub>${notes.join('<br>')}</sub>`);
  const charts = [latencyChart(results), ratioChart(results)].filter((c): c is string => Boolean(c));

  // Optional sections in order of usefulness; the last ones are dropped first when over the limit.
  const optional: { name: string; text: string }[] = [];
  const drift = releaseDriftMarkdown(results);
  if (drift) optional.push({ name: 'drift since the previous release', text: drift });
  if (charts.length) optional.push({ name: 'charts', text: charts.join('\n\n') });
  const trend = trendMarkdown(results);
  if (trend) optional.push({ name: 'trend', text: trend });
  if (results.rehearsal)
    optional.push({
      name: 'migration rehearsal',
      text: details(rehearsalSummary(results.rehearsal), rehearsalSection(results.rehearsal)),
    });
  if (results.migrationLint)
    optional.push({
      name: 'migration lint',
      text: details(lintSummary(results.migrationLint), lintSection(results.migrationLint)),
    });
  if (results.metrics.length)
    optional.push({ name: 'all metrics', text: details('All metrics', metricsTable(results)) });
  if (results.decision)
    optional.push({
      name: 'how the decision was made',
      text: details('How the decision was made', decisionText(results)),
    });
  if (results.migration)
    optional.push({ name: 'migration summary', text: details('Migration', jsonBlock(results.migration)) });
  optional.push({ name: 'environment', text: details('Environment', jsonBlock(results.environment)) });
  if (results.rounds.length)
    optional.push({ name: 'rounds', text: details(`Rounds (${results.rounds.length})`, roundsTable(results, units)) });

  const links: string[] = [];
  if (options.runUrl) links.push(`[workflow run](${options.runUrl})`);
  if (options.artifactHint) links.push(options.artifactHint);
  const footer = `<sub>perf-gate ${markdownText(results.tool?.version)} · run ${markdownText(results.runId)}${links.length ? ` · ${links.join(' · ')}` : ''}</sub>`;

  const cut: string[] = [];
  for (;;) {
    const note = cut.length
      ? [
          `<sub>Trimmed to fit GitHub's comment size limit: ${cut.join(', ')} left out; see results.json in the report artifact.</sub>`,
        ]
      : [];
    const body = `${[...head, ...optional.map((s) => s.text), ...note, footer].join('\n\n')}\n`;
    if (body.length <= limit || optional.length === 0)
      return body.length <= limit ? body : `${truncateAtLine(body, limit - 20)}\n\n…(truncated)\n`;
    cut.unshift(optional.pop()!.name);
  }
}

function decisionText(results: Results): string {
  const d = results.decision!;
  return [
    `- Unit of analysis: one round. Baseline and candidate rounds run in interleaved pairs in a seeded random order, so drift of the machine hits both alike.`,
    `- Estimate: ${markdownText(d.method, { maxLength: 2000 })}`,
    `- Several targets: ${markdownText(d.multipleComparisons, { maxLength: 2000 })}`,
    `- A target passes only when its whole interval clears the bound, fails when the whole interval is on the wrong side, and is inconclusive otherwise.`,
    `- Pairs: ${countText(d.validPairs)} valid of ${countText(d.measuredPairs)} measured (${countText(d.plannedPairs)} planned). Stopping reason: ${markdownText(d.stoppingReason)}.`,
  ].join('\n');
}
