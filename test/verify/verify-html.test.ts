import { describe, expect, it } from 'vitest';
import { SERIES_LIMIT, thinned } from '../../src/verify/bucket-pairs.js';
import { renderVerifyHtml } from '../../src/verify/verify-html.js';
import { verifyResultsFixture } from '../helpers/verify-results.js';

const units = new Map([['pipeline_time', 'ms' as const]]);
const start = Date.parse('2026-12-03T10:00:00Z') / 1000;
const minute = (k: number) => start + 60 * (k + 1);

describe('verify.html', () => {
  it('draws each metric’s paired buckets, canary against stable, over the window', () => {
    const results = verifyResultsFixture();
    results.metrics[0] = {
      ...results.metrics[0]!,
      series: [0, 1, 2, 3].map((k) => ({ time: minute(k), canary: 12 + k, stable: 10 + k })),
    } as (typeof results.metrics)[0];
    const html = renderVerifyHtml(results, units, { runUrl: 'https://github.com/o/r/actions/runs/1' });
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('<title>perf-gate verify: FAIL</title>');
    expect(html).toContain('the canary missed 1 of 2 targets against the stable release');
    expect(html).toContain('<svg class="chart"');
    expect(html).toContain('Minutes since the window began');
    // Four buckets per variant, each a marker with its value.
    expect(html.match(/<title>canary, minutes since the window began \d+: /g)).toHaveLength(4);
    expect(html).toContain('<title>stable, minutes since the window began 4: 13.0 ms</title>');
    expect(html).toContain('<a href="https://github.com/o/r/actions/runs/1">workflow run</a>');
    expect(html).toContain('pipeline_time worsens &lt;= 5%');
    expect(html).not.toContain('every k-th bucket only');
    results.metrics[0] = { ...results.metrics[0]!, seriesThinned: true } as (typeof results.metrics)[0];
    expect(renderVerifyHtml(results, units)).toContain('every k-th bucket only');
  });

  it('keeps a day of one-minute buckets, then every k-th one with the last', () => {
    expect(thinned([1, 2, 3])).toEqual([1, 2, 3]);
    const long = Array.from({ length: 3000 }, (_, i) => i);
    const kept = thinned(long);
    expect(kept.length).toBeLessThanOrEqual(SERIES_LIMIT + 1);
    expect(kept[1]! - kept[0]!).toBe(3);
    expect(kept.at(-1)).toBe(2999);
  });

  it('puts the windows before and after a deploy on one axis around it, with the not-interleaved warning', () => {
    const results = verifyResultsFixture({
      comparison: 'before-after',
      variants: undefined,
      beforeAfter: {
        selector: 'app="api"',
        deployTime: '2026-12-03T10:30:00Z',
        before: { start: '2026-12-03T10:00:00Z', end: '2026-12-03T10:30:00Z' },
        after: { start: '2026-12-03T10:35:00Z', end: '2026-12-03T11:05:00Z' },
        controlShiftSeconds: null,
      },
      metrics: [
        {
          metric: 'pipeline_time',
          query: 'sum(rate(x[60s]))',
          before: 2,
          after: 2,
          withoutControl: null,
          notPositive: 0,
          series: {
            before: [minute(27), minute(28)].map((time) => ({ time, value: 10 })),
            after: [minute(35), minute(36)].map((time) => ({ time, value: 11 })),
          },
        },
      ],
    });
    const html = renderVerifyHtml(results, units);
    expect(html).toContain('Minutes from the deploy');
    expect(html).toContain('<title>before the deploy, minutes from the deploy -2: 10.0 ms</title>');
    expect(html).toContain('<title>after the deploy, minutes from the deploy 7: 11.0 ms</title>');
    expect(html).toContain('Not interleaved');
    expect(html).not.toContain('<a href=');
  });

  it('escapes everything that came from outside: expressions, matchers, PromQL, reasons, and a run URL that is not http(s)', () => {
    const hostile = '<script>alert(1)</script>';
    const results = verifyResultsFixture({
      variants: { canary: `version="${hostile}"`, stable: 'version="stable"' },
      store: `https://x/${hostile}`,
    });
    results.targets[0] = { ...results.targets[0]!, expression: hostile, reason: hostile };
    results.metrics[0] = {
      ...results.metrics[0]!,
      metric: hostile,
      series: [{ time: minute(0), canary: 1, stable: 1 }],
    } as (typeof results.metrics)[0];
    const html = renderVerifyHtml(results, units, { runUrl: 'javascript:alert(1)' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('javascript:');
  });
});
