/** A release gate's drift since the previous release (src/history/release-drift.ts) and how the reports show it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import { releaseDrift } from '../../src/history/release-drift.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { Results } from '../../src/report/results.js';
import { validateResults } from '../../src/report/results-schema.js';

const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;

/** A gate recorded on `branch` whose pipeline_time changed by `change` (±0.5 % at 98 %). */
function gate(sha: string, change: number, day: number, branch = 'main'): HistoryRecord {
  const r = recordFromResults(demo, { repository: 'acme/search', branch, sha, configHash: configHash('t') });
  const metrics = r.metrics.map((m) =>
    m.name === 'pipeline_time'
      ? { ...m, estimate: change, interval: { lower: change - 0.005, upper: change + 0.005, level: 0.98 } }
      : m,
  );
  return { ...r, runId: `run-${sha}`, time: new Date(Date.UTC(2026, 10, day, 12)).toISOString(), metrics };
}

const release = { tag: 'v1.4.0', sha: 'a'.repeat(40) };
const records = [
  gate('0000000', 0.2, 1),
  gate('a'.repeat(40), 0.1, 2),
  gate('b'.repeat(40), 0.02, 3),
  gate('c'.repeat(40), 0.01, 4),
  gate('d'.repeat(40), 0.03, 5),
  gate('e'.repeat(40), 0.5, 6, 'feature'),
];

describe('releaseDrift', () => {
  it('chains the changes gated on the base branch after the previous release, and ranks their contributions', () => {
    const drift = releaseDrift(records, demo, { branch: 'main', release, level: 0.98 });
    expect(drift).toMatchObject({ since: 'v1.4.0', sha: release.sha, branch: 'main', level: 0.98 });
    const time = drift.metrics.find((m) => m.metric === 'pipeline_time')!;
    // The release's own gate and the earlier one are not in it, nor the other branch's.
    expect(time.changes).toBe(3);
    expect(time.change).toBeCloseTo(1.02 * 1.01 * 1.03 - 1, 6);
    expect(time.interval[0]).toBeLessThan(time.change);
    expect(time.interval[1]).toBeGreaterThan(time.change);
    expect(time.contributors.map((c) => c.sha[0])).toEqual(['d', 'b', 'c']);
    expect(time.unit).toBe('ms');
    // Only relative targets' metrics: the demo's absolute targets (early exit rate, pool wait, errors) are not drift.
    const absolute = demo.targets.filter((t) => t.kind === 'absolute').map((t) => t.metric);
    expect(drift.metrics.some((m) => absolute.includes(m.metric))).toBe(false);
  });

  it('says why there is nothing when the previous release was never gated on the branch', () => {
    const drift = releaseDrift(records, demo, {
      branch: 'main',
      release: { tag: 'v0.9', sha: 'f'.repeat(40) },
      level: 0.98,
    });
    expect(drift.metrics).toEqual([]);
    expect(drift.note).toBe(
      'no run of v0.9 (ffffffffffff) is recorded on main, so there is nothing to count the drift from',
    );
  });

  it('is a section of the comment and of report.html, with repository strings escaped, in a valid results.json', () => {
    const drift = releaseDrift(records, demo, {
      branch: 'main',
      release: { ...release, tag: 'v1.4.0<b>`|' },
      level: 0.98,
    });
    const results = { ...demo, releaseDrift: drift };
    expect(() => validateResults(JSON.parse(JSON.stringify(results)), 'results.json')).not.toThrow();
    const markdown = renderMarkdown(results);
    expect(markdown).toContain('| Metric | Cumulative change | Interval | Changes | Largest contributors |');
    expect(markdown).toMatch(
      /\| `pipeline_time` \| \+6\.1 % \| \[\+\d\.\d %, \+\d\.\d %\] \| 3 \| `ddddddd` \+3\.0 % \(\d+ % of it\)/,
    );
    // The tag only inside a code span, where GitHub shows it as text.
    expect(markdown).toContain('**Drift since the previous release, ``v1.4.0<b>`|``**');
    expect(markdown.replaceAll('``v1.4.0<b>`|``', '')).not.toContain('<b>');
    const html = renderHtml(results);
    expect(html).toContain('<section id="release-drift"');
    expect(html).toContain('Drift since the previous release, v1.4.0&lt;b&gt;');
    expect(html).toContain('<code>ddddddd</code> +3.0 %');
  });
});
