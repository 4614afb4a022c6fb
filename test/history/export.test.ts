import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, historyCsv, runAsBmf } from '../../src/history/export.js';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import type { Results } from '../../src/report/results.js';

const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;
const record = (branch = 'main'): HistoryRecord =>
  recordFromResults(demo, {
    repository: 'acme/search',
    branch,
    sha: 'c60a6a733dc8459eceff505fcafa774c007da8dc',
    runUrl: 'https://github.com/acme/search/actions/runs/42',
    configHash: configHash('targets: []\n'),
  });

/** RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes). */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
  return out;
}

describe('history export as CSV', () => {
  it('one header and a row per run and metric, with the paired change, its interval and both values', () => {
    const r = record();
    const lines = historyCsv([r, r]).trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + 2 * r.metrics.length);
    const metric = r.metrics.find((m) => m.interval)!;
    const row = lines.map(fields).find((f) => f[11] === metric.name)!;
    expect(row).toHaveLength(CSV_COLUMNS.length);
    const at = (column: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(column)];
    expect(at('sha')).toBe(r.sha);
    expect(Number(at('change'))).toBe(metric.estimate);
    expect(Number(at('change_lower'))).toBe(metric.interval!.lower);
    expect(Number(at('interval_level'))).toBe(metric.interval!.level);
    expect(Number(at('candidate'))).toBe(metric.values.candidate);
  });

  it("a fork's branch name cannot become a spreadsheet formula, and commas and quotes stay inside their cell", () => {
    const hostile = record('=HYPERLINK("http://evil.example","x"),"more"');
    const line = historyCsv([hostile]).split('\r\n')[1]!;
    const row = fields(line);
    expect(row).toHaveLength(CSV_COLUMNS.length);
    expect(row[2]).toBe(`'=HYPERLINK("http://evil.example","x"),"more"`);
    for (const lead of ['+1', '-1', '@SUM(A1)', '\tx'])
      expect(fields(historyCsv([record(lead)]).split('\r\n')[1]!)[2]).toBe(`'${lead}`);
    // A semicolon (the separator of many locales) is quoted, so no second cell can start with '='.
    const semicolon = historyCsv([record('x;=HYPERLINK(CHAR(104))')]).split('\r\n')[1]!;
    expect(semicolon).toContain(',"x;=HYPERLINK(CHAR(104))",');
  });
});

describe('history export as Bencher Metric Format', () => {
  it('a benchmark per metric: the candidate value in its unit, and the change in percent with its bounds', () => {
    const r = record();
    const bmf = runAsBmf(r);
    const metric = r.metrics.find((m) => m.interval?.lower !== null && m.estimate !== null)!;
    expect(bmf[metric.name]!['change-percent']).toEqual({
      value: metric.estimate! * 100,
      lower_value: metric.interval!.lower! * 100,
      upper_value: metric.interval!.upper! * 100,
    });
    expect(bmf[metric.name]![`value-${metric.unit.replace('/', '-per-')}`]).toEqual({ value: metric.values.candidate });
    // The shape of bencher.dev/bmf.json: every measure an object with a numeric value.
    for (const measures of Object.values(bmf))
      for (const m of Object.values(measures)) {
        expect(typeof m.value).toBe('number');
        expect(Number.isFinite(m.value)).toBe(true);
      }
  });

  it('leaves out what was not measured instead of writing a null or NaN value', () => {
    const r = record();
    const empty = {
      ...r,
      metrics: [{ ...r.metrics[0]!, estimate: null, interval: null, values: { baseline: null, candidate: null } }],
    };
    expect(runAsBmf(empty)).toEqual({});
    expect(JSON.stringify(runAsBmf(r))).not.toMatch(/null|NaN/);
  });
});
