import { resolve } from 'node:path';
import { assert, describe, expect, it } from 'vitest';
import { replacedTargets, toAaConfig } from '../../src/config/aa-mode.js';
import { loadConfig } from '../../src/config/load.js';
import { decide } from '../../src/pipeline/decide.js';
import { newRunState } from '../../src/pipeline/run-state.js';
import { headline, renderMarkdown } from '../../src/report/markdown.js';
import type { TargetResult } from '../../src/report/results.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { fixtureRounds } from '../helpers/results-fixtures.js';

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

  it('keeps, for each guard, the configured targets it replaces', () => {
    const configured = loadConfig({ packageRoot: root }).targets;
    for (const guard of config.targets)
      expect(replacedTargets(guard)).toEqual(
        configured.filter((t) => t.metric === guard.metric).map((t) => t.expression),
      );
    expect(replacedTargets(configured[0]!)).toEqual([]);
  });

  it('results.json, report.md and the terminal summary say which configured targets were judged as which', () => {
    const state = newRunState({ configPath: null, overrides: {}, reportDir: 'report', now: new Date(0) });
    state.aa = true;
    const rounds = fixtureRounds(8);
    const results = decide({ version: '0.1.0', config, state, rounds, finishedAt: '1970-01-01T00:10:00.000Z' });
    const pipeline = results.targets.find((t) => t.metric === 'pipeline_time')!;
    expect(pipeline.expression).toBe('pipeline_time worsens <= 0%');
    expect(pipeline.replaces).toEqual(['pipeline_time improves >= 20%']);
    const pool = results.targets.find((t) => t.metric === 'pool_wait_p95')!;
    expect(pool.replaces).toEqual(['pool_wait_p95 < 10ms']);
    expect(renderMarkdown(results)).toContain(
      'A/A check: each metric is judged with a zero-tolerance guard in place of the configured targets on it: `pipeline_time improves >= 20%` → `pipeline_time worsens <= 0%`;',
    );
    expect(renderTerminal(results)).toContain('"pool_wait_p95 < 10ms" → "pool_wait_p95 worsens <= 0%"');
    // Outside A/A mode nothing is said.
    const gate = decide({
      version: '0.1.0',
      config: loadConfig({ packageRoot: root }),
      state: { ...state, aa: undefined },
      rounds,
      finishedAt: '1970-01-01T00:10:00.000Z',
    });
    expect(gate.targets.every((t) => t.replaces === undefined)).toBe(true);
    expect(renderMarkdown(gate)).not.toContain('A/A check');
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
