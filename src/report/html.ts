/**
 * report.html: the whole run in one self-contained file for the report artifact. Pure: results in,
 * text out. Everything is inline (CSS, SVG) and nothing is fetched, because artifacts are opened
 * offline and a page that loads a CDN script would also leak that someone opened it.
 * Every string that comes from results.json (target expressions, environment values, error
 * messages, round reasons) may be written by a pull request's author, so all of it is escaped.
 */

import { CLIENT_METRICS, type MetricUnit, type RoundRecord } from '../model/round-record.js';
import { bucketBoundCell, valueBoundText } from './bucket-bound-text.js';
import { escapeMarkup, groupedBarChart, type LinePoint, lineChart, timelineChart } from './charts.js';
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
import { formatChange, formatInterval, formatValue } from './format.js';
import { headline } from './headline.js';
import { formatDetectable, pairRatios } from './markdown.js';
import { releaseDriftCaption, releaseDriftRows } from './release-drift-text.js';
import type { MetricSummary, Results, TargetResult, Verdict } from './results.js';
import { trendSentence } from './trend-text.js';
import { countText, ordinalText } from './untrusted-text.js';

export interface HtmlReportOptions {
  /** Link to the workflow run; only http(s) addresses become links. */
  runUrl?: string;
  /** The document title; defaults to "perf-gate report: <verdict>". */
  title?: string;
}

const e = escapeMarkup;

const STATUS_TEXT: Record<TargetResult['status'], string> = {
  pass: 'met',
  fail: 'missed',
  inconclusive: 'inconclusive',
  'no-data': 'no data',
};

const VERDICT_WORD: Record<Verdict, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  error: 'ERROR',
};

/*
 * results.json may come from a pull request's code: strings go through e() (escapeMarkup), counts
 * through countText/ordinalText, and an enumerated value reaches a class name or a word only after
 * it was checked to be one of its values.
 */
function verdictOf(results: Results): Verdict {
  return typeof results.verdict === 'string' && Object.hasOwn(VERDICT_WORD, results.verdict)
    ? results.verdict
    : 'error';
}

function statusOf(t: TargetResult): TargetResult['status'] | 'unknown' {
  return typeof t.status === 'string' && Object.hasOwn(STATUS_TEXT, t.status) ? t.status : 'unknown';
}

export function renderHtml(results: Results, options: HtmlReportOptions = {}): string {
  const units = unitsOf(results);
  const title = options.title ?? `perf-gate report: ${VERDICT_WORD[verdictOf(results)].toLowerCase()}`;
  const sections = [
    verdictBanner(results),
    results.targets.length ? section('targets', 'Targets', targetsTable(results)) : '',
    releaseDriftSection(results),
    chartsSection(results, units),
    trendSection(results),
    results.metrics.length ? section('metrics', 'All metrics', metricsTable(results.metrics)) : '',
    results.rounds.length ? section('rounds', `Rounds (${results.rounds.length})`, roundsTable(results, units)) : '',
    results.decision ? section('decision', 'How the decision was made', decisionList(results)) : '',
    section('migration', 'Migration', valueBlock(results.migration, 'No migration summary was recorded.')),
    results.rehearsal
      ? section('rehearsal', 'Migration rehearsal', rehearsalTimeline(results) + valueBlock(results.rehearsal, ''))
      : '',
    results.migrationLint
      ? section('migration-lint', 'Migration lint (squawk)', valueBlock(results.migrationLint, ''))
      : '',
    section('environment', 'Environment', valueBlock(results.environment, 'No environment was recorded.')),
  ];
  return htmlDocument(title, [
    pageHeader(results, options),
    ...sections.filter(Boolean),
    `<footer><p>perf-gate ${e(String(results.tool?.version ?? ''))} · results schema ${countText(results.schemaVersion)} · run ${e(String(results.runId))}</p></footer>`,
  ]);
}

/** A self-contained page: the report's style inline, and a policy that lets it load nothing. `title` is escaped here. */
export function htmlDocument(title: string, body: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network at all: a strict CSP makes that a property of the file, not only of our markup.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${e(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function unitsOf(results: Results): Map<string, MetricUnit> {
  const units = new Map<string, MetricUnit>(CLIENT_METRICS.map((m) => [m.name, m.unit]));
  for (const t of results.targets) units.set(t.metric, t.unit);
  for (const m of results.metrics) units.set(m.name, m.unit);
  return units;
}

/**
 * The rehearsal's traffic over time: p50 and p99 per slice, the migration shaded, each lock wait a bar
 * beneath (waits count from the sampler's start). Empty for a results.json without a timeline.
 */
function rehearsalTimeline(results: Results): string {
  const rehearsal = results.rehearsal!;
  const timeline = rehearsal.timeline;
  if (!timeline || timeline.slices.length === 0) return '';
  const seconds = (ms: number) => ms / 1000;
  const mid = (slice: (typeof timeline.slices)[number]) => seconds(slice.startMs + slice.durationMs / 2);
  const formatMs = (value: number) => formatValue(value, 'ms');
  const waits = rehearsal.waits.filter((w) => w.side === 'blocked-by-migration');
  return figure({
    caption: `Latency while the migration ran: ${waits.length} request session wait(s) on its locks, the longest ${formatMs(rehearsal.blockedMaxMs)}`,
    svg: timelineChart({
      id: 'rehearsal-timeline',
      title: 'Request latency before, during and after the migration',
      desc: `p50 and p99 latency of each ${formatMs(timeline.slices[0]!.durationMs)} slice of the workload; the migration ran from ${seconds(timeline.migrationStartMs).toFixed(1)} s for ${formatMs(rehearsal.durationMs)}; bars are lock waits of request sessions behind it.`,
      series: [
        { name: 'p50', points: timeline.slices.map((slice) => ({ x: mid(slice), y: slice.p50Ms })) },
        { name: 'p99', points: timeline.slices.map((slice) => ({ x: mid(slice), y: slice.p99Ms })) },
      ],
      span: {
        from: seconds(timeline.migrationStartMs),
        to: seconds(timeline.migrationStartMs + rehearsal.durationMs),
        label: `migration (${rehearsal.migrations.map((m) => m.name).join(', ') || 'nothing applied'})`,
      },
      bars: waits.map((w) => ({
        from: seconds(timeline.samplerStartMs + w.startMs),
        to: seconds(timeline.samplerStartMs + w.startMs + w.durationMs),
        text: `${w.command || 'a request'} waited ${formatMs(w.durationMs)} for ${w.mode} on ${w.relation}${w.ongoing ? ' (still waiting when sampling stopped)' : ''}`,
      })),
      barsLabel: 'lock wait of a request session',
      formatValue: formatMs,
    }),
  });
}

function section(id: string, heading: string, body: string): string {
  return `<section id="${e(id)}" aria-labelledby="${e(id)}-h"><h2 id="${e(id)}-h">${e(heading)}</h2>\n${body}\n</section>`;
}

function safeLink(url: string | undefined, text: string): string {
  if (!url || !/^https?:\/\//i.test(url)) return '';
  return `<a href="${e(url)}">${e(text)}</a>`;
}

function pageHeader(results: Results, options: HtmlReportOptions): string {
  const facts = [
    ['Run', results.runId],
    ['Config', results.config],
    ['Started', results.startedAt],
    ['Finished', results.finishedAt],
  ];
  const duration = Date.parse(results.finishedAt) - Date.parse(results.startedAt);
  if (Number.isFinite(duration) && duration >= 0) facts.push(['Duration', formatValue(duration, 'ms')]);
  const link = safeLink(options.runUrl, 'workflow run');
  return (
    `<header><h1>perf-gate report</h1><dl class="facts">${facts.map(([k, v]) => `<div><dt>${e(k!)}</dt><dd>${e(v!)}</dd></div>`).join('')}` +
    `${link ? `<div><dt>Link</dt><dd>${link}</dd></div>` : ''}</dl></header>`
  );
}

function verdictBanner(results: Results): string {
  // The headline starts with an emoji for the PR comment; the banner says the verdict in words
  // instead, because a machine without an emoji font would draw an empty box.
  const text = headline(results).replace(/^[^\p{L}\p{N}]+/u, '');
  const error = results.error
    ? `<p class="error-detail"><strong>${e(String(results.error.stage))}</strong> stage failed (exit code ${countText(results.error.exitCode)}):</p><pre>${e(String(results.error.message))}</pre>`
    : '';
  const decided = results.decision
    ? `<p class="sub">${e(`${countText(results.decision.validPairs)} valid of ${countText(results.decision.measuredPairs)} interleaved round pairs (${countText(results.decision.plannedPairs)} planned). Stopped: ${results.decision.stoppingReason}.`)}</p>`
    : '';
  const verdict = verdictOf(results);
  return `<section class="verdict verdict-${verdict}" role="status" aria-label="Verdict"><p class="verdict-word">${VERDICT_WORD[verdict]}</p><div><p class="headline">${e(text)}</p>${decided}${error}</div></section>`;
}

/** The change cell of a target, as in the PR comment: relative change or absolute value, with its interval. */
function targetChange(t: TargetResult): string {
  const bound = bucketBoundCell(t);
  if (bound) return bound;
  if (t.kind === 'absolute')
    return t.ci
      ? `${formatValue(t.estimate, t.unit)} ${formatInterval(t.ci, (v) => formatValue(v, t.unit))}`
      : formatValue(t.estimate, t.unit);
  return t.ci ? `${formatChange(t.estimate)} ${formatInterval(t.ci, formatChange)}` : formatChange(t.estimate);
}

/**
 * The bound a target was judged against. A relative bound's side follows from its sign: an
 * improvement of a time must reach −20 % or lower, a regression guard must stay at +5 % or lower,
 * and the other way round for rates. An absolute target's comparator is in its expression.
 */
function targetBound(t: TargetResult): string {
  if (t.kind === 'absolute') return formatValue(t.threshold, t.unit);
  const atMost = t.kind === 'improvement' ? t.threshold < 0 : t.threshold > 0;
  return `${atMost ? '≤' : '≥'} ${formatChange(t.threshold)}`;
}

function targetsTable(results: Results): string {
  const rows = results.targets.map((t) => {
    const figures = shownTargetFigures(t, results.metrics);
    const note = t.note ? `<div class="note">${e(t.note)}</div>` : '';
    return (
      `<tr class="status-${statusOf(t)}"><th scope="row"><code>${e(t.expression)}</code>${note}</th>` +
      `<td class="num">${e(figureText(figures, 'baseline', t.unit))}</td><td class="num">${e(figureText(figures, 'candidate', t.unit))}</td>` +
      `<td class="num">${e(targetChange(t))}</td><td class="num">${e(targetBound(t))}</td><td class="num">${e(formatDetectable(t))}</td>` +
      `<td><span class="badge badge-${statusOf(t)}">${e(statusOf(t) === 'unknown' ? 'unknown' : STATUS_TEXT[t.status])}</span></td></tr>`
    );
  });
  return (
    `<div class="scroll"><table><caption>Each target, its metric per variant, the estimate with its interval, and the bound it was judged against.${tableNotes(results)}</caption>` +
    '<thead><tr><th scope="col">Target</th><th scope="col" class="num">Baseline</th><th scope="col" class="num">Candidate</th><th scope="col" class="num">Change [interval]</th><th scope="col" class="num">Bound</th><th scope="col" class="num">Detectable</th><th scope="col">Status</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

function chartsSection(results: Results, units: Map<string, MetricUnit>): string {
  const charts: string[] = [];
  const latency = latencyBars(results);
  if (latency) charts.push(figure(latency));
  const seen = new Set<string>();
  results.targets.forEach((t, i) => {
    if (t.kind !== 'absolute') {
      const ratio = ratioChart(results, t, i);
      if (ratio) charts.push(figure(ratio));
    }
    if (!seen.has(t.metric)) {
      seen.add(t.metric);
      const perRound = perRoundChart(results, t, units, i);
      if (perRound) charts.push(figure(perRound));
    }
  });
  if (charts.length === 0) return section('charts', 'Charts', '<p class="empty">No valid rounds to chart.</p>');
  return section('charts', 'Charts', `<div class="charts">${charts.join('\n')}</div>`);
}

/** The chart's title is also shown as a caption: SVG <title> is only a tooltip in browsers. */
/** A release gate's drift of the base branch since the previous release (results.releaseDrift). */
function releaseDriftSection(results: Results): string {
  const drift = results.releaseDrift;
  if (!drift) return '';
  const heading = `Drift since the previous release, ${drift.since}`;
  if (drift.metrics.length === 0)
    return section('release-drift', heading, `<p class="empty">${e(drift.note ?? '')}</p>`);
  const rows = releaseDriftRows(drift).map(
    (r) =>
      `<tr><td>${e(r.metric)}</td><td>${e(r.change)}</td><td>${e(r.interval)}</td><td>${e(r.changes)}</td><td>${r.contributors.map((c) => `<code>${e(c.sha)}</code> ${e(c.text)}`).join(', ') || '—'}</td></tr>`,
  );
  const table = `<div class="scroll"><table><thead><tr><th>Metric</th><th>Cumulative change</th><th>Interval</th><th>Changes</th><th>Largest contributors</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  const caption = releaseDriftCaption(drift, e, (text) => `<code>${e(text)}</code>`);
  return section('release-drift', heading, `${table}<p class="sub">${caption}</p>`);
}

/** Each target metric's recorded runs on the base branch with this run as the last point (results.trends). */
function trendSection(results: Results): string {
  const trends = results.trends ?? [];
  if (trends.length === 0) return '';
  const figures = trends.map((trend, i) => {
    const format = (v: number) => formatValue(v, trend.unit);
    const recorded: LinePoint[] = trend.points.map((p, k) => ({ x: k + 1, y: p.value }));
    const series = [{ name: `recorded on ${trend.branch}`, points: recorded }];
    if (trend.current !== null)
      series.push({ name: 'this run', points: [{ x: recorded.length + 1, y: trend.current }] });
    const title = `${trend.metric}: recorded runs on ${trend.branch}, then this run`;
    return figure({
      caption: title,
      svg: lineChart({
        id: `chart-trend-${i}`,
        title,
        desc: trendSentence(trend).replace(/`/g, ''),
        xLabel: 'Recorded run (oldest first)',
        yLabel: trend.metric,
        series,
        formatValue: format,
        tickFormat: (v) => axisTick(v, trend.unit),
      }),
    });
  });
  return section('trend', 'Trend', `<div class="charts">${figures.join('\n')}</div>`);
}

function figure(chart: { caption: string; svg: string }): string {
  return `<figure><figcaption>${e(chart.caption)}</figcaption>${chart.svg}</figure>`;
}

/** Axis ticks: the report's units without the 0 ms → "0 µs" switch and without trailing zeros. */
export function axisTick(value: number, unit: MetricUnit): string {
  if (value === 0) return unit === 'ratio' ? '0 %' : unit === 'count' ? '0' : `0 ${unit}`;
  return formatValue(value, unit)
    .replace(/\.0+(?=\D|$)/, '')
    .replace(/(\.\d*?[1-9])0+(?=\D|$)/, '$1');
}

function latencyBars(results: Results): { caption: string; svg: string } | undefined {
  const quantiles = ['p50', 'p95', 'p99'];
  const found = quantiles.map((q) => results.metrics.find((m) => m.name === `latency_${q}`));
  if (found.every((m) => !m || (m.baseline === null && m.candidate === null))) return undefined;
  const format = (v: number) => formatValue(v, 'ms');
  const described = quantiles
    .map(
      (q, i) => `${q}: baseline ${format(found[i]?.baseline ?? NaN)}, candidate ${format(found[i]?.candidate ?? NaN)}`,
    )
    .join('; ');
  const title = 'Client latency per variant (median over valid rounds)';
  return {
    caption: title,
    svg: groupedBarChart({
      id: 'chart-latency',
      title,
      desc: `Grouped bars of the p50, p95 and p99 client latency. ${described}.`,
      categories: quantiles,
      series: [
        { name: 'baseline', values: found.map((m) => m?.baseline ?? null) },
        { name: 'candidate', values: found.map((m) => m?.candidate ?? null) },
      ],
      formatValue: format,
      tickFormat: (v) => axisTick(v, 'ms'),
      yLabel: 'latency',
    }),
  };
}

function ratioChart(results: Results, t: TargetResult, index: number): { caption: string; svg: string } | undefined {
  const ratios = pairRatios(results.rounds, t.metric);
  if (ratios.length === 0) return undefined;
  const bound = 1 + t.threshold;
  const format = (v: number) => `${Number(v.toFixed(3))}×`;
  const outside = ratios.filter((r) => (t.threshold < 0 ? r.ratio > bound : r.ratio < bound)).length;
  const title = `${t.metric}: candidate / baseline per round pair (target: ${t.expression})`;
  return {
    caption: title,
    svg: lineChart({
      id: `chart-ratio-${index}`,
      title,
      desc:
        `Ratio of the candidate's to the baseline's ${t.metric} in each of ${ratios.length} valid round pairs, ` +
        `from ${format(Math.min(...ratios.map((r) => r.ratio)))} to ${format(Math.max(...ratios.map((r) => r.ratio)))}. ` +
        `The target's bound is ${format(bound)}; ${outside} of ${ratios.length} pairs are on the wrong side of it.`,
      xLabel: 'Round pair',
      yLabel: 'candidate / baseline',
      series: [{ name: 'candidate / baseline', points: ratios.map((r) => ({ x: r.pair + 1, y: r.ratio })) }],
      references: [
        { value: bound, label: 'target bound', kind: 'threshold' },
        { value: 1, label: 'no change', kind: 'neutral' },
      ],
      band: t.ci ? { from: 1 + t.ci[0], to: 1 + t.ci[1], label: 'interval of the estimate' } : undefined,
      formatValue: format,
    }),
  };
}

function perRoundChart(
  results: Results,
  t: TargetResult,
  units: Map<string, MetricUnit>,
  index: number,
): { caption: string; svg: string } | undefined {
  const unit = units.get(t.metric) ?? t.unit;
  const format = (v: number) => formatValue(v, unit);
  const pointsOf = (variant: RoundRecord['variant']): LinePoint[] =>
    results.rounds
      .filter((r) => r.variant === variant && Number.isSafeInteger(r.pair) && r.pair >= 0)
      .map((r) => ({ r, v: r.values[t.metric] }))
      .filter((x): x is { r: RoundRecord; v: number } => typeof x.v === 'number' && Number.isFinite(x.v))
      .map(({ r, v }) => ({ x: r.pair + 1, y: v, hollow: !r.valid }));
  const baseline = pointsOf('baseline');
  const candidate = pointsOf('candidate');
  if (baseline.length + candidate.length === 0) return undefined;
  const invalid = [...baseline, ...candidate].filter((p) => p.hollow).length;
  const title = `${t.metric} in each round, per variant`;
  return {
    caption: title,
    svg: lineChart({
      id: `chart-rounds-${index}`,
      title,
      desc:
        `${t.metric} measured in each round: ${baseline.length} baseline and ${candidate.length} candidate rounds` +
        `${invalid ? `, ${invalid} of them invalid (hollow markers, not used)` : ''}.` +
        (t.kind === 'absolute' ? ` The target's bound is ${format(t.threshold)}.` : ''),
      xLabel: 'Round pair',
      yLabel: t.metric,
      series: [
        { name: 'baseline', points: baseline },
        { name: 'candidate', points: candidate },
      ],
      references: t.kind === 'absolute' ? [{ value: t.threshold, label: 'target bound', kind: 'threshold' }] : [],
      formatValue: format,
      tickFormat: (v) => axisTick(v, unit),
      hollowLabel: 'invalid round (not used)',
    }),
  };
}

/** What the targets table's figures mean, and in A/A mode which targets were judged in place of which. */
function tableNotes(results: Results): string {
  const notes: string[] = [];
  if (anyImplied(results.targets.map((t) => shownTargetFigures(t, results.metrics)))) notes.push(IMPLIED_NOTE);
  if (anyDetectable(results.targets)) notes.push(DETECTABLE_NOTE);
  const aa = aaRewriteText(results, (text) => `"${text}"`);
  if (aa) notes.push(aa);
  return notes.map((n) => ` ${e(n)}`).join('');
}

function metricsTable(metrics: MetricSummary[]): string {
  const rows = metrics.map(
    (m) =>
      `<tr><th scope="row">${e(m.name)}${m.description ? `<div class="note">${e(m.description)}</div>` : ''}</th><td>${e(m.source)}</td><td>${e(m.direction)}</td>` +
      `<td class="num">${e(figureText(shownMetricFigures(m), 'baseline', m.unit))}</td><td class="num">${e(figureText(shownMetricFigures(m), 'candidate', m.unit))}</td>` +
      `<td class="num">${e(formatChange(m.change))}</td><td class="num">${e(formatInterval(m.ci, formatChange))}</td><td class="num">${countText(m.pairs)}</td></tr>`,
  );
  return (
    `<div class="scroll"><table><caption>${anyImplied(metrics.map(shownMetricFigures)) ? e(`Change is the paired estimate; ${IMPLIED_NOTE}`) : "Each variant's figure over its valid rounds; change is the paired estimate."}</caption>` +
    '<thead><tr><th scope="col">Metric</th><th scope="col">Source</th><th scope="col">Direction</th><th scope="col" class="num">Baseline</th><th scope="col" class="num">Candidate</th><th scope="col" class="num">Change</th><th scope="col" class="num">Interval</th><th scope="col" class="num">Pairs</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

function roundsTable(results: Results, units: Map<string, MetricUnit>): string {
  const shown = ['latency_p50', 'latency_p99', 'throughput', ...results.targets.map((t) => t.metric)].filter(
    (v, i, a) => a.indexOf(v) === i,
  );
  const rows = results.rounds.map((r) => {
    const requests = countText(r.client?.requests);
    const errors = countText((r.client?.requests ?? NaN) - (r.client?.ok ?? NaN));
    const cells = shown
      .map(
        (name) =>
          `<td class="num">${e(r.bounds && Object.hasOwn(r.bounds, name) ? valueBoundText(r.bounds[name]!, units.get(name) ?? 'count') : formatValue(r.values && Object.hasOwn(r.values, name) ? r.values[name] : null, units.get(name) ?? 'count'))}</td>`,
      )
      .join('');
    const status = r.valid
      ? r.flags.length
        ? `<span class="badge badge-inconclusive">flagged</span> ${e(r.flags.map(String).join(', '))}`
        : '<span class="badge badge-pass">ok</span>'
      : `<span class="badge badge-fail">invalid</span> ${e(r.invalidReasons.map(String).join('; '))}`;
    return (
      `<tr class="${r.valid ? '' : 'invalid'}"><td class="num">${ordinalText(r.index)}</td><td class="num">${ordinalText(r.pair)}</td><td>${e(String(r.variant))}</td>` +
      `<td class="num">${requests}</td><td class="num">${errors}</td>${cells}<td>${status}</td></tr>`
    );
  });
  return (
    '<div class="scroll"><table class="rounds"><caption>Every executed round in schedule order; invalid rounds are kept here but left out of the statistics.</caption>' +
    `<thead><tr><th scope="col" class="num">#</th><th scope="col" class="num">Pair</th><th scope="col">Variant</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Failed</th>${shown.map((n) => `<th scope="col" class="num">${e(n)}</th>`).join('')}<th scope="col">Validity</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

function decisionList(results: Results): string {
  const d = results.decision!;
  const items = [
    'Unit of analysis: one round. Baseline and candidate rounds run in interleaved pairs in a seeded random order, so drift of the machine hits both alike.',
    `Estimate: ${sentence(d.method)}`,
    `Confidence: ${(d.confidence * 100).toFixed(1)} %. Several targets: ${sentence(d.multipleComparisons)}`,
    'A target passes only when its whole interval clears the bound, fails when the whole interval is on the wrong side, and is inconclusive otherwise.',
    `Pairs: ${countText(d.validPairs)} valid of ${countText(d.measuredPairs)} measured (${countText(d.plannedPairs)} planned). Stopping reason: ${d.stoppingReason}.`,
  ];
  return `<ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`;
}

/** Ends a sentence with exactly one full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** A plain object becomes a two-column table; anything else is shown as JSON. */
function valueBlock(value: unknown, empty: string): string {
  if (value === null || value === undefined) return `<p class="empty">${e(empty)}</p>`;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return `<p class="empty">${e(empty)}</p>`;
    const rows = entries.map(
      ([k, v]) =>
        `<tr><th scope="row">${e(k)}</th><td>${typeof v === 'string' ? e(v) : `<code>${e(JSON.stringify(v) ?? String(v))}</code>`}</td></tr>`,
    );
    return `<div class="scroll"><table class="kv"><tbody>${rows.join('')}</tbody></table></div>`;
  }
  return `<pre>${e(JSON.stringify(value, null, 2) ?? String(value))}</pre>`;
}

// Colours meet WCAG 2.1 AA contrast (4.5:1) for text on their backgrounds.
const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --soft: #f6f8fa;
  --base: #57606a; --cand: #0a5cc2; --pass: #116329; --pass-bg: #dafbe1; --fail: #a40e26; --fail-bg: #ffebe9;
  --warn: #7d4e00; --warn-bg: #fff8c5; --err: #6e3b00; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--soft); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; background: var(--bg); }
h1 { font-size: 1.6rem; margin: 0 0 8px; }
h2 { font-size: 1.2rem; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0 0 16px; color: var(--muted); font-size: 0.9rem; }
.facts div { display: flex; gap: 6px; } .facts dt { font-weight: 600; } .facts dd { margin: 0; }
.verdict { display: flex; gap: 16px; align-items: flex-start; padding: 16px; border-radius: 8px; border: 2px solid; }
.verdict p { margin: 0; }
.verdict-word { font-weight: 800; font-size: 1.1rem; letter-spacing: 0.06em; padding: 4px 10px; border-radius: 6px; color: #fff; white-space: nowrap; }
.headline { font-size: 1.25rem; font-weight: 600; }
.sub { color: var(--muted); font-size: 0.9rem; }
.verdict-pass { border-color: var(--pass); background: var(--pass-bg); } .verdict-pass .verdict-word { background: var(--pass); }
.verdict-fail { border-color: var(--fail); background: var(--fail-bg); } .verdict-fail .verdict-word { background: var(--fail); }
.verdict-inconclusive { border-color: var(--warn); background: var(--warn-bg); } .verdict-inconclusive .verdict-word { background: var(--warn); }
.verdict-error { border-color: var(--fail); background: var(--fail-bg); } .verdict-error .verdict-word { background: var(--err); }
.error-detail { margin-top: 8px !important; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; font-size: 0.85rem; white-space: pre-wrap; word-break: break-word; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
caption { text-align: left; color: var(--muted); font-size: 0.85rem; padding-bottom: 6px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; white-space: nowrap; }
tbody th { font-weight: 500; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 0.85rem/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.note { color: var(--muted); font-size: 0.8rem; font-weight: 400; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.8rem; font-weight: 600; white-space: nowrap; border: 1px solid; }
.badge-pass { color: var(--pass); background: var(--pass-bg); } .badge-fail { color: var(--fail); background: var(--fail-bg); }
.badge-inconclusive { color: var(--warn); background: var(--warn-bg); } .badge-no-data { color: var(--muted); background: var(--soft); }
.rounds { font-size: 0.8rem; } .rounds th, .rounds td { padding: 4px 6px; } .rounds thead th { white-space: normal; overflow-wrap: anywhere; }
tr.invalid td { background: #fff5f5; } tr.status-fail th code { color: var(--fail); }
.kv th { width: 14rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
figcaption { font-weight: 600; font-size: 0.9rem; margin: 0 0 4px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.chart { width: 100%; height: auto; display: block; font-family: system-ui, "DejaVu Sans", sans-serif; }
.chart .grid { stroke: #eaeef2; } .chart .axis { stroke: #8c959f; }
.chart .tick, .chart .legend { font-size: 12px; fill: var(--muted); } .chart .axis-label { font-size: 12px; fill: var(--fg); }
.chart .value { font-size: 11px; fill: var(--fg); }
.chart .bar.s0 { fill: var(--base); } .chart .bar.s1 { fill: var(--cand); }
.chart .line { fill: none; stroke-width: 2; } .chart .line.s0 { stroke: var(--base); } .chart .line.s1 { stroke: var(--cand); stroke-dasharray: 6 3; }
.chart .mark.s0 { fill: var(--base); stroke: var(--base); } .chart .mark.s1 { fill: var(--cand); stroke: var(--cand); } .chart .mark.s2 { fill: #8250df; }
.chart .mark.hollow { fill: #fff; stroke-width: 2; }
.chart .ref { stroke-width: 2; } .chart .ref.threshold { stroke: var(--fail); stroke-dasharray: 8 4; } .chart .ref.neutral { stroke: #8c959f; stroke-dasharray: 2 3; }
.chart .band { fill: var(--cand); fill-opacity: 0.12; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 32px; color: var(--muted); font-size: 0.85rem; }
@media print { body { background: #fff; } main { max-width: none; } }
`;
