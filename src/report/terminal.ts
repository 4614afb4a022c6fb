/** The comparison as a plain-text table for a terminal or a CI log. Pure. */

import { bucketBoundCell } from './bucket-bound-text.js';
import { budgetLine } from './budget-line.js';
import {
  aaRewriteText,
  anyImplied,
  figureText,
  IMPLIED_NOTE,
  shownMetricFigures,
  shownTargetFigures,
} from './figures-text.js';
import { formatChange, formatInterval, formatValue } from './format.js';
import { headline } from './headline.js';
import type { MigrationLintResult, MigrationRehearsalResult, Results } from './results.js';

const STATUS_WORD = { pass: 'met', fail: 'MISSED', inconclusive: 'inconclusive', 'no-data': 'no data' } as const;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows
    .map((r) => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '))
    .join('\n');
}

function rehearsalLine(r: MigrationRehearsalResult): string {
  const ms = (v: number) => formatValue(v, 'ms');
  const what = `${r.migrations.map((m) => m.name).join(', ') || 'nothing'} applied in ${ms(r.durationMs)} under ${formatValue(r.rate, 'req/s')}`;
  const waited =
    r.blockedSessions > 0
      ? `${r.blockedSessions} session(s) waited on its locks, the longest ${ms(r.blockedMaxMs)}`
      : 'no request waited on its locks';
  const failed = r.error ? `; the migration FAILED: ${r.error.split('\n')[0]}` : '';
  return `migration rehearsal: ${what}; ${waited}; p99 ${ms(r.before.latencyMs.p99)} before, ${ms(r.during.latencyMs.p99)} during${failed}`;
}

function lintLine(lint: MigrationLintResult): string {
  if (lint.findings.length === 0) return `migration lint: ${lint.note ?? `squawk ${lint.squawkVersion} found nothing`}`;
  const shown = lint.findings.slice(0, 5).map((f) => `${f.file}:${f.line} ${f.rule}`);
  const more = lint.findings.length > 5 ? `, and ${lint.findings.length - 5} more` : '';
  return `migration lint: squawk ${lint.squawkVersion}, ${lint.findings.length} finding(s): ${shown.join(', ')}${more}`;
}

export function renderTerminal(results: Results): string {
  const out = [headline(results), ''];
  const figures = [
    ...results.targets.map((t) => shownTargetFigures(t, results.metrics)),
    ...results.metrics.map(shownMetricFigures),
  ];
  if (results.targets.length) {
    const rows = [['target', 'baseline', 'candidate', 'change [interval]', 'status']];
    for (const t of results.targets) {
      const shown = shownTargetFigures(t, results.metrics);
      const interval = (format: (v: number) => string) => (t.ci ? ` ${formatInterval(t.ci, format)}` : '');
      const change =
        bucketBoundCell(t) ??
        (t.kind === 'absolute'
          ? `${formatValue(t.estimate, t.unit)}${interval((v) => formatValue(v, t.unit))}`
          : `${formatChange(t.estimate)}${interval(formatChange)}`);
      rows.push([
        t.expression,
        figureText(shown, 'baseline', t.unit),
        figureText(shown, 'candidate', t.unit),
        change,
        STATUS_WORD[t.status],
      ]);
    }
    out.push(table(rows), '');
  }
  const others = results.metrics.filter((m) => !results.targets.some((t) => t.metric === m.name));
  if (others.length) {
    const rows = [['other metrics', 'baseline', 'candidate', 'change [interval]']];
    for (const m of others)
      rows.push([
        m.name,
        figureText(shownMetricFigures(m), 'baseline', m.unit),
        figureText(shownMetricFigures(m), 'candidate', m.unit),
        `${formatChange(m.change)}${m.ci ? ` ${formatInterval(m.ci, formatChange)}` : ''}`,
      ]);
    out.push(table(rows), '');
  }
  if (anyImplied(figures)) out.push(IMPLIED_NOTE);
  if (results.decision) {
    const d = results.decision;
    out.push(
      `${d.validPairs} valid of ${d.measuredPairs} round pairs. ${d.multipleComparisons.trim().replace(/\.?$/, '.')} Stopped: ${d.stoppingReason}.`,
    );
  }
  const aa = aaRewriteText(results, (e) => `"${e}"`);
  if (aa) out.push(aa);
  if (results.budget) out.push(budgetLine(results.budget, results.decision?.stoppingReason ?? 'no decision'));
  if (results.rehearsal) out.push('', rehearsalLine(results.rehearsal));
  if (results.migrationLint) out.push(lintLine(results.migrationLint));
  if (results.error) out.push(`error in ${results.error.stage}: ${results.error.message}`);
  return out.join('\n');
}
