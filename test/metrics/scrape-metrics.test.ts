import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import { MemoryLogger } from '../../src/log.js';
import { redactUrl, scrapeMetrics } from '../../src/metrics/scrape-metrics.js';
import { createServerMetricsHooks } from '../../src/metrics/server-metrics-hooks.js';

/** A real HTTP server on loopback playing a backend's /metrics endpoint in several moods. */
let server: Server;
let base: string;
let seenAccept: string | undefined;
const hanging: Array<() => void> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/metrics') {
      seenAccept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(
        '# TYPE rag_searches_total counter\nrag_searches_total 42\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1\n',
      );
    } else if (req.url === '/broken') {
      res.writeHead(500);
      res.end('internal error');
    } else if (req.url === '/big') {
      res.writeHead(200);
      res.end('x'.repeat(4096));
    } else if (req.url === '/hang') {
      hanging.push(() => res.destroy());
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const release of hanging) release();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failure(promise: Promise<unknown>): Promise<InfrastructureError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InfrastructureError);
    return error as InfrastructureError;
  }
  throw new Error('expected the scrape to fail');
}

describe('scrapeMetrics against a real HTTP server', () => {
  it('returns the body and asks for OpenMetrics or the text format', async () => {
    const text = await scrapeMetrics(`${base}/metrics`, { timeoutMs: 5000 });
    expect(text).toContain('rag_searches_total 42');
    expect(seenAccept).toMatch(/^application\/openmetrics-text;version=1\.0\.0/);
  });

  it('names the URL and the status on an HTTP error', async () => {
    const error = await failure(scrapeMetrics(`${base}/broken`, { timeoutMs: 5000 }));
    expect(error.message).toBe(`scraping metrics from ${base}/broken failed: HTTP 500`);
    expect(error.exitCode).toBe(3);
  });

  it('names the URL when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(scrapeMetrics(`http://127.0.0.1:${port}/metrics`, { timeoutMs: 5000 }));
    expect(error.message).toMatch(
      new RegExp(`^scraping metrics from http://127\\.0\\.0\\.1:${port}/metrics failed: .*ECONNREFUSED`),
    );
  });

  it('gives up on a server that never answers, saying so', async () => {
    const error = await failure(scrapeMetrics(`${base}/hang`, { timeoutMs: 300 }));
    expect(error.message).toBe(`scraping metrics from ${base}/hang failed: no response within 300 ms`);
  });

  it('refuses a body over the size limit', async () => {
    const error = await failure(scrapeMetrics(`${base}/big`, { timeoutMs: 5000, maxBytes: 1000 }));
    expect(error.message).toContain('response larger than 1000 bytes');
  });

  it('never puts a password from the URL into the error', async () => {
    const url = `${base.replace('http://', 'http://scraper:s3cr3t-pw@')}/broken`;
    const error = await failure(scrapeMetrics(url, { timeoutMs: 5000 }));
    expect(error.message).not.toContain('s3cr3t-pw');
    expect(error.message).toContain('http://***:***@127.0.0.1');
    expect(redactUrl('http://u:p%40ss@h/x')).toBe('http://***:***@h/x');
  });

  it('uses an injected fetcher when given one, and still checks the status', async () => {
    const text = await scrapeMetrics('http://example.invalid/metrics', {
      timeoutMs: 10,
      fetch: async () => ({ statusCode: 200, body: 'a 1\n' }),
    });
    expect(text).toBe('a 1\n');
    const error = await failure(
      scrapeMetrics('http://example.invalid/metrics', {
        timeoutMs: 10,
        fetch: async () => ({ statusCode: 503, body: '' }),
      }),
    );
    expect(error.message).toContain('HTTP 503');
  });
});

describe('createServerMetricsHooks', () => {
  it('scrapes and parses per variant, then computes a round', async () => {
    const hooks = createServerMetricsHooks({
      definitions: [
        {
          name: 'search_rate',
          kind: 'counter_rate',
          metric: 'rag_searches_total',
          unit: 'req/s',
          direction: 'higher-is-better',
        },
      ],
      metricsUrls: { baseline: `${base}/metrics`, candidate: `${base}/broken` },
      timeoutMs: 5000,
    });
    const before = await hooks.scrape('baseline');
    expect(before.families.get('rag_searches_total')?.samples[0]?.value).toBe(42);
    expect(hooks.compute(before, before, 2)).toEqual({
      values: { search_rate: 0 },
      counts: {},
      invalidReasons: [],
      warnings: [],
    });
    await expect(hooks.scrape('candidate')).rejects.toThrow(InfrastructureError);
  });

  it("reports malformed metrics as the backend's fault, naming variant and URL", async () => {
    const hooks = createServerMetricsHooks({
      // Only configured families are parsed: this one is configured, and malformed.
      definitions: [
        { name: 'big', kind: 'gauge', metric: 'x'.repeat(4096), unit: 'count', direction: 'lower-is-better' },
      ],
      metricsUrls: { baseline: `${base}/big`, candidate: `${base}/big` },
      timeoutMs: 5000,
    });
    // The offending 4 KB name is cut short in the message.
    await expect(hooks.scrape('candidate')).rejects.toThrow(
      new InfrastructureError(
        `the candidate backend's metrics at ${base}/big are malformed: metrics exposition, line 1: sample ${'x'.repeat(290)}...`,
      ),
    );
  });

  it('logs each distinct warning once, with the variant', async () => {
    const log = new MemoryLogger();
    const hooks = createServerMetricsHooks({
      definitions: [
        {
          name: 'exits',
          kind: 'counter_rate',
          metric: 'rag_early_exit_total',
          unit: 'req/s',
          direction: 'higher-is-better',
        },
      ],
      metricsUrls: { baseline: `${base}/metrics`, candidate: `${base}/metrics` },
      timeoutMs: 5000,
      log,
    });
    for (let round = 0; round < 3; round++) {
      const before = await hooks.scrape('baseline');
      const result = hooks.compute(before, await hooks.scrape('baseline'), 1);
      expect(result.values.exits).toBeNull();
    }
    expect(log.lines).toEqual(['warning: baseline: exits: metric rag_early_exit_total not exposed by the server']);
  });
});

describe('a round against a real prom-client exporter', () => {
  it('computes the mean, quantile and ratio of exactly the observations made between the two scrapes', async () => {
    const { Counter, Histogram, Registry, collectDefaultMetrics } = await import('prom-client');
    const register = new Registry();
    collectDefaultMetrics({ register });
    const duration = new Histogram({
      name: 'rag_pipeline_duration_seconds',
      help: 'pipeline',
      labelNames: ['step'],
      buckets: [0.01, 0.05, 0.1, 0.5],
      registers: [register],
    });
    const searches = new Counter({ name: 'rag_searches_total', help: 'searches', registers: [register] });
    const earlyExit = new Counter({ name: 'rag_early_exit_total', help: 'early exits', registers: [register] });
    const exporter = createServer((_req, res) => {
      void register.metrics().then((text) => {
        res.writeHead(200, { 'content-type': register.contentType });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}/metrics`;
    try {
      // Traffic before the round must not count.
      duration.observe({ step: 'total' }, 0.4);
      searches.inc(5);
      const hooks = createServerMetricsHooks({
        definitions: [
          {
            name: 'pipeline_time',
            kind: 'histogram_mean',
            metric: 'rag_pipeline_duration_seconds',
            labels: { step: 'total' },
            unit: 'ms',
            direction: 'lower-is-better',
          },
          {
            name: 'pipeline_p50',
            kind: 'histogram_quantile',
            quantile: 0.5,
            metric: 'rag_pipeline_duration_seconds',
            labels: { step: 'total' },
            unit: 'ms',
            direction: 'lower-is-better',
          },
          {
            name: 'rerank_time',
            kind: 'histogram_mean',
            metric: 'rag_pipeline_duration_seconds',
            labels: { step: 'rerank' },
            unit: 'ms',
            direction: 'lower-is-better',
          },
          {
            name: 'early_exit_rate',
            kind: 'counter_ratio',
            metric: 'rag_early_exit_total',
            denominator: { metric: 'rag_searches_total' },
            unit: 'ratio',
            direction: 'higher-is-better',
          },
        ],
        metricsUrls: { baseline: url, candidate: url },
        timeoutMs: 5000,
      });
      const before = await hooks.scrape('baseline');
      for (const seconds of [0.02, 0.03, 0.04, 0.06]) duration.observe({ step: 'total' }, seconds);
      searches.inc(4);
      earlyExit.inc(1);
      const after = await hooks.scrape('baseline');
      const result = hooks.compute(before, after, 1);
      expect(result.invalidReasons).toEqual([]);
      expect(result.values.pipeline_time).toBeCloseTo(37.5, 9);
      // Round buckets: 0.01:0, 0.05:3, 0.1:4 -> rank 2 of 3 in (0.01, 0.05] -> 0.01 + 0.04 * 2/3.
      expect(result.values.pipeline_p50).toBeCloseTo((0.01 + 0.04 * (2 / 3)) * 1000, 9);
      // No rerank observations in the round (its series does not even exist yet): no value, not zero.
      expect(result.values.rerank_time).toBeNull();
      expect(result.values.early_exit_rate).toBeCloseTo(0.25, 12);
    } finally {
      await new Promise<void>((resolve) => exporter.close(() => resolve()));
    }
  });
});
