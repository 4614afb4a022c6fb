/**
 * A scrape keeps only the families the config names: a large exporter's other series are skipped after
 * their name is read, so a page of many megabytes is not turned into millions of objects per scrape.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/metrics/parse-exposition.js';
import type { ServerMetricDefinition } from '../../src/metrics/server-metric-definition.js';
import { createServerMetricsHooks, familiesToParse } from '../../src/metrics/server-metrics-hooks.js';
import { CONFIGURED_FAMILY, largeExposition } from '../helpers/large-exposition.js';

const definitions: ServerMetricDefinition[] = [
  {
    name: 'pipeline_time',
    kind: 'histogram_mean',
    metric: CONFIGURED_FAMILY,
    labels: { step: 'total' },
    unit: 'ms',
    direction: 'lower-is-better',
  },
];
let server: Server;
let base: string;
let scrapes = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    // 9 MB, with a malformed line in a family nobody configured at the end.
    res.end(`${largeExposition(9 * 1024 * 1024, 100 * ++scrapes)}other_family{broken 1\n`);
  });
  // Parsing a page can take seconds on a busy machine: keep the idle connection for the next scrape.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const sampleCount = (families: ReadonlyMap<string, { samples: readonly unknown[] }>) =>
  [...families.values()].reduce((n, f) => n + f.samples.length, 0);

describe('only the configured families are parsed', () => {
  it('a 9 MB page over loopback: the configured histogram is kept, no other sample is materialised', async () => {
    const hooks = createServerMetricsHooks({
      definitions,
      metricsUrls: { baseline: `${base}/metrics`, candidate: `${base}/metrics` },
      timeoutMs: 20_000,
    });
    const before = await hooks.scrape('baseline');
    const after = await hooks.scrape('baseline');
    // 12 buckets, _sum and _count of one series.
    expect(sampleCount(before.families)).toBe(14);
    expect(before.families.get(CONFIGURED_FAMILY)?.samples).toHaveLength(14);
    const result = hooks.compute(before, after, 1);
    expect(result.invalidReasons).toEqual([]);
    expect(result.values.pipeline_time).toBeCloseTo(20, 6); // 100 more requests, 2 s more in total
  });

  it('counters are matched with and without _total, and denominators count', () => {
    const names = familiesToParse([
      {
        name: 'exits',
        kind: 'counter_ratio',
        metric: 'rag_early_exit_total',
        denominator: { metric: 'rag_searches' },
        unit: 'ratio',
        direction: 'higher-is-better',
      },
    ]);
    expect([...names].sort()).toEqual(['rag_early_exit', 'rag_early_exit_total', 'rag_searches', 'rag_searches_total']);
    const text =
      '# TYPE rag_early_exit counter\nrag_early_exit_total 3\nrag_searches_total 9\nunrelated_total 5\n# TYPE h histogram\nh_count 1\n';
    const parsed = parseExposition(text, { only: names });
    expect(sampleCount(parsed.families)).toBe(2);
    expect(parsed.families.get('rag_early_exit')?.samples.map((s) => s.value)).toEqual([3]);
    expect(parsed.families.get('rag_searches_total')?.samples.map((s) => s.value)).toEqual([9]);
    // Without `only`, everything is read as before.
    expect(sampleCount(parseExposition(text).families)).toBe(4);
  });

  it('a malformed line in a configured family is still an error', () => {
    expect(() => parseExposition('rag_searches_total{broken 1\n', { only: new Set(['rag_searches_total']) })).toThrow(
      /line 1/,
    );
  });
});
