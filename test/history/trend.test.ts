/** Where a run lands among the recorded runs of its base branch (src/history/trend.ts), the folder store, and the comment's trend. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { DirectoryStore } from '../../src/history/directory-store.js';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import { metricTrends } from '../../src/history/trend.js';
import { MemoryLogger } from '../../src/log.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { Results } from '../../src/report/results.js';
import { validateResults } from '../../src/report/results-schema.js';
import { trendMarkdown } from '../../src/report/trend-text.js';

const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;

/** A record of `sha` on `branch` whose pipeline_time candidate median is `value` ms. */
function record(sha: string, value: number | null, options: Partial<HistoryRecord> = {}, minute = 0): HistoryRecord {
  const base = recordFromResults(demo, { repository: 'acme/search', branch: 'main', sha, configHash: configHash('t') });
  const metrics = base.metrics.map((m) =>
    m.name === 'pipeline_time' ? { ...m, values: { baseline: 40, candidate: value } } : m,
  );
  return { ...base, time: new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString(), metrics, ...options };
}

describe('metricTrends', () => {
  it("keeps the base branch's gate runs on this kind of runner, a commit once at its latest run, oldest first", () => {
    const records = [
      record('1111111', 12, {}, 1),
      record('2222222', 13, {}, 2),
      record('1111111', 12.5, {}, 3),
      record('3333333', 99, { branch: 'feature' }, 4),
      record('4444444', 50, { mode: 'aa' }, 5),
      record('5555555', 70, { runner: { ...record('x', 1).runner, cpuModel: 'Intel Xeon' } }, 6),
      record('6666666', null, {}, 7),
    ];
    const [trend] = metricTrends(records, demo, { branch: 'main' }).filter((t) => t.metric === 'pipeline_time');
    expect(trend!.points.map((p) => [p.sha, p.value])).toEqual([
      ['2222222', 13],
      ['1111111', 12.5],
    ]);
    expect(trend!.current).toBeCloseTo(11.94, 2);
    expect(trend!.leftOut).toEqual({ otherRunner: 1, noValue: 1 });
    expect(trend!.branch).toBe('main');
  });

  it('shows at most the last runs asked for, gives nothing for a metric no recorded run has, and nothing to a run that does not know its CPU', () => {
    const records = Array.from({ length: 30 }, (_, i) => record(`${String(i).padStart(2, '0')}aaaaa`, 10 + i, {}, i));
    const trends = metricTrends(records, demo, { branch: 'main', runs: 5 });
    expect(trends.find((t) => t.metric === 'pipeline_time')!.points.map((p) => p.value)).toEqual([35, 36, 37, 38, 39]);
    expect(metricTrends(records, demo, { branch: 'release' })).toEqual([]);
    expect(
      metricTrends(
        records,
        { ...demo, environment: { ...demo.environment, cpuModel: undefined as never } },
        { branch: 'main' },
      ),
    ).toEqual([]);
  });
});

describe('the trend in the report', () => {
  const trends = metricTrends([record('1111111', 12, {}, 1), record('2222222', 13, {}, 2)], demo, { branch: 'main' });

  it('charts the recorded runs with this run last, and places this run in a sentence', () => {
    const text = trendMarkdown({ trends })!;
    expect(text).toContain('x-axis ["1111111", "2222222", "this run"]');
    expect(text).toMatch(/line \[12, 13, 11\.94\]/);
    expect(text).toContain(
      '`pipeline_time`: this run 11.9 ms; the last 2 runs recorded on `main` on this kind of runner: median 12.5 ms, 12.0 ms to 13.0 ms.',
    );
    const comment = renderMarkdown({ ...demo, trends });
    expect(comment).toContain('Trend on `main`: where this run lands');
    // results.json keeps the trend, and the published schema accepts it.
    expect(validateResults(JSON.parse(JSON.stringify({ ...demo, trends })), 'results.json').trends).toHaveLength(
      trends.length,
    );
  });

  it("keeps hostile names out of Mermaid's syntax and the Markdown, and refuses a trend whose commit is not hex", () => {
    const hostile = 'main"]\n  line [1]\n```\n<img src=x onerror=alert(1)>';
    const text = trendMarkdown({ trends: [{ ...trends[0]!, branch: hostile, metric: `pipeline_time${hostile}` }] })!;
    const chart = text.slice(text.indexOf('```mermaid'), text.indexOf('```', text.indexOf('```mermaid') + 3) + 3);
    expect(chart.split('\n').filter((l) => l.trim().startsWith('line'))).toHaveLength(1);
    expect(chart).not.toContain('<img');
    expect(text).not.toMatch(/^<img/m);
    const bad = { ...demo, trends: [{ ...trends[0]!, points: [{ sha: 'not-a-sha', time: 't', value: 1 }] }] };
    expect(() => validateResults(JSON.parse(JSON.stringify(bad)), 'results.json')).toThrow(InputError);
  });
});

describe('DirectoryStore', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one line per run to its month file and reads them back by branch, time and count, skipping lines that are not records', async () => {
    dir = mkdtempSync(join(tmpdir(), 'perf-gate-history-dir-'));
    const log = new MemoryLogger();
    const store = new DirectoryStore({ folder: join(dir, 'history'), log, input: '--history' });
    await store.append(record('1111111', 12, {}, 1));
    await store.append(record('2222222', 13, { branch: 'feature' }, 2));
    await store.append(record('3333333', 14, { time: '2026-11-30T23:00:00.000Z' }));
    const december = join(dir, 'history/records/2026-12.jsonl');
    writeFileSync(december, `${readFileSync(december, 'utf8')}{"version":1,"sha":"x"}\nnot json\n`);
    expect((await store.read()).map((r) => r.sha)).toEqual(['3333333', '1111111', '2222222']);
    // Each read says which lines it skipped.
    expect(log.lines.filter((l) => l.includes('skipped'))).toHaveLength(2);
    expect((await store.read({ branch: 'main' })).map((r) => r.sha)).toEqual(['3333333', '1111111']);
    expect((await store.read({ since: '2026-12-01' })).map((r) => r.sha)).toEqual(['1111111', '2222222']);
    expect((await store.read({ limit: 1 })).map((r) => r.sha)).toEqual(['2222222']);
  });

  it('refuses a path that is a file, naming the input', () => {
    dir = mkdtempSync(join(tmpdir(), 'perf-gate-history-dir-'));
    writeFileSync(join(dir, 'file'), '');
    expect(
      () => new DirectoryStore({ folder: join(dir, 'file'), log: new MemoryLogger(), input: '--history' }),
    ).toThrow(/^--history: got ".*file"; expected a folder for the history/);
  });
});
