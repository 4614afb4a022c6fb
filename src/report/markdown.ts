/**
 * report.md: the pull-request comment body. Pure: results in, text out.
 * Layout: the verdict line, one table of targets, charts GitHub renders inline (Mermaid), then
 * collapsed details. GitHub rejects comment bodies over 65,536 characters, so details are dropped
 * from the least to the most useful until the body fits, and the report says what was cut.
 */
import { CLIENT_METRICS, type MetricUnit, type RoundRecord } from '../load/round-record.js';
import { formatChange, formatInterval, formatValue } from './format.js';
import type { MetricSummary, Results, TargetResult } from './results.js';

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

export function headline(results: Pick<Results, 'verdict' | 'targets' | 'error' | 'mode'>): string {
  const total = results.targets.length;
  const count = (status: TargetResult['status']) => results.targets.filter((t) => t.status === status).length;
  if (results.mode === 'aa' && results.verdict !== 'error') {
    const alarms = count('fail');
    return alarms > 0
      ? `❌ perf-gate A/A check: ${alarms} false alarm${alarms === 1 ? '' : 's'} in ${total} metric${total === 1 ? '' : 's'} with the candidate against itself`
      : `🔬 perf-gate A/A check: no false alarm in ${total} metric${total === 1 ? '' : 's'}; "Detectable" is this runner's noise floor`;
  }
  const targetsWord = (n: number) => `${n} target${n === 1 ? '' : 's'}`;
  switch (results.verdict) {
    case 'pass':
      return `✅ perf-gate: all ${targetsWord(total)} met`;
    case 'fail':
      return `❌ perf-gate: ${count('fail')} of ${targetsWord(total)} missed`;
    case 'inconclusive': {
      if (total === 0) return '⚠️ perf-gate inconclusive: no target could be evaluated';
      const undecided = count('inconclusive') + count('no-data');
      return `⚠️ perf-gate inconclusive: ${undecided} of ${targetsWord(total)} could not be decided with this much data`;
    }
    case 'error':
      return `💥 perf-gate could not finish: ${results.error?.stage ?? 'a stage'} failed`;
  }
}

function targetRow(t: TargetResult, metrics: MetricSummary[]): string {
  const m = metrics.find((x) => x.name === t.metric);
  const unit = t.unit;
  const baseline = formatValue(m?.baseline, unit);
  const candidate = formatValue(m?.candidate, unit);
  let change: string;
  if (t.kind === 'absolute') {
    change = t.ci ? `${formatValue(t.estimate, unit)} ${formatInterval(t.ci, (v) => formatValue(v, unit))}` : formatValue(t.estimate, unit);
  } else {
    change = t.ci ? `${formatChange(t.estimate)} ${formatInterval(t.ci, formatChange)}` : formatChange(t.estimate);
  }
  return `| ${inlineCode(t.expression)} | ${baseline} | ${candidate} | ${change} | ${formatDetectable(t)} | ${STATUS_ICON[t.status]} |`;
}

/** The smallest effect this run could have decided: a relative share, or a distance in the metric's unit. */
export function formatDetectable(t: TargetResult): string {
  const mde = t.minimumDetectableEffect;
  if (mde === undefined || mde === null || !Number.isFinite(mde)) return '—';
  return t.kind === 'absolute' ? `±${formatValue(mde, t.unit)}` : `±${(mde * 100).toFixed(1)} %`;
}

/** Ends a sentence with exactly one full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/*
 * Everything below may come from a results.json written by a fork's code (the workflow_run half of the
 * fork-safe pattern posts it with a write token), so no string reaches the comment as markup: HTML is
 * escaped, @mentions are defused, and code spans and fences are longer than any backtick run inside.
 */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

function escapeCell(text: string): string {
  return escapeText(text);
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/** Inline code whose delimiter cannot be closed by the content. */
export function inlineCode(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const fence = '`'.repeat(longestBacktickRun(oneLine) + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

function fenced(language: string, content: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  return [`${fence}${language}`, content, fence].join('\n');
}

/** Mermaid labels: quotes and brackets would end the label or the list, so keep a plain subset. */
function mermaidLabel(text: string): string {
  return text.replace(/[^\w .:/%+-]/g, '_');
}

function targetsTable(results: Results): string {
  const lines = [
    '| Target | Baseline | Candidate | Change [interval] | Detectable | Status |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...results.targets.map((t) => targetRow(t, results.metrics)),
  ];
  return lines.join('\n');
}

function mermaidNumber(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '0' : Number(value.toPrecision(4)).toString();
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
  return ['```mermaid', 'xychart-beta', '  title "Client latency, median of rounds (ms)"', `  x-axis [${labels.join(', ')}]`, '  y-axis "ms"', `  bar [${values.join(', ')}]`, '```'].join('\n');
}

/** Candidate/baseline ratio per pair for one metric: drift and outlier rounds become visible. */
export function pairRatios(rounds: RoundRecord[], metric: string): { pair: number; ratio: number }[] {
  const byPair = new Map<number, Partial<Record<'baseline' | 'candidate', number>>>();
  for (const r of rounds) {
    const v = r.values[metric];
    if (!r.valid || v === null || v === undefined || !(v > 0)) continue;
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
    `  x-axis [${ratios.map((r) => `"${r.pair + 1}"`).join(', ')}]`,
    '  y-axis "ratio"',
    `  line [${ratios.map((r) => mermaidNumber(r.ratio)).join(', ')}]`,
    `  line [${ratios.map(() => '1').join(', ')}]`,
  ];
  // The target's bound as a ratio (threshold -0.2 -> 0.8), so a reader sees which side each pair fell on.
  if (relative && Number.isFinite(relative.threshold)) lines.push(`  line [${ratios.map(() => mermaidNumber(1 + relative.threshold)).join(', ')}]`);
  lines.push('```');
  return lines.join('\n');
}

function metricsTable(results: Results): string {
  const rows = results.metrics.map(
    (m) =>
      `| ${escapeCell(m.name)} | ${formatValue(m.baseline, m.unit)} | ${formatValue(m.candidate, m.unit)} | ${formatChange(m.change)} | ${formatInterval(m.ci, formatChange)} | ${m.pairs} |`,
  );
  return ['| Metric | Baseline | Candidate | Change | Interval | Pairs |', '| --- | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

function roundsTable(results: Results, metricUnits: Map<string, MetricUnit>): string {
  const shown = ['latency_p50', 'latency_p99', 'throughput', ...results.targets.map((t) => t.metric)].filter((v, i, a) => a.indexOf(v) === i);
  const header = `| # | Pair | Variant | ${shown.map(escapeCell).join(' | ')} | Valid |`;
  const rows = results.rounds.map((r) => {
    const cells = shown.map((name) => formatValue(r.values[name] ?? null, metricUnits.get(name) ?? 'count'));
    const valid = r.valid ? (r.flags.length ? `⚠️ ${r.flags.join(', ')}` : '✓') : `✗ ${r.invalidReasons.join('; ')}`;
    return `| ${r.index + 1} | ${r.pair + 1} | ${escapeCell(String(r.variant))} | ${cells.join(' | ')} | ${escapeCell(valid)} |`;
  });
  return [header, `|${' --- |'.repeat(shown.length + 4)}`, ...rows].join('\n');
}

function jsonBlock(value: unknown): string {
  return fenced('json', JSON.stringify(value, null, 2));
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

export function renderMarkdown(results: Results, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT - 512;
  // Client metrics keep their units even when no summary row exists (a run without valid pairs).
  const units = new Map<string, MetricUnit>([...CLIENT_METRICS.map((m) => [m.name, m.unit] as const), ...results.metrics.map((m) => [m.name, m.unit] as const), ...results.targets.map((t) => [t.metric, t.unit] as const)]);
  const head: string[] = [`### ${escapeText(headline(results))}`];
  if (results.error) head.push(`> **${escapeText(results.error.stage)}**: ${escapeText(results.error.message)}`);
  if (results.targets.length > 0) head.push(targetsTable(results));
  if (results.decision) {
    const d = results.decision;
    head.push(
      `<sub>${d.validPairs} valid of ${d.measuredPairs} interleaved round pairs. ${escapeText(sentence(d.multipleComparisons))} Stopped: ${escapeText(d.stoppingReason)}.</sub>`,
    );
  }
  const charts = [latencyChart(results), ratioChart(results)].filter((c): c is string => Boolean(c));

  // Optional sections in order of usefulness; the last ones are dropped first when over the limit.
  const optional: { name: string; text: string }[] = [];
  if (charts.length) optional.push({ name: 'charts', text: charts.join('\n\n') });
  if (results.metrics.length) optional.push({ name: 'all metrics', text: details('All metrics', metricsTable(results)) });
  if (results.decision) optional.push({ name: 'how the decision was made', text: details('How the decision was made', decisionText(results)) });
  if (results.migration) optional.push({ name: 'migration summary', text: details('Migration', jsonBlock(results.migration)) });
  optional.push({ name: 'environment', text: details('Environment', jsonBlock(results.environment)) });
  if (results.rounds.length) optional.push({ name: 'rounds', text: details(`Rounds (${results.rounds.length})`, roundsTable(results, units)) });

  const links: string[] = [];
  if (options.runUrl) links.push(`[workflow run](${options.runUrl})`);
  if (options.artifactHint) links.push(options.artifactHint);
  const footer = `<sub>perf-gate ${results.tool.version} · run ${results.runId}${links.length ? ` · ${links.join(' · ')}` : ''}</sub>`;

  const cut: string[] = [];
  for (;;) {
    const note = cut.length ? [`<sub>Trimmed to fit GitHub's comment size limit: ${cut.join(', ')} left out; see results.json in the report artifact.</sub>`] : [];
    const body = [...head, ...optional.map((s) => s.text), ...note, footer].join('\n\n') + '\n';
    if (body.length <= limit || optional.length === 0) return body.length <= limit ? body : body.slice(0, limit - 20) + '\n\n…(truncated)\n';
    cut.unshift(optional.pop()!.name);
  }
}

function decisionText(results: Results): string {
  const d = results.decision!;
  return [
    `- Unit of analysis: one round. Baseline and candidate rounds run in interleaved pairs in a seeded random order, so drift of the machine hits both alike.`,
    `- Estimate: ${escapeText(sentence(d.method))}`,
    `- Several targets: ${escapeText(sentence(d.multipleComparisons))}`,
    `- A target passes only when its whole interval clears the bound, fails when the whole interval is on the wrong side, and is inconclusive otherwise.`,
    `- Pairs: ${d.validPairs} valid of ${d.measuredPairs} measured (${d.plannedPairs} planned). Stopping reason: ${escapeText(d.stoppingReason)}.`,
  ].join('\n');
}
