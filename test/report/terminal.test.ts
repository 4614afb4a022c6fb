import { describe, expect, it } from 'vitest';
import { renderTerminal } from '../../src/report/terminal.js';
import { errorResults, failResults, passResults } from '../helpers/results-fixtures.js';

describe('terminal table', () => {
  it('starts with the headline, then a table of targets with aligned columns', () => {
    const lines = renderTerminal(failResults()).split('\n');
    expect(lines[0]).toBe('❌ perf-gate: 2 of 3 targets missed');
    const header = lines[2]!;
    expect(header).toMatch(/^target\s+baseline\s+candidate\s+change \[interval\]\s+status$/);
    const rows = lines.slice(3, 6);
    expect(rows[0]).toMatch(
      /^pipeline_time improves >= 20%\s+18\.1 ms\s+13\.4 ms\s+−8\.0 % \[−11\.0 %, −5\.0 %\]\s+MISSED$/,
    );
    expect(rows[1]).toMatch(/^pool_wait_p95 < 10ms\s+13\.1 ms\s+4\.20 ms\s+4\.20 ms \[3\.90 ms, 4\.60 ms\]\s+met$/);
    expect(rows[2]).toMatch(/latency_p95 worsens <= 5%.*\+12\.0 % \[\+8\.0 %, \+16\.0 %\]\s+MISSED$/);
    // Every row of a table has the same width: the columns line up.
    expect(new Set([header, ...rows].map((l) => l.length)).size).toBe(1);
  });

  it('lists the metrics no target uses in a second table', () => {
    const text = renderTerminal(passResults());
    expect(text).toMatch(/^other metrics\s+baseline\s+candidate\s+change \[interval\]$/m);
    expect(text).toMatch(/^latency_p50\s+20\.1 ms\s+14\.9 ms\s+−25\.9 % \[−28\.1 %, −23\.6 %\]$/m);
    expect(text).not.toMatch(/^pipeline_time\s+[\d—]/m);
  });

  it('ends with the pair counts and the stopping reason', () => {
    expect(renderTerminal(passResults()).trimEnd().split('\n').at(-1)).toBe(
      '8 valid of 8 round pairs. Holm step-down across 3 targets, family-wise error 0.05. Stopped: all targets decided.',
    );
  });

  it('with a budget, ends with how much of it the bench used and why it stopped', () => {
    const budget = { plannedMs: 180_000, usedMs: 102_400, roundDurationMs: 2700, maxPairs: 30 };
    expect(
      renderTerminal({ ...passResults(), budget })
        .trimEnd()
        .split('\n')
        .at(-1),
    ).toBe('used 1m 42s of a 3m budget; stopped: all targets decided');
  });

  it('an error run shows the stage and the message, and no tables', () => {
    const text = renderTerminal(errorResults());
    expect(text.split('\n')[0]).toBe('💥 perf-gate could not finish: database failed');
    expect(text).toContain('error in database: migration 022_phase1.sql failed');
    expect(text).not.toContain('baseline');
  });
});
