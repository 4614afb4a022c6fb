/**
 * renderHtml on the hand-built fixtures: one self-contained page (nothing fetched, no script), the
 * verdict, the same targets as the PR comment, charts with accessible titles, invalid rounds visible,
 * and every user-written string escaped.
 */
import { describe, expect, it } from 'vitest';
import { niceTicks } from '../../src/report/charts.js';
import { axisTick, renderHtml } from '../../src/report/html.js';
import type { Results } from '../../src/report/results.js';
import {
  errorResults,
  failResults,
  fixtureRound,
  fixtureRounds,
  inconclusiveResults,
  noDataResults,
  passResults,
} from '../helpers/results-fixtures.js';

const count = (text: string, needle: string | RegExp) =>
  typeof needle === 'string' ? text.split(needle).length - 1 : (text.match(needle) ?? []).length;

describe('renderHtml', () => {
  it('is one self-contained page: no script, no external stylesheet, image or font, and a CSP that forbids fetching', () => {
    const html = renderHtml(passResults(), { runUrl: 'https://github.com/acme/rag-backend/actions/runs/1' });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\bsrc=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain(`default-src 'none'`);
    // The only absolute address is the run link we were given (and the SVG namespace, which is not fetched).
    const addresses = [...html.matchAll(/https?:\/\/[^"'<\s)]+/g)]
      .map((m) => m[0])
      .filter((u) => u !== 'http://www.w3.org/2000/svg');
    expect(new Set(addresses)).toEqual(new Set(['https://github.com/acme/rag-backend/actions/runs/1']));
  });

  it('shows the verdict in words and the headline, for each verdict', () => {
    const cases: [Results, string, RegExp][] = [
      [passResults(), 'PASS', /all 3 targets met/],
      [failResults(), 'FAIL', /2 of 3 targets missed/],
      [inconclusiveResults(), 'INCONCLUSIVE', /1 of 3 targets could not be decided/],
      [errorResults(), 'ERROR', /database failed/],
    ];
    for (const [results, word, line] of cases) {
      const html = renderHtml(results);
      expect(html).toContain(`verdict-${results.verdict}`);
      expect(html).toContain(`<p class="verdict-word">${word}</p>`);
      expect(html).toMatch(line);
    }
  });

  it("lists every target with the comment's numbers: medians, change with interval, detectable effect, status", () => {
    const html = renderHtml(failResults());
    const targets = html.slice(html.indexOf('id="targets"'), html.indexOf('id="charts"'));
    expect(targets).toContain('<code>pipeline_time improves &gt;= 20%</code>');
    expect(targets).toContain('18.1 ms');
    expect(targets).toContain('13.4 ms');
    expect(targets).toContain('−8.0 % [−11.0 %, −5.0 %]');
    expect(targets).toContain('≤ −20.0 %');
    expect(targets).toContain('±3.1 %');
    expect(targets).toContain('4.20 ms [3.90 ms, 4.60 ms]');
    expect(targets).toContain('+12.0 % [+8.0 %, +16.0 %]');
    expect(count(targets, 'badge-fail">missed')).toBe(2);
    expect(count(targets, 'badge-pass">met')).toBe(1);
    expect(targets).toContain('<th scope="col">Target</th>');
  });

  it('draws latency bars, a ratio chart with the bound for each relative target, and per-round charts, each with title and desc', () => {
    const html = renderHtml(failResults());
    const svgs = html.match(/<svg[^>]*>/g) ?? [];
    // latency bars + 2 ratio charts (two relative targets) + 3 per-round charts (three target metrics)
    expect(svgs).toHaveLength(6);
    for (const tag of svgs) expect(tag).toMatch(/role="img" aria-labelledby="chart-[\w-]+-title chart-[\w-]+-desc"/);
    expect(count(html, /<title id="chart-/g)).toBe(6);
    expect(count(html, /<desc id="chart-/g)).toBe(6);
    // The improvement bound of −20 % is a ratio of 0.8; the regression guard of +5 % is 1.05.
    expect(html).toContain('target bound (0.8×)');
    expect(html).toContain('target bound (1.05×)');
    // The absolute target draws its own bound on the per-round chart, in the metric's unit.
    expect(html).toContain('target bound (10.0 ms)');
    expect(html).toMatch(/<figcaption>pipeline_time: candidate \/ baseline per round pair/);
  });

  it('keeps invalid and flagged rounds visible in the table and as hollow markers in the charts', () => {
    const results = passResults();
    results.rounds = [
      ...fixtureRounds(3),
      fixtureRound(3, 'baseline', { valid: false }),
      fixtureRound(3, 'candidate', { flags: ['generator-saturated'] }),
    ];
    const html = renderHtml(results);
    const rounds = html.slice(html.indexOf('id="rounds"'), html.indexOf('id="decision"'));
    expect(count(rounds, '<tr class="invalid">')).toBe(1);
    expect(rounds).toContain('achieved rate 31.2 req/s is more than 5 % below the planned 40 req/s');
    expect(rounds).toContain('flagged</span> generator-saturated');
    expect(html).toContain('mark s0 hollow');
    expect(html).toContain('invalid round (not used)');
    expect(html).toMatch(/1 of them invalid \(hollow markers, not used\)/);
  });

  it('escapes user strings: a <script> in a target expression, an environment value, an error, a round reason', () => {
    const results = errorResults();
    results.targets = [{ ...failResults().targets[0]!, expression: 'x <script>alert(1)</script> improves >= 20%' }];
    results.environment = { node: '<script>alert("env")</script>', '<b>key</b>': 'v' };
    results.error = { stage: 'database', message: "</pre><script>alert('e')</script>", exitCode: 3 };
    results.migration = { note: '<img src=x onerror=alert(1)>' };
    results.rounds = [{ ...fixtureRound(0, 'baseline', { valid: false }), invalidReasons: ['<iframe src="//evil">'] }];
    results.runId = '"><script>1</script>';
    const html = renderHtml(results, { runUrl: 'javascript:alert(1)' });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img|<iframe|<b>key/i);
    expect(html).not.toContain('javascript:');
    expect(html).toContain('x &lt;script&gt;alert(1)&lt;/script&gt; improves &gt;= 20%');
    expect(html).toContain('&lt;script&gt;alert(&quot;env&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(&#39;e&#39;)&lt;/script&gt;');
  });

  it('with no rounds says so instead of drawing empty charts; with only invalid rounds draws them all hollow', () => {
    const error = renderHtml(errorResults());
    expect(error).not.toContain('<svg');
    expect(error).toContain('No valid rounds to chart.');
    const noData = renderHtml(noDataResults());
    expect(noData).toContain('badge-no-data">no data');
    expect(noData).not.toContain('chart-ratio-'); // no valid pair, so no ratio
    // 2 metrics × 6 rounds, plus the legend swatch of each chart; none joined by a line
    expect(count(noData, /class="mark s[01] hollow"/g)).toBe(2 * 6 + 2);
    expect(noData).not.toContain('<polyline');
    expect(renderHtml(errorResults())).toContain('relation &quot;chunks&quot; does not exist\nat line 3');
  });

  it('shows all metrics, the decision method, the migration and the environment', () => {
    const html = renderHtml(passResults());
    for (const name of ['latency_p50', 'latency_p99', 'throughput', 'error_rate', 'pipeline_time', 'pool_wait_p95'])
      expect(html).toContain(`<th scope="row">${name}`);
    expect(html).toContain('Holm step-down across 3 targets, family-wise error 0.05.');
    expect(html).toContain('Confidence: 95.0 %');
    expect(html).toContain('<code>[&quot;022_phase1.sql&quot;]</code>');
    expect(html).toContain('<th scope="row">postgres</th><td>15.8</td>');
  });

  it('is a pure function: the same results give the same page', () => {
    expect(renderHtml(failResults())).toBe(renderHtml(failResults()));
  });
});

describe('chart helpers', () => {
  it('niceTicks covers the range with round steps', () => {
    expect(niceTicks(0, 60.3, 5)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(0.73, 1, 5)).toEqual([0.7, 0.8, 0.9, 1]);
    expect(niceTicks(4, 4, 5)[0]).toBeLessThan(4);
  });

  it('axis ticks keep the unit at zero and drop trailing zeros', () => {
    expect(axisTick(0, 'ms')).toBe('0 ms');
    expect(axisTick(20, 'ms')).toBe('20 ms');
    expect(axisTick(12.5, 'ms')).toBe('12.5 ms');
    expect(axisTick(0, 'ratio')).toBe('0 %');
    expect(axisTick(0.015, 'ratio')).toBe('1.5 %');
  });
});
