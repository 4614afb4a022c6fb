/** The history's questions as data (src/history/analysis.ts) and the repository name read from a remote URL. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricChanges, metricDrift } from '../../src/history/analysis.js';
import { repositoryFromRemoteUrl } from '../../src/history/checkout-context.js';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import type { Results } from '../../src/report/results.js';

const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;
const base = recordFromResults(demo, {
  repository: 'acme/search',
  branch: 'main',
  sha: 'a'.repeat(40),
  configHash: configHash('test'),
});

/** A record of commit `sha` whose latency_p50 is `value` ms, with a paired change and interval. */
function record(
  sha: string,
  value: number,
  change: [number, number, number] | null,
  cpuModel = 'AMD EPYC',
): HistoryRecord {
  const metric = { ...base.metrics.find((m) => m.name === 'latency_p50')! };
  metric.values = { baseline: value, candidate: value };
  metric.estimate = change ? change[0] : null;
  metric.interval = change ? { lower: change[1], upper: change[2], level: 0.95 } : null;
  return { ...base, sha, runner: { ...base.runner, cpuModel }, metrics: [metric] };
}

describe('metricChanges', () => {
  const series = [10, 10.1, 9.9, 10, 10.05, 12, 12.1, 11.9, 12, 12.05].map((v, i) => record(`${i}`.repeat(7), v, null));

  it('finds the step on the runner kind with the most runs and counts the runs of other kinds as left out', () => {
    const records = [...series.slice(0, 5), record('f'.repeat(7), 50, null, 'Intel Xeon'), ...series.slice(5)];
    const report = metricChanges(records, 'latency_p50', { significance: 0.05, minSegmentSize: 3 });
    expect(report.runner).toEqual({ cpuModel: 'AMD EPYC', cpuCount: 2 });
    expect(report.leftOut).toEqual({ otherRunners: 1, noValue: 0 });
    expect(report.changes.map((c) => c.sha)).toEqual(['5555555']);
    expect(report.changes[0]!.relativeChange).toBeCloseTo(0.2, 2);
  });

  it('searches nothing when the runs cannot fill two segments', () => {
    const report = metricChanges(series.slice(0, 5), 'latency_p50', { significance: 0.05, minSegmentSize: 3 });
    expect(report).toMatchObject({ tooFewRuns: true, runs: 5, changes: [], stoppedBy: null });
  });
});

describe('metricDrift', () => {
  it('chains the paired changes, counting a commit measured twice once (its latest run) and leaving out open intervals', () => {
    const records = [
      record('1111111', 10, [0.5, 0.4, 0.6]),
      record('1111111', 10, [0.1, 0.05, 0.15]),
      record('2222222', 10, [0.02, 0, 0.04]),
      record('3333333', 10, null),
    ];
    const report = metricDrift(records, 'latency_p50');
    expect(report.changes).toBe(2);
    expect(report.leftOut).toEqual({ noInterval: 1, repeatedCommit: 1 });
    expect(report.change).toBeCloseTo(1.1 * 1.02 - 1, 12);
    expect(report.contributors.map((c) => c.sha)).toEqual(['1111111', '2222222']);
  });
});

describe('repositoryFromRemoteUrl', () => {
  it('reads owner/name from HTTPS, SSH and path remotes, without the .git', () => {
    expect(repositoryFromRemoteUrl('https://x-access-token:t@github.com/acme/search.git\n')).toBe('acme/search');
    expect(repositoryFromRemoteUrl('git@github.com:acme/search.git')).toBe('acme/search');
    expect(repositoryFromRemoteUrl('file:///tmp/repos/acme/search')).toBe('acme/search');
    expect(repositoryFromRemoteUrl('search')).toBeNull();
  });
});
