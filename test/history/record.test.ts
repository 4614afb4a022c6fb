import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  configHash,
  type HistoryRecord,
  historyRecordProblem,
  monthFileOf,
  type RecordContext,
  recordFromResults,
} from '../../src/history/record.js';
import type { Results } from '../../src/report/results.js';

const fixture = (name: string): Results =>
  JSON.parse(readFileSync(new URL(`../fixtures/results/${name}`, import.meta.url), 'utf8')) as Results;

const context: RecordContext = {
  repository: 'acme/search',
  branch: 'main',
  sha: 'c60a6a733dc8459eceff505fcafa774c007da8dc',
  runUrl: 'https://github.com/acme/search/actions/runs/42',
  configHash: configHash('targets:\n  - latency_p95 worsens <= 5%\n'),
};

describe('recordFromResults', () => {
  it('keeps what a real run measured: each metric’s paired change, its interval at the run’s level, both medians and its targets’ statuses', () => {
    const results = fixture('demo.results.json');
    const record = recordFromResults(results, context);
    expect(record).toMatchObject({
      version: 1,
      repository: 'acme/search',
      branch: 'main',
      sha: context.sha,
      time: '2026-12-02T09:31:13.464Z',
      runId: '20261202092844-332364',
      runUrl: 'https://github.com/acme/search/actions/runs/42',
      runner: {
        cpuModel: 'AMD EPYC',
        cpuCount: 2,
        os: 'Linux 6.18.44-fc-v1045 x64',
        nodeVersion: 'v20.20.2',
        postgresVersion: '15.18 (Debian 15.18-0+deb12u1)',
      },
      configHash: context.configHash,
      verdict: 'inconclusive',
      mode: 'gate',
    });
    expect(record.metrics.map((m) => m.name)).toEqual(results.metrics.map((m) => m.name));
    expect(record.metrics.find((m) => m.name === 'pipeline_time')).toEqual({
      name: 'pipeline_time',
      unit: 'ms',
      direction: 'lower-is-better',
      estimate: -0.7339503152744563,
      interval: { lower: -0.851526117363811, upper: -0.5232667625726336, level: 0.98 },
      values: { baseline: 40.41769001249938, candidate: 11.94000243749982 },
      pairs: 7,
      targets: [{ expression: 'pipeline_time improves >= 20%', status: 'inconclusive' }],
    });
    // No pairs, no change: nothing is invented.
    expect(record.metrics.find((m) => m.name === 'error_rate')).toMatchObject({
      estimate: null,
      interval: null,
      values: { baseline: 0, candidate: 0 },
      targets: [{ status: 'pass' }],
    });
    expect(record.metrics.find((m) => m.name === 'latency_p50')?.targets).toEqual([]);
    expect(historyRecordProblem(record)).toBeNull();
    // One JSON line: nothing in it that JSON cannot carry.
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it('records a run that failed before measuring, with the runner it knows and no metrics', () => {
    const record = recordFromResults(fixture('failing-migration.results.json'), { ...context, runUrl: undefined });
    expect(record).toMatchObject({
      verdict: 'error',
      runUrl: null,
      metrics: [],
      runner: { cpuModel: null, cpuCount: null, postgresVersion: '15.18 (Debian 15.18-0+deb12u1)' },
    });
    expect(historyRecordProblem(record)).toBeNull();
  });

  it('writes an open interval bound as null, and keeps a metric only a target names so its no-data status is remembered', () => {
    const base = fixture('demo.results.json');
    const results: Results = {
      ...base,
      mode: 'aa',
      metrics: [{ ...base.metrics[0]!, ci: [-Infinity, 0.02], change: Number.NaN }],
      targets: [
        {
          expression: 'cache_hit_rate >= 90%',
          metric: 'cache_hit_rate',
          kind: 'absolute',
          status: 'no-data',
          estimate: null,
          ci: null,
          unit: 'ratio',
          threshold: 0.9,
        },
      ],
    };
    const record = recordFromResults(results, context);
    expect(record.mode).toBe('aa');
    expect(record.metrics[0]).toMatchObject({ estimate: null, interval: { lower: null, upper: 0.02, level: 0.98 } });
    expect(record.metrics[1]).toMatchObject({
      name: 'cache_hit_rate',
      unit: 'ratio',
      estimate: null,
      interval: null,
      pairs: 0,
      targets: [{ expression: 'cache_hit_rate >= 90%', status: 'no-data' }],
    });
    expect(historyRecordProblem(record)).toBeNull();
  });

  it('takes the interval level from the context when results.json has no decision, and leaves the interval out when neither has one', () => {
    const results: Results = { ...fixture('demo.results.json'), decision: null };
    expect(
      recordFromResults(results, { ...context, confidence: 0.95 }).metrics.find((m) => m.name === 'pipeline_time')
        ?.interval?.level,
    ).toBe(0.95);
    expect(recordFromResults(results, context).metrics.find((m) => m.name === 'pipeline_time')?.interval).toBeNull();
  });
});

describe('configHash and monthFileOf', () => {
  it('hash the configuration text with SHA-256 (the FIPS 180-2 "abc" vector)', () => {
    expect(configHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('file a record under the month of its time in UTC', () => {
    expect(monthFileOf('2026-12-31T23:59:59.999Z')).toBe('records/2026-12.jsonl');
    expect(monthFileOf('2027-01-01T00:00:00.000Z')).toBe('records/2027-01.jsonl');
  });
});

describe('historyRecordProblem', () => {
  const sound = (): HistoryRecord => recordFromResults(fixture('demo.results.json'), context);

  it.each([
    ['a later version', (r: Record<string, unknown>) => ({ ...r, version: 2 }), 'version: got 2'],
    ['a SHA that is not hex', (r: Record<string, unknown>) => ({ ...r, sha: 'not-a-sha' }), 'sha: got "not-a-sha"'],
    [
      'a local time',
      (r: Record<string, unknown>) => ({ ...r, time: '2026-12-02 09:31' }),
      'time: got "2026-12-02 09:31"',
    ],
    [
      'an unknown verdict',
      (r: Record<string, unknown>) => ({ ...r, verdict: 'maybe' }),
      'verdict: got "maybe"; expected pass, fail, inconclusive, error',
    ],
    [
      'a config hash that is not SHA-256',
      (r: Record<string, unknown>) => ({ ...r, configHash: 'abc' }),
      'configHash: got "abc"',
    ],
    [
      'a runner without its CPU count',
      (r: Record<string, unknown>) => ({ ...r, runner: { ...(r.runner as object), cpuCount: 'two' } }),
      'runner.cpuCount: got "two"',
    ],
  ])('names the field of %s', (_, change, message) => {
    const problem = historyRecordProblem(change(sound() as unknown as Record<string, unknown>));
    expect(problem?.message).toContain(message);
  });

  it('names the metric, the interval and the target that are wrong', () => {
    const record = sound();
    const withLevel = { ...record, metrics: [{ ...record.metrics[8]!, interval: { lower: -1, upper: 1, level: 95 } }] };
    expect(historyRecordProblem(withLevel)?.message).toBe(
      'metrics[0].interval.level: got 95; expected a level between 0 and 1',
    );
    const withStatus = {
      ...record,
      metrics: [{ ...record.metrics[8]!, targets: [{ expression: 'x', status: 'ok' }] }],
    };
    expect(historyRecordProblem(withStatus)?.message).toBe(
      'metrics[0].targets[0].status: got "ok"; expected pass, fail, inconclusive, no-data',
    );
    expect(historyRecordProblem([1, 2])?.message).toBe('record: got [1,2]; expected an object');
  });
});
