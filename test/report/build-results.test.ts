import { describe, expect, it } from 'vitest';
import { evaluateTargets } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import { CLIENT_METRICS, type MetricInfo } from '../../src/model/round-record.js';
import { buildResults } from '../../src/pipeline/build-results.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { estimateMethodText } from '../../src/report/method-text.js';
import { summarizeMetric } from '../../src/report/metric-figures.js';
import { errorControlText, targetNote } from '../../src/report/reason-text.js';
import { fixtureRound, fixtureRounds } from '../helpers/results-fixtures.js';

const CATALOG: MetricInfo[] = [
  ...CLIENT_METRICS,
  { name: 'pipeline_time', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pipeline' },
  { name: 'pool_wait_p95', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pool wait' },
];
const TARGETS: Target[] = [
  { kind: 'improvement', expression: 'pipeline_time improves >= 20%', metric: 'pipeline_time', minImprovement: 0.2 },
  { kind: 'absolute', expression: 'pool_wait_p95 < 10ms', metric: 'pool_wait_p95', comparator: '<', threshold: 10 },
];

function build(rounds = fixtureRounds(8), extra: Partial<Parameters<typeof buildResults>[0]> = {}) {
  return buildResults({
    version: '0.1.0',
    runId: 'r1',
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:02:00Z',
    config: 'embedded default',
    rounds,
    catalog: CATALOG,
    evaluation: evaluateTargets(TARGETS, rounds, CATALOG, { minPairs: 5 }),
    confidence: 0.95,
    plannedPairs: 8,
    stoppingReason: 'all targets decided',
    migration: null,
    environment: {},
    ...extra,
  });
}

describe('buildResults', () => {
  it('a clear 26 % speed-up passes both targets and the headline says so', () => {
    const results = build();
    expect(results.verdict).toBe('pass');
    expect(results.headline).toBe('✅ perf-gate: all 2 targets met');
    expect(results.targets.map((t) => t.status)).toEqual(['pass', 'pass']);
    expect(results.targets[0]!.estimate!).toBeGreaterThan(-0.29);
    expect(results.targets[0]!.estimate!).toBeLessThan(-0.23);
    expect(results.decision).toMatchObject({ plannedPairs: 8, measuredPairs: 8, validPairs: 8 });
  });

  it('each target carries its reason as data, and results.json keeps the same reason in words', () => {
    const results = build();
    expect(results.targets[0]!.reason).toMatchObject({
      kind: 'decided',
      status: 'pass',
      relative: true,
      unit: 'ms',
      samples: 8,
      threshold: results.targets[0]!.threshold,
    });
    expect(results.targets[1]!.reason).toMatchObject({
      kind: 'decided',
      status: 'pass',
      relative: false,
      samples: 8,
      threshold: 10,
    });
    for (const t of results.targets) expect(t.note).toBe(targetNote(t.expression, t.reason!));
    expect(results.decision).toMatchObject({
      intervalMethods: ['hodges-lehmann'],
      errorControl: { procedure: 'holm', alpha: 0.02, judged: 2, notJudged: 0 },
    });
    expect(results.decision!.multipleComparisons).toBe(errorControlText(results.decision!.errorControl!));
    expect(results.decision!.method).toBe(estimateMethodText(['hodges-lehmann']));
    expect(results.decision!.method).toMatch(
      /Hodges–Lehmann estimate.*The "all metrics" table repeats a relative target's estimate/,
    );
    expect(results.decision!.method).not.toMatch(/Student t/);
  });

  it('summaries hold the medians of valid rounds, and metrics no round measured are left out', () => {
    const results = build();
    const names = results.metrics.map((m) => m.name);
    expect(names).toContain('pipeline_time');
    expect(names).not.toContain('latency_max');
    const pipeline = results.metrics.find((m) => m.name === 'pipeline_time')!;
    expect(pipeline.baseline!).toBeGreaterThan(17);
    expect(pipeline.baseline!).toBeLessThan(19);
    expect(pipeline.change!).toBeCloseTo(-0.26, 1);
    expect(pipeline.ci![0]).toBeLessThan(pipeline.change!);
    expect(pipeline.ci![1]).toBeGreaterThan(pipeline.change!);
    expect(pipeline.pairs).toBe(8);
  });

  it('invalid rounds count as measured but not as valid pairs', () => {
    const rounds = fixtureRounds(8);
    rounds[4] = fixtureRound(2, 'baseline', { valid: false });
    const results = build(rounds);
    expect(results.decision).toMatchObject({ measuredPairs: 8, validPairs: 7 });
    expect(summarizeMetric(CATALOG.find((m) => m.name === 'pipeline_time')!, rounds, 0.95).pairs).toBe(7);
  });

  it('an error wins over the evaluation: verdict error, the stage in the headline', () => {
    const results = build(fixtureRounds(8), { error: { stage: 'bench', message: 'backend died', exitCode: 3 } });
    expect(results.verdict).toBe('error');
    expect(results.headline).toBe('💥 perf-gate could not finish: bench failed');
    expect(results.error).toEqual({ stage: 'bench', message: 'backend died', exitCode: 3 });
  });

  it('without an evaluation the verdict is inconclusive and there is no decision section', () => {
    const results = build([], { evaluation: null });
    expect(results.verdict).toBe('inconclusive');
    expect(results.decision).toBeNull();
    expect(results.metrics).toEqual([]);
  });

  it('is deterministic: the same rounds give the same results and the same report', () => {
    expect(renderMarkdown(build())).toBe(renderMarkdown(build()));
  });

  it('results.json survives a JSON round trip unchanged (no undefined-only or non-finite fields that matter)', () => {
    const results = build();
    const again = JSON.parse(JSON.stringify(results));
    expect(again.targets).toHaveLength(2);
    expect(again.verdict).toBe('pass');
    expect(again.schemaVersion).toBe(1);
  });
});

describe('the decision description', () => {
  // BUG (src/pipeline/build-results.ts:108): the method text is hard-coded to "Student t interval",
  // but evaluateTargets defaults to Hodges–Lehmann (evaluate-targets.ts:125), so report.md tells the
  // reader a different method from the one that decided the targets.
  it('[BUG] names the interval method the targets were actually judged with', () => {
    const results = build();
    expect(results.decision!.method).toMatch(/hodges/i);
  });
});

describe('one estimate per metric, with per-variant figures that agree with it', () => {
  /**
   * Nine pairs on a drifting machine (the baseline goes 1..9 ms): in two pairs the candidate is 5× slower,
   * in seven 3 % faster. The medians of each variant's rounds rise (5 ms to 5.82 ms) while the paired
   * estimate is −3 %: the disagreement seen in the field ("10.6 ms, 10.9 ms, −8.5 %").
   */
  function drifting() {
    const rounds = fixtureRounds(9);
    for (const r of rounds) {
      const baseline = r.pair + 1;
      r.values.pipeline_time = r.variant === 'baseline' ? baseline : baseline * (r.pair < 2 ? 5 : 0.97);
    }
    return rounds;
  }
  const guard: Target = {
    kind: 'regression',
    expression: 'pipeline_time worsens <= 10%',
    metric: 'pipeline_time',
    maxRegression: 0.1,
  };
  const buildWith = (targets: Target[], rounds = drifting()) =>
    build(rounds, { evaluation: evaluateTargets(targets, rounds, CATALOG, { minPairs: 5 }) });

  it('the metric row repeats the relative target that judges it: estimate, interval, level and pairs', () => {
    const results = buildWith([guard]);
    const target = results.targets[0]!;
    const metric = results.metrics.find((m) => m.name === 'pipeline_time')!;
    expect(metric.change).toBe(target.estimate);
    expect(metric.ci).toEqual(target.ci);
    expect(metric.confidence).toBe(target.confidence);
    expect(metric.method).toBe('hodges-lehmann');
    expect(metric.target).toBe('pipeline_time worsens <= 10%');
    expect(metric.pairs).toBe(9);
    expect(target.estimate!).toBeCloseTo(-0.03, 6);
  });

  it('the medians point the other way, the figures shown do not: candidate = baseline × (1 + change)', () => {
    const results = buildWith([guard]);
    const metric = results.metrics.find((m) => m.name === 'pipeline_time')!;
    expect(metric.baseline).toBe(5);
    expect(metric.candidate!).toBeCloseTo(5.82, 6);
    const { figures } = results.targets[0]!;
    // The geometric mean of the nine paired baseline rounds (1..9 ms) is 9!^(1/9).
    expect(figures!.baseline!).toBeCloseTo(362_880 ** (1 / 9), 9);
    expect(figures!.candidate!).toBeCloseTo(figures!.baseline! * 0.97, 9);
    expect(figures!.implied).toBe('candidate');
    expect(metric.figures).toEqual(figures);
    const row = renderMarkdown(results)
      .split('\n')
      .find((l) => l.startsWith('| `pipeline_time worsens <= 10%`'));
    expect(row).toBe(
      '| `pipeline_time worsens <= 10%` | 4.15 ms | ≈ 4.02 ms | −3.0 % [−3.0 %, +120 %] | ±210.6 % | ⚠️ inconclusive |',
    );
  });

  it('a metric no target names gets the targets’ estimator at the configured level, not a t interval', () => {
    const results = build();
    const p50 = results.metrics.find((m) => m.name === 'latency_p50')!;
    expect(p50.method).toBe('hodges-lehmann');
    expect(p50.confidence).toBe(0.95);
    expect(p50.target).toBeUndefined();
    expect(p50.figures!.implied).toBe('candidate');
    expect(p50.figures!.candidate!).toBeCloseTo(p50.figures!.baseline! * (1 + p50.change!), 12);
  });

  it('an absolute target’s row and its metric’s row show the same candidate: the target’s estimate', () => {
    const results = build();
    const target = results.targets.find((t) => t.metric === 'pool_wait_p95')!;
    const metric = results.metrics.find((m) => m.name === 'pool_wait_p95')!;
    expect(target.figures).toEqual(metric.figures);
    expect(metric.figures!.candidate).toBe(target.estimate);
    expect(metric.figures!.implied).toBe('baseline');
    expect(metric.figures!.baseline!).toBeCloseTo(target.estimate! / (1 + metric.change!), 12);
  });

  it('every row agrees with its change, in every metric of a run', () => {
    const results = build();
    for (const m of results.metrics) {
      const f = m.figures!;
      if (m.change === null) expect(f.implied).toBeNull();
      else expect(f.candidate!).toBeCloseTo(f.baseline! * (1 + m.change), 9);
    }
  });
});
