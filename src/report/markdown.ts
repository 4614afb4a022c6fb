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

export function headline(results: Pick<Results, 'verdict' | 'targets' | 'error'>): string {
  const total = results.targets.length;
  const count = (status: TargetResult['status']) => results.targets.filter((t) => t.status === status).length;
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
  return `| \`${escapeCell(t.expression)}\` | ${baseline} | ${candidate} | ${change} | ${formatDetectable(t)} | ${STATUS_ICON[t.status]} |`;
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

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
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
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${metric}: candidate / baseline per round pair"`,
    `  x-axis [${ratios.map((r) => `"${r.pair + 1}"`).join(', ')}]`,
    '  y-axis "ratio"',
    `  line [${ratios.map((r) => mermaidNumber(r.ratio)).join(', ')}]`,
    `  line [${ratios.map(() => '1').join(', ')}]`,
    '```',
  ].join('\n');
}

function metricsTable(results: Results): string {
  const rows = results.metrics.map(
    (m) =>
      `| ${m.name} | ${formatValue(m.baseline, m.unit)} | ${formatValue(m.candidate, m.unit)} | ${formatChange(m.change)} | ${formatInterval(m.ci, formatChange)} | ${m.pairs} |`,
  );
  return ['| Metric | Baseline | Candidate | Change | Interval | Pairs |', '| --- | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

function roundsTable(results: Results, metricUnits: Map<string, MetricUnit>): string {
  const shown = ['latency_p50', 'latency_p99', 'throughput', ...results.targets.map((t) => t.metric)].filter((v, i, a) => a.indexOf(v) === i);
  const header = `| # | Pair | Variant | ${shown.join(' | ')} | Valid |`;
  const rows = results.rounds.map((r) => {
    const cells = shown.map((name) => formatValue(r.values[name] ?? null, metricUnits.get(name) ?? 'count'));
    const valid = r.valid ? (r.flags.length ? `⚠️ ${r.flags.join(', ')}` : '✓') : `✗ ${r.invalidReasons.join('; ')}`;
    return `| ${r.index + 1} | ${r.pair + 1} | ${r.variant} | ${cells.join(' | ')} | ${escapeCell(valid)} |`;
  });
  return [header, `|${' --- |'.repeat(shown.length + 4)}`, ...rows].join('\n');
}

function jsonBlock(value: unknown): string {
  return ['```json', JSON.stringify(value, null, 2), '```'].join('\n');
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

export function renderMarkdown(results: Results, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT - 512;
  // Client metrics keep their units even when no summary row exists (a run without valid pairs).
  const units = new Map<string, MetricUnit>([...CLIENT_METRICS.map((m) => [m.name, m.unit] as const), ...results.metrics.map((m) => [m.name, m.unit] as const), ...results.targets.map((t) => [t.metric, t.unit] as const)]);
  const head: string[] = [`### ${headline(results)}`];
  if (results.error) head.push(`> **${results.error.stage}**: ${results.error.message.replace(/\n/g, ' ')}`);
  if (results.targets.length > 0) head.push(targetsTable(results));
  if (results.decision) {
    const d = results.decision;
    head.push(
      `<sub>${d.validPairs} valid of ${d.measuredPairs} interleaved round pairs. ${sentence(d.multipleComparisons)} Stopped: ${d.stoppingReason}.</sub>`,
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
    `- Estimate: ${sentence(d.method)}`,
    `- Several targets: ${sentence(d.multipleComparisons)}`,
    `- A target passes only when its whole interval clears the bound, fails when the whole interval is on the wrong side, and is inconclusive otherwise.`,
    `- Pairs: ${d.validPairs} valid of ${d.measuredPairs} measured (${d.plannedPairs} planned). Stopping reason: ${d.stoppingReason}.`,
  ].join('\n');
}
