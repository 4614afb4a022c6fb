/**
 * Hand-built Results for the report tests: the four verdicts plus no-data and error, with numbers
 * shaped like the reference backend's Phase 1 run. Built by hand (not by the statistics stage) so the
 * snapshots change only when rendering changes.
 */
import type { RoundRecord } from '../../src/model/round-record.js';
import type { MetricSummary, Results, TargetResult, Verdict } from '../../src/report/results.js';

/** A deterministic round: values are a smooth function of the pair, no randomness. */
export function fixtureRound(
  pair: number,
  variant: 'baseline' | 'candidate',
  options: { valid?: boolean; flags?: string[] } = {},
): RoundRecord {
  const wobble = 1 + 0.03 * Math.sin(pair * 1.7 + (variant === 'candidate' ? 0.5 : 0));
  const speed = variant === 'candidate' ? 0.74 : 1;
  const valid = options.valid ?? true;
  return {
    index: pair * 2 + (variant === 'baseline' ? 0 : 1),
    pair,
    variant,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, pair * 10 + (variant === 'candidate' ? 5 : 0))).toISOString(),
    durationMs: 4000,
    valid,
    invalidReasons: valid ? [] : ['achieved rate 31.2 req/s is more than 5 % below the planned 40 req/s'],
    flags: options.flags ?? [],
    client: {
      requests: 160,
      ok: 160,
      errors: { status: {}, timeout: 0, reset: 0, other: 0 },
      achievedRate: 40,
      latencyMs: {
        p50: 20 * speed * wobble,
        p90: 35,
        p95: 41 * speed * wobble,
        p99: 60 * speed * wobble,
        max: 80,
        mean: 22,
      },
    },
    values: {
      latency_p50: 20 * speed * wobble,
      latency_p95: 41 * speed * wobble,
      latency_p99: 60 * speed * wobble,
      throughput: 40 * (1 + 0.001 * pair),
      error_rate: 0,
      pipeline_time: 18 * speed * wobble,
      pool_wait_p95: variant === 'candidate' ? 4.2 * wobble : 13 * wobble,
    },
  };
}

export function fixtureRounds(pairs: number): RoundRecord[] {
  const rounds: RoundRecord[] = [];
  for (let pair = 0; pair < pairs; pair += 1)
    rounds.push(fixtureRound(pair, 'baseline'), fixtureRound(pair, 'candidate'));
  return rounds;
}

const METRICS: MetricSummary[] = [
  {
    name: 'latency_p50',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, median',
    baseline: 20.1,
    candidate: 14.9,
    change: -0.259,
    ci: [-0.281, -0.236],
    pairs: 8,
  },
  {
    name: 'latency_p95',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, 95th percentile',
    baseline: 41.2,
    candidate: 30.4,
    change: -0.262,
    ci: [-0.29, -0.231],
    pairs: 8,
  },
  {
    name: 'latency_p99',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'client',
    description: 'client latency, 99th percentile',
    baseline: 60.3,
    candidate: 44.7,
    change: -0.259,
    ci: [-0.3, -0.21],
    pairs: 8,
  },
  {
    name: 'throughput',
    unit: 'req/s',
    direction: 'higher-is-better',
    source: 'client',
    description: 'completed requests per second',
    baseline: 40,
    candidate: 40,
    change: 0.0002,
    ci: [-0.001, 0.0014],
    pairs: 8,
  },
  {
    name: 'error_rate',
    unit: 'ratio',
    direction: 'lower-is-better',
    source: 'client',
    description: 'share of requests that failed',
    baseline: 0,
    candidate: 0,
    change: null,
    ci: null,
    pairs: 0,
  },
  {
    name: 'pipeline_time',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'server',
    description: 'mean pipeline time',
    baseline: 18.1,
    candidate: 13.4,
    change: -0.26,
    ci: [-0.285, -0.233],
    pairs: 8,
  },
  {
    name: 'pool_wait_p95',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'server',
    description: 'pool wait p95',
    baseline: 13.1,
    candidate: 4.2,
    change: -0.68,
    ci: [-0.7, -0.66],
    pairs: 8,
  },
];

function target(
  partial: Partial<TargetResult> & Pick<TargetResult, 'expression' | 'metric' | 'kind' | 'status'>,
): TargetResult {
  return {
    estimate: null,
    ci: null,
    unit: 'ms',
    threshold: 0,
    minimumDetectableEffect: null,
    confidence: 0.9875,
    pValue: null,
    ...partial,
  };
}

const PIPELINE_PASS = target({
  expression: 'pipeline_time improves >= 20%',
  metric: 'pipeline_time',
  kind: 'improvement',
  status: 'pass',
  estimate: -0.26,
  ci: [-0.285, -0.233],
  threshold: -0.2,
  minimumDetectableEffect: 0.031,
  pValue: 0.0004,
});
const POOL_PASS = target({
  expression: 'pool_wait_p95 < 10ms',
  metric: 'pool_wait_p95',
  kind: 'absolute',
  status: 'pass',
  estimate: 4.2,
  ci: [3.9, 4.6],
  threshold: 10,
  pValue: 0.0001,
});
const ERRORS_PASS = target({
  expression: 'error_rate <= 1%',
  metric: 'error_rate',
  kind: 'absolute',
  status: 'pass',
  unit: 'ratio',
  estimate: 0,
  ci: [0, 0],
  threshold: 0.01,
});

function results(verdict: Verdict, headline: string, targets: TargetResult[], extra: Partial<Results> = {}): Results {
  return {
    schemaVersion: 1,
    tool: { name: 'perf-gate', version: '0.1.0' },
    runId: 'run-fixture-1',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:03:00.000Z',
    config: 'embedded default',
    verdict,
    headline,
    targets,
    metrics: METRICS,
    rounds: fixtureRounds(8),
    decision: {
      confidence: 0.95,
      method: 'geometric-mean ratio of paired rounds',
      multipleComparisons: 'Holm step-down across 3 targets, family-wise error 0.05',
      plannedPairs: 8,
      measuredPairs: 8,
      validPairs: 8,
      stoppingReason: 'all targets decided',
    },
    migration: { applied: ['022_phase1.sql'], ms: 41 },
    environment: { node: 'v24.0.0', cpus: 2, postgres: '15.8' },
    ...extra,
  };
}

export function passResults(): Results {
  return results('pass', '', [PIPELINE_PASS, POOL_PASS, ERRORS_PASS]);
}

export function failResults(): Results {
  return results('fail', '', [
    target({ ...PIPELINE_PASS, status: 'fail', estimate: -0.08, ci: [-0.11, -0.05] }),
    POOL_PASS,
    target({
      expression: 'latency_p95 worsens <= 5%',
      metric: 'latency_p95',
      kind: 'regression',
      status: 'fail',
      estimate: 0.12,
      ci: [0.08, 0.16],
      threshold: 0.05,
      minimumDetectableEffect: 0.04,
    }),
  ]);
}

export function inconclusiveResults(): Results {
  return results('inconclusive', '', [
    target({
      ...PIPELINE_PASS,
      status: 'inconclusive',
      estimate: -0.21,
      ci: [-0.27, -0.15],
      minimumDetectableEffect: 0.09,
    }),
    POOL_PASS,
    ERRORS_PASS,
  ]);
}

/** Every round invalid: nothing to compare, no charts, no decision. */
export function noDataResults(): Results {
  const rounds = fixtureRounds(3).map((r) => ({
    ...r,
    valid: false,
    invalidReasons: ['backend exited with code 137'],
  }));
  return results(
    'inconclusive',
    '',
    [
      target({
        expression: 'pipeline_time improves >= 20%',
        metric: 'pipeline_time',
        kind: 'improvement',
        status: 'no-data',
        threshold: -0.2,
      }),
      target({
        expression: 'pool_wait_p95 < 10ms',
        metric: 'pool_wait_p95',
        kind: 'absolute',
        status: 'no-data',
        threshold: 10,
      }),
    ],
    { rounds, metrics: [], decision: null },
  );
}

export function errorResults(): Results {
  return results('error', '', [], {
    rounds: [],
    metrics: [],
    decision: null,
    error: {
      stage: 'database',
      message: 'migration 022_phase1.sql failed: relation "chunks" does not exist\nat line 3',
      exitCode: 3,
    },
  });
}
