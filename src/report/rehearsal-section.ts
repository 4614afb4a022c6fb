/**
 * The report's migration section: squawk's findings and what the rehearsal measured. Every string
 * from results.json goes through the untrusted-text helpers (a results.json can come from a fork).
 */
import { formatShare, formatValue } from './format.js';
import type {
  MigrationLintResult,
  MigrationRehearsalResult,
  RehearsalTimeline,
  RehearsalWindowResult,
} from './results.js';
import { countText, markdownText, mermaidNumber } from './untrusted-text.js';

const ms = (value: number) => formatValue(value, 'ms');

function bytesText(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

function rowsText(rows: number): string {
  if (!Number.isFinite(rows) || rows < 0) return '—';
  return rows >= 1e6
    ? `${(rows / 1e6).toFixed(1)} M`
    : rows >= 1e3
      ? `${(rows / 1e3).toFixed(0)} k`
      : String(Math.round(rows));
}

/** The summary line: the one figure that matters, the longest a request waited on the migration. */
export function rehearsalSummary(r: MigrationRehearsalResult): string {
  if (r.error) return '⚠️ Migration rehearsal: the migration failed under traffic';
  if (r.unattributed !== undefined)
    return `⚠️ Migration rehearsal: lock waits not watched (the command's sessions could not be recognised; ${ms(r.durationMs)})`;
  if (r.blockedSessions === 0) return `Migration rehearsal: no request waited on the migration (${ms(r.durationMs)})`;
  return `⚠️ Migration rehearsal: requests waited up to ${ms(r.blockedMaxMs)} on the migration's locks`;
}

function windowRow(label: string, pick: (w: RehearsalWindowResult) => string, r: MigrationRehearsalResult): string {
  return `| ${label} | ${pick(r.before)} | ${pick(r.during)} | ${pick(r.after)} |`;
}

export function rehearsalSection(r: MigrationRehearsalResult): string {
  const lines: string[] = [];
  const names = r.migrations.map((m) => markdownText(m.name)).join(', ') || 'nothing';
  lines.push(
    `Applied ${names} to the baseline's database copy in ${ms(r.durationMs)} while the baseline served ${formatValue(r.rate, 'req/s')} of the workload (old code on the changing schema, as during a deploy).`,
  );
  if (r.error) lines.push('', `The migration failed: ${markdownText(r.error.split('\n')[0], { maxLength: 500 })}`);
  if (r.unattributed !== undefined)
    lines.push('', `Lock waits were not watched: ${markdownText(r.unattributed, { maxLength: 500 })}`);
  lines.push(
    '',
    '| | before | during | after |',
    '| --- | ---: | ---: | ---: |',
    windowRow('requests', (w) => countText(w.requests), r),
    windowRow('failed', (w) => `${countText(w.failed)} (${formatShare(w.errorRate)})`, r),
    windowRow('p50', (w) => ms(w.latencyMs.p50), r),
    windowRow('p99', (w) => ms(w.latencyMs.p99), r),
    windowRow('max', (w) => ms(w.latencyMs.max), r),
  );
  const blocked = r.waits.filter((w) => w.side === 'blocked-by-migration');
  if (blocked.length > 0) {
    lines.push(
      '',
      `${countText(r.blockedSessions)} session(s) waited on the migration's locks, the longest ${ms(r.blockedMaxMs)}:`,
      '',
      '| waited | statement | lock mode | on |',
      '| ---: | --- | --- | --- |',
    );
    for (const w of blocked.slice(0, 8))
      lines.push(
        `| ${ms(w.durationMs)}${w.ongoing ? '+' : ''} | ${markdownText(w.command, { cell: true }) || '—'} | ${markdownText(w.mode, { cell: true })} | ${markdownText(w.relation, { cell: true })} |`,
      );
    if (blocked.length > 8) lines.push(`| … | ${countText(blocked.length - 8)} more | | |`);
  } else {
    lines.push('', 'No session waited on a lock the migration held.');
  }
  if (r.migrationWaitedMaxMs > 0)
    lines.push('', `The migration itself waited ${ms(r.migrationWaitedMaxMs)} for locks other sessions held.`);
  if (r.tables.length > 0) {
    lines.push(
      '',
      `Tables it locked: ${r.tables
        .slice(0, 10)
        .map((t) => `${markdownText(t.relation)} (${rowsText(t.rows)} rows, ${bytesText(t.bytes)})`)
        .join(', ')}.`,
    );
  }
  const chart = r.timeline ? timelineChart(r.timeline) : undefined;
  if (chart) lines.push('', chart);
  lines.push(
    '',
    `<sub>Lock waits sampled from pg_locks every ${ms(r.sampling.intervalMs)} (${countText(r.sampling.samples)} samples); a wait shorter than that can be missed.</sub>`,
  );
  return lines.join('\n');
}

/** At most this many points in the comment's chart: longer rehearsals are grouped, each group by its worst slice. */
const MAX_CHART_POINTS = 60;

/**
 * p99 per slice over time, the slices while the migration ran as bars beneath: the comment's view of the
 * HTML report's timeline. Numbers only reach the chart (mermaidNumber); the labels are fixed.
 */
function timelineChart(timeline: RehearsalTimeline): string | undefined {
  const slices = timeline.slices.filter((s) => Number.isFinite(s.startMs) && Number.isFinite(s.p99Ms));
  if (slices.length < 2) return undefined;
  const size = Math.ceil(slices.length / MAX_CHART_POINTS);
  const groups: (typeof slices)[] = [];
  for (let i = 0; i < slices.length; i += size) groups.push(slices.slice(i, i + size));
  const at = groups.map((g) => mermaidNumber(g[0]!.startMs / 1000));
  const p99 = groups.map((g) => mermaidNumber(Math.max(...g.map((s) => s.p99Ms))));
  const highest = Math.max(...groups.map((g) => Math.max(...g.map((s) => s.p99Ms))));
  const during = groups.map((g) => (g.some((s) => s.phase === 'during') ? mermaidNumber(highest) : '0'));
  return [
    '```mermaid',
    'xychart-beta',
    '  title "p99 latency per slice (ms); bars: while the migration ran"',
    `  x-axis "seconds since the traffic started" [${at.map((x) => `"${x}"`).join(', ')}]`,
    '  y-axis "ms"',
    `  bar [${during.join(', ')}]`,
    `  line [${p99.join(', ')}]`,
    '```',
  ].join('\n');
}

export function lintSummary(lint: MigrationLintResult): string {
  if (lint.note && lint.findings.length === 0) return 'Migration lint: not run';
  return lint.findings.length === 0
    ? 'Migration lint: squawk found nothing'
    : `⚠️ Migration lint: squawk found ${countText(lint.findings.length)} issue(s)`;
}

export function lintSection(lint: MigrationLintResult): string {
  if (lint.findings.length === 0)
    return lint.note
      ? markdownText(lint.note, { maxLength: 500 })
      : `squawk ${markdownText(lint.squawkVersion)} found nothing in the migrations this run applied.`;
  const rows = lint.findings
    .slice(0, 30)
    .map(
      (f) =>
        `| ${markdownText(`${f.file}:${f.line}`, { cell: true })} | ${markdownText(f.rule, { cell: true })} | ${markdownText(f.message, { cell: true, maxLength: 300 })} |`,
    );
  const more = lint.findings.length > 30 ? [`| … | ${countText(lint.findings.length - 30)} more | |`] : [];
  return [
    `squawk ${markdownText(lint.squawkVersion)} on the migrations this run applied:`,
    '',
    '| where | rule | finding |',
    '| --- | --- | --- |',
    ...rows,
    ...more,
  ].join('\n');
}
