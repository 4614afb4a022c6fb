import { describe, expect, it } from 'vitest';
import { renderVerifyMarkdown, verifyHeadline } from '../../src/verify/verify-markdown.js';
import { verifyResultsFixture as results } from '../helpers/verify-results.js';

/** The lines of a Markdown text not inside a fenced code block (a fence closes with a run at least as long). */
function linesOutsideFences(text: string): string[] {
  const out: string[] = [];
  let open: number | null = null;
  for (const line of text.split('\n')) {
    const fence = /^(`{3,})/.exec(line)?.[1]?.length;
    if (open === null && fence) open = fence;
    else if (open !== null && fence && fence >= open && line.trim() === '`'.repeat(fence)) open = null;
    else if (open === null) out.push(line);
  }
  return out;
}

const units = new Map([
  ['pipeline_time', 'ms' as const],
  ['error_ratio', 'ratio' as const],
]);

describe('verify.md', () => {
  it('leads with the verdict, then one row per target with the change or the canary value, its interval, level and buckets', () => {
    const text = renderVerifyMarkdown(results(), units, { runUrl: 'https://github.com/o/r/actions/runs/1' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('### ❌ perf-gate verify: the canary missed 1 of 2 targets against the stable release');
    expect(text).toContain(
      '| `pipeline_time worsens <= 5%` | +18.0 % | [+10.0 %, +27.0 %] (98.0 %) | 58 | ❌ missed |',
    );
    expect(text).toMatch(/\| `error_ratio <= 1%` \| 0\.5\d* % \| .* \(99\.0 %\) \| 58 \| ✅ met \|/);
    expect(text).toContain(
      'Traffic (`request_rate`): canary 8.10 req/s, stable 8.00 req/s, ratio 1.012 (expected 1, allowed ±20 %)',
    );
    expect(text).toContain('[workflow run](https://github.com/o/r/actions/runs/1)');
    expect(text).toContain('```promql');
  });

  it('says when the traffic mix kept a pass from being one, and when a window could not decide', () => {
    const flagged = results({
      verdict: 'inconclusive',
      targets: results().targets.map((t) => ({ ...t, status: 'pass' as const })),
      trafficMix: { ...results().trafficMix!, canaryRate: 4, ratio: 0.5, flagged: true },
    });
    expect(verifyHeadline(flagged)).toBe(
      '⚠️ perf-gate verify inconclusive: the canary and the stable release did not see the same traffic',
    );
    expect(renderVerifyMarkdown(flagged, units)).toContain('FLAGGED, the variants did not see the same traffic');
    const undecided = results({
      verdict: 'inconclusive',
      targets: results().targets.map((t, i) => ({ ...t, status: i === 0 ? ('no-data' as const) : ('pass' as const) })),
    });
    expect(verifyHeadline(undecided)).toBe(
      '⚠️ perf-gate verify inconclusive: 1 of 2 targets could not be decided from this window',
    );
  });

  it('keeps hostile matcher values, metric names and queries inert: no table break, no link, no closed fence', () => {
    const hostile = 'x"} | [pwn](https://evil.example) @everyone\n### owned ```';
    const text = renderVerifyMarkdown(
      results({
        variants: { canary: `version="${hostile}"`, stable: 'version="stable"' },
        targets: [{ ...results().targets[0]!, expression: `pipeline_time worsens <= 5% ${hostile}` }],
        metrics: [{ ...results().metrics[0]!, metric: hostile, queries: { canary: `q ${hostile}`, stable: 'q' } }],
      }),
      units,
    );
    // Outside the fences perf-gate opened itself, no line starts with a backtick (a fence) or a heading,
    // and the link sits only inside code spans.
    const outside = linesOutsideFences(text);
    expect(outside.filter((l) => /^\s*(`|#)/.test(l) && !l.startsWith('### ❌'))).toEqual([]);
    for (const line of outside.filter((l) => l.includes('[pwn]'))) expect(line).toMatch(/`+[^`]*\[pwn\]/);
    expect(text.split('\n').filter((l) => l.startsWith('### '))).toHaveLength(2);
    const tableRow = text.split('\n').find((l) => l.startsWith('| `') && l.includes('pipeline_time worsens'))!;
    // Five cells: the pipe inside the expression is escaped.
    expect(tableRow.split(/(?<!\\)\|/).length - 2).toBe(5);
    expect(text).toContain('````promql');
  });

  it('stays under the size limit by leaving out the queries first', () => {
    const long = results({
      metrics: Array.from({ length: 40 }, (_, i) => ({
        ...results().metrics[0]!,
        metric: `m${i}`,
        queries: { canary: 'q'.repeat(2000), stable: 'q'.repeat(2000) },
      })),
    });
    const text = renderVerifyMarkdown(long, units, { limit: 20_000 });
    expect(text.length).toBeLessThanOrEqual(20_000);
    expect(text).toContain('Queries left out');
    expect(text).toContain('❌ missed');
  });
});
