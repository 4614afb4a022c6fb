import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { decide } from '../../src/pipeline/decide.js';
import { newRunState } from '../../src/pipeline/run-state.js';
import { boundText } from '../../src/report/bucket-bound-text.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { fixtureRounds } from '../helpers/results-fixtures.js';

const root = resolve(import.meta.dirname, '../..');

/** The embedded default's run, with every pool wait under the 0.5 ms bucket (p95 interpolates to 475 µs). */
function run() {
  const rounds = fixtureRounds(16).map((r) => ({
    ...r,
    values: { ...r.values, pool_wait_p95: 0.475 },
    bounds: { pool_wait_p95: { lower: 0, upper: 0.5 } },
  }));
  const state = newRunState({ configPath: null, overrides: {}, reportDir: 'report', now: new Date(0) });
  return decide({
    version: '0.1.0',
    config: loadConfig({ packageRoot: root }),
    state,
    rounds,
    finishedAt: '1970-01-01T00:10:00.000Z',
  });
}

describe('a quantile inside one histogram bucket in the report', () => {
  it('results.json: the target keeps its pass on the bucket bound, with the bound, never a zero-width interval', () => {
    const target = run().targets.find((t) => t.expression === 'pool_wait_p95 < 10ms')!;
    expect(target.status).toBe('pass');
    expect(target.ci).toEqual([0, 0.5]);
    expect(target.minimumDetectableEffect).toBeNull();
    expect(target.bucketBound).toEqual({ bound: 16, samples: 16, lower: 0, upper: 0.5 });
    expect(target.note).toMatch(
      /^In 16 of 16 candidate rounds every pool_wait_p95 observation of a round fell in one histogram bucket, so its value is bounded by the bucket, not measured: judged on those bounds \(≤ 500 µs\), pass\. /,
    );
  });

  it('report.md, the terminal and report.html show "≤ 500 µs, bucket-bound" where 475 µs [475 µs, 475 µs] was', () => {
    const results = run();
    const md = renderMarkdown(results);
    expect(md).toContain(
      '| `pool_wait_p95 < 10ms` | — | — | ≤ 500 µs (bucket-bound in 16 of 16 rounds) | — | ✅ met |',
    );
    expect(md).not.toContain('[475 µs, 475 µs]');
    // The ratio of two quantiles both under the lowest bound is unknown: no change, no figures, not "0.0 % [0 %, 0 %]".
    expect(md).toContain('| `pool_wait_p95` | — | — | — | — | 16 |');
    // Each round's cell says what the bucket guarantees.
    expect(md).toMatch(/\| 1 \| 1 \| baseline \|.*\| ≤ 500 µs \|/);
    expect(renderTerminal(results)).toContain('≤ 500 µs (bucket-bound in 16 of 16 rounds)');
    expect(renderHtml(results)).toContain('≤ 500 µs (bucket-bound in 16 of 16 rounds)');
  });

  it('bounds read as bounds', () => {
    const ms = (v: number) => `${v} ms`;
    expect(boundText({ lower: 0, upper: 0.5 }, ms)).toBe('≤ 0.5 ms');
    expect(boundText({ lower: null, upper: 0 }, ms)).toBe('≤ 0 ms');
    expect(boundText({ lower: 10, upper: null }, ms)).toBe('≥ 10 ms');
    expect(boundText({ lower: 1, upper: 2.5 }, ms)).toBe('1 ms – 2.5 ms');
    expect(boundText({ lower: null, upper: null }, ms)).toBe('—');
  });
});
