/**
 * The run history in the formats other tools read: CSV (one row per run and metric, for a spreadsheet
 * or a notebook) and Bencher Metric Format (bencher.dev/docs/reference/bencher-metric-format: one JSON
 * document per run, `{ benchmark: { measure: { value, lower_value, upper_value } } }`, for
 * `bencher run --adapter json --file FILE --hash SHA`).
 *
 * Branch names, run URLs and metric names can come from a fork's pull request: a CSV cell that starts
 * with = + - @, a tab or a line break is prefixed with ' so a spreadsheet shows it instead of running it
 * (OWASP, "CSV Injection"), and a cell with a separator of any locale (, or ;) is quoted.
 */
import type { HistoryRecord } from './record.js';

export const CSV_COLUMNS = [
  'time',
  'repository',
  'branch',
  'sha',
  'run_id',
  'run_url',
  'runner_cpu',
  'runner_cpus',
  'config_hash',
  'mode',
  'verdict',
  'metric',
  'unit',
  'direction',
  'change',
  'change_lower',
  'change_upper',
  'interval_level',
  'baseline',
  'candidate',
  'pairs',
] as const;

/**
 * A text cell: neutralised when a spreadsheet would read it as a formula, then quoted per RFC 4180. A
 * semicolon is quoted too: spreadsheets in locales that split on it would otherwise start a new cell
 * there, and that cell could begin with '='.
 */
function textCell(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const inert = /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
  return /[",;\t\r\n]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

function numberCell(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '' : String(value);
}

/** One header row, then a row per run and metric, oldest first (the order the records come in). */
export function historyCsv(records: readonly HistoryRecord[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const record of records) {
    for (const metric of record.metrics) {
      rows.push(
        [
          textCell(record.time),
          textCell(record.repository),
          textCell(record.branch),
          textCell(record.sha),
          textCell(record.runId),
          textCell(record.runUrl),
          textCell(record.runner.cpuModel ?? null),
          numberCell(record.runner.cpuCount ?? null),
          textCell(record.configHash),
          textCell(record.mode),
          textCell(record.verdict),
          textCell(metric.name),
          textCell(metric.unit),
          textCell(metric.direction),
          numberCell(metric.estimate),
          numberCell(metric.interval?.lower),
          numberCell(metric.interval?.upper),
          numberCell(metric.interval?.level),
          numberCell(metric.values.baseline),
          numberCell(metric.values.candidate),
          numberCell(metric.pairs),
        ].join(','),
      );
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}

type BmfMetric = { value: number; lower_value?: number; upper_value?: number };

/**
 * One run as a BMF document: a benchmark per metric with two measures, the candidate's value in the
 * metric's unit (what a time series of releases tracks) and the paired change against the baseline in
 * percent with its interval (what the gate judged). A measure without a value is left out.
 */
export function runAsBmf(record: HistoryRecord): Record<string, Record<string, BmfMetric>> {
  const document: Record<string, Record<string, BmfMetric>> = {};
  for (const metric of record.metrics) {
    const measures: Record<string, BmfMetric> = {};
    if (metric.values.candidate !== null && Number.isFinite(metric.values.candidate))
      measures[`value-${metric.unit.replace('/', '-per-')}`] = { value: metric.values.candidate };
    if (metric.estimate !== null && Number.isFinite(metric.estimate)) {
      const change: BmfMetric = { value: metric.estimate * 100 };
      if (metric.interval?.lower !== null && metric.interval?.lower !== undefined)
        change.lower_value = metric.interval.lower * 100;
      if (metric.interval?.upper !== null && metric.interval?.upper !== undefined)
        change.upper_value = metric.interval.upper * 100;
      measures['change-percent'] = change;
    }
    if (Object.keys(measures).length > 0) document[metric.name] = measures;
  }
  return document;
}
