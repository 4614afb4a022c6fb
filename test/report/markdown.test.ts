import { describe, expect, it } from 'vitest';
import { GITHUB_COMMENT_LIMIT, headline, pairRatios, renderMarkdown } from '../../src/report/markdown.js';
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

const mermaidBlocks = (text: string) => text.match(/```mermaid\n[\s\S]*?```/g) ?? [];

describe('headline: the first line a reviewer reads', () => {
  it('pass', () => expect(headline(passResults())).toBe('✅ perf-gate: all 3 targets met'));
  it('fail counts only the missed targets', () =>
    expect(headline(failResults())).toBe('❌ perf-gate: 2 of 3 targets missed'));
  it('inconclusive counts undecided targets, no-data included', () => {
    expect(headline(inconclusiveResults())).toBe(
      '⚠️ perf-gate inconclusive: 1 of 3 targets could not be decided with this much data',
    );
    expect(headline(noDataResults())).toBe(
      '⚠️ perf-gate inconclusive: 2 of 2 targets could not be decided with this much data',
    );
  });
  it('error names the stage', () =>
    expect(headline(errorResults())).toBe('💥 perf-gate could not finish: database failed'));
  it('one target is singular', () => {
    const one = passResults();
    one.targets = one.targets.slice(0, 1);
    expect(headline(one)).toBe('✅ perf-gate: all 1 target met');
  });
});

describe('report.md body', () => {
  it('starts with the headline as a heading', () => {
    expect(renderMarkdown(failResults()).split('\n')[0]).toBe('### ❌ perf-gate: 2 of 3 targets missed');
  });

  it('has one targets-table row per target with baseline, candidate, change, interval and status', () => {
    const text = renderMarkdown(failResults());
    expect(text).toContain('| Target | Baseline | Candidate | Change [interval] | Detectable | Status |');
    expect(text).toContain(
      '| `pipeline_time improves >= 20%` | 18.1 ms | 13.4 ms | −8.0 % [−11.0 %, −5.0 %] | ±3.1 % | ❌ missed |',
    );
    expect(text).toContain(
      '| `latency_p95 worsens <= 5%` | 41.2 ms | 30.4 ms | +12.0 % [+8.0 %, +16.0 %] | ±4.0 % | ❌ missed |',
    );
    // An absolute target shows the candidate's own value and its interval in the metric's unit.
    expect(text).toContain('| `pool_wait_p95 < 10ms` | 13.1 ms | 4.20 ms | 4.20 ms [3.90 ms, 4.60 ms] | — | ✅ met |');
  });

  it('a | inside a target expression does not break the table', () => {
    const r = passResults();
    r.targets[0] = { ...r.targets[0]!, expression: 'a|b' };
    expect(renderMarkdown(r)).toContain('| `a\\|b` |');
  });

  it('shows the error stage and message on one line', () => {
    const text = renderMarkdown(errorResults());
    expect(text).toContain(
      '> **database**: `migration 022_phase1.sql failed: relation "chunks" does not exist at line 3`',
    );
    expect(text).not.toContain('| Target |');
  });

  it('says how many pairs were valid and how the decision was made', () => {
    const text = renderMarkdown(passResults());
    expect(text).toContain(
      '<sub>8 valid of 8 interleaved round pairs. Several targets: `Holm step-down across 3 targets, family-wise error 0.05`. Stopped: `all targets decided`.<br>Detectable: how far from its bound the true change must lie for a run like this one (same pairs, interval method and level) to decide the target four times in five.</sub>',
    );
    expect(text).toContain('<details><summary>How the decision was made</summary>');
    expect(text).toContain('<details><summary>Rounds (16)</summary>');
  });

  it('with a budget, says how much of it the bench used in the same line', () => {
    const budget = { plannedMs: 180_000, usedMs: 61_000, roundDurationMs: 2700, maxPairs: 30 };
    expect(renderMarkdown({ ...passResults(), budget })).toContain(
      'family-wise error 0.05`. Used 1m 1s of a 3m budget; stopped: `all targets decided`.<br>Detectable:',
    );
  });

  it('footer carries the version, the run id and the links given', () => {
    const text = renderMarkdown(passResults(), {
      runUrl: 'https://github.com/o/r/actions/runs/1',
      artifactHint: 'artifact `perf-gate-report`',
    });
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '<sub>perf-gate `0.1.0` · run `run-fixture-1` · [workflow run](https://github.com/o/r/actions/runs/1) · artifact `perf-gate-report`</sub>',
    );
  });

  it('a round marked invalid shows why', () => {
    const r = passResults();
    r.rounds = [
      ...fixtureRounds(2),
      fixtureRound(2, 'baseline', { valid: false }),
      fixtureRound(2, 'candidate', { flags: ['generator-saturated'] }),
    ];
    const text = renderMarkdown(r);
    expect(text).toContain('| 5 | 3 | baseline |');
    expect(text).toContain('✗ `achieved rate 31.2 req/s is more than 5 % below the planned 40 req/s` |');
    expect(text).toContain('⚠️ `generator-saturated` |');
  });
});

describe('Mermaid charts', () => {
  it('a latency bar chart and a per-pair ratio line chart when the data allows', () => {
    const blocks = mermaidBlocks(renderMarkdown(passResults()));
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain('xychart-beta');
    expect(blocks[0]).toContain('x-axis ["p50 base", "p50 cand", "p95 base", "p95 cand", "p99 base", "p99 cand"]');
    expect(blocks[0]).toContain('bar [20.1, 14.9, 41.2, 30.4, 60.3, 44.7]');
    expect(blocks[1]).toContain(
      'title "pipeline_time: candidate / baseline per round pair (lines: no change, target bound)"',
    );
    expect(blocks[1]).toContain('line [0.8, 0.8,');
    expect(blocks[1]).toContain('x-axis ["1", "2", "3", "4", "5", "6", "7", "8"]');
    // Every pair of the fixture is about 0.74: candidate 26 % faster.
    const ratios = /line \[([^\]]+)\]/.exec(blocks[1]!)![1]!.split(', ').map(Number);
    expect(ratios).toHaveLength(8);
    for (const ratio of ratios) {
      expect(ratio).toBeGreaterThan(0.69);
      expect(ratio).toBeLessThan(0.79);
    }
  });

  it('no latency chart without latency summaries, no ratio chart without two valid pairs', () => {
    expect(mermaidBlocks(renderMarkdown(noDataResults()))).toHaveLength(0);
    const onePair = passResults();
    onePair.rounds = fixtureRounds(1);
    onePair.metrics = onePair.metrics.filter((m) => m.name !== 'latency_p99');
    expect(mermaidBlocks(renderMarkdown(onePair))).toHaveLength(0);
  });

  it('pairRatios skips invalid rounds and incomplete pairs', () => {
    const rounds = [...fixtureRounds(3), fixtureRound(3, 'baseline')];
    rounds[2] = { ...rounds[2]!, valid: false };
    expect(pairRatios(rounds, 'pipeline_time').map((r) => r.pair)).toEqual([0, 2]);
  });
});

describe("GitHub's 65,536-character comment limit", () => {
  const huge = (): Results => ({ ...passResults(), rounds: fixtureRounds(2500) });

  it('a run of 5,000 rounds is trimmed to fit, and the comment says what was left out', () => {
    const r = huge();
    expect(r.rounds).toHaveLength(5000);
    const text = renderMarkdown(r);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(text).toContain(
      "Trimmed to fit GitHub's comment size limit: rounds left out; see results.json in the report artifact.",
    );
    expect(text).not.toContain('<summary>Rounds');
    // What matters most survives: the verdict, the targets, the charts.
    expect(text).toContain('### ✅ perf-gate: all 3 targets met');
    expect(text).toContain('| `pipeline_time improves >= 20%` |');
    expect(mermaidBlocks(text)).toHaveLength(2);
    expect(text).toContain('<summary>Environment</summary>');
  });

  it('a tighter limit drops sections from the least useful up, and names each', () => {
    const full = renderMarkdown(passResults());
    const text = renderMarkdown(passResults(), { limit: 2600 });
    expect(full.length).toBeGreaterThan(2600);
    expect(text.length).toBeLessThanOrEqual(2600);
    const note = /Trimmed to fit GitHub's comment size limit: (.*) left out/.exec(text)![1]!;
    const cut = note.split(', ');
    expect(cut.at(-1)).toBe('rounds');
    for (const name of cut)
      expect([
        'charts',
        'all metrics',
        'how the decision was made',
        'migration summary',
        'environment',
        'rounds',
      ]).toContain(name);
    expect(text).toContain('| `pipeline_time improves >= 20%` |');
  });

  it('nothing is trimmed when the body fits', () => {
    expect(renderMarkdown(passResults())).not.toContain('Trimmed');
  });

  it('even a body whose required part is too long stays under the limit', () => {
    const r = failResults();
    r.targets = Array.from({ length: 200 }, (_, i) => ({
      ...r.targets[0]!,
      expression: `${i} ${'x'.repeat(290)} \`[a](https://example.com)`,
    }));
    const text = renderMarkdown(r);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(text).toContain('(truncated)');
    // Cut at a line break: the last table row before the note is whole, its code span closed.
    expect(text.trimEnd().split('\n').at(-3)).toMatch(/ \| ❌ missed \|$/);
  });
});

describe('report.md snapshots (review changes to these files by eye)', () => {
  it.each([
    ['pass', passResults],
    ['fail', failResults],
    ['inconclusive', inconclusiveResults],
    ['no-data', noDataResults],
    ['error', errorResults],
  ] as const)('%s', async (name, build) => {
    await expect(
      renderMarkdown(build(), { runUrl: 'https://github.com/acme/rag/actions/runs/42' }),
    ).toMatchFileSnapshot(`__snapshots__/report-${name}.md`);
  });
});

describe('Detectable column', () => {
  // BUG (src/report/markdown.ts:58): for absolute targets evaluate-targets.ts:249 gives the minimum
  // detectable effect in the metric's unit (ms here), but the column always prints it as a percentage.
  it('[BUG] an absolute target shows its detectable effect in its own unit, not as a percentage', () => {
    const r = passResults();
    r.targets[1] = { ...r.targets[1]!, minimumDetectableEffect: 0.8 };
    const row = renderMarkdown(r)
      .split('\n')
      .find((line) => line.startsWith('| `pool_wait_p95 < 10ms`'))!;
    expect(row).not.toContain('±80.0 %');
    expect(row).toContain('±800 µs');
  });
});

describe('report.md from an untrusted results.json (the workflow_run pattern posts what a fork produced)', () => {
  it('renders no HTML, no mention and no code fence escape from the data', async () => {
    const { renderMarkdown } = await import('../../src/report/markdown.js');
    const { failResults } = await import('../helpers/results-fixtures.js');
    const results = failResults();
    results.targets[0]!.expression = 'x` <img src=x onerror=alert(1)> @octocat `y';
    results.verdict = 'error';
    results.error = { stage: 'bench <script>', message: 'boom @admin\n<b>bold</b>', exitCode: 3 };
    results.environment = { note: '```\n<script>alert(1)</script>\n```' };
    const text = renderMarkdown(results);
    // Outside code spans and fences (where GitHub shows text literally) nothing is markup.
    const prose = text.replace(/````json[\s\S]*?````/g, '').replace(/(`+)(?!`)[^\n]*?(?<!`)\1(?!`)/g, '');
    expect(prose).not.toMatch(/<img|<script|<b>/);
    expect(prose).not.toMatch(/(^|[^&#\w])@(octocat|admin)/);
    expect(text).toContain('``x` <img src=x onerror=alert(1)> @octocat `y``'); // inside a code span: shown, not run
    expect(text).toContain('`boom @admin <b>bold</b>`');
    // The environment's own ``` cannot close the fence around it.
    expect(text).toMatch(/````json\n[\s\S]*```\\n<script>[\s\S]*\n````/);
  });
});
