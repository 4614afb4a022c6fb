import { resolve } from 'node:path';
import { assert, describe, expect, it } from 'vitest';
import { toAaConfig } from '../../src/config/aa-mode.js';
import { loadConfig } from '../../src/config/load.js';
import { headline } from '../../src/report/markdown.js';
import type { TargetResult } from '../../src/report/results.js';

const root = resolve(import.meta.dirname, '../..');

describe('A/A mode', () => {
  const config = toAaConfig(loadConfig({ packageRoot: root }));

  it('measures the candidate against itself on one database', () => {
    const { baseline, candidate } = config.backend;
    expect(baseline).toEqual(candidate);
    assert(baseline.kind === 'command' && candidate.kind === 'command');
    expect(baseline.env).toEqual({ DB_POOL_SIZE: '20', EARLY_EXIT_SCORE: '0.9' });
    expect(baseline.env).not.toBe(candidate.env);
    expect(config.database.baseline).toEqual({ strategy: 'shared' });
  });

  it('judges each metric of the targets with a zero-tolerance regression guard', () => {
    expect(config.targets.map((t) => t.expression)).toEqual([
      'pipeline_time worsens <= 0%',
      'db_query_time worsens <= 0%',
      'early_exit_rate worsens <= 0%',
      'pool_wait_p95 worsens <= 0%',
      'error_rate worsens <= 0%',
    ]);
    expect(config.targets.every((t) => t.kind === 'regression' && t.maxRegression === 0)).toBe(true);
  });

  it('says "no false alarm" when nothing failed, and counts false alarms otherwise', () => {
    const target = (status: TargetResult['status']): TargetResult => ({
      expression: 'm worsens <= 0%',
      metric: 'm',
      kind: 'regression',
      status,
      estimate: 0,
      ci: [-0.01, 0.01],
      unit: 'ms',
      threshold: 0,
    });
    expect(
      headline({ mode: 'aa', verdict: 'inconclusive', targets: [target('inconclusive'), target('inconclusive')] }),
    ).toBe('🔬 perf-gate A/A check: no false alarm in 2 metrics; "Detectable" is this runner\'s noise floor');
    expect(headline({ mode: 'aa', verdict: 'fail', targets: [target('fail'), target('inconclusive')] })).toBe(
      '❌ perf-gate A/A check: 1 false alarm in 2 metrics with the candidate against itself',
    );
  });
});
