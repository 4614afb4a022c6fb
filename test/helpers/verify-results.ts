/** A canary-vs-stable verify.json with one relative and one absolute target, for report tests. */
import type { VerifyResults } from '../../src/verify/verify-results.js';

export function verifyResultsFixture(overrides: Partial<VerifyResults> = {}): VerifyResults {
  return {
    mode: 'verify',
    comparison: 'canary-vs-stable',
    perfGateVersion: '1.2.3',
    store: 'https://prometheus.example/api/v1/query_range',
    window: { start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z', stepSeconds: 60, rateInterval: '60s' },
    variants: { canary: 'version="canary"', stable: 'version="stable"' },
    metrics: [
      {
        metric: 'pipeline_time',
        queries: { canary: 'sum(rate(a{version="canary"}[60s]))', stable: 'sum(rate(a{version="stable"}[60s]))' },
        paired: 58,
        onlyCanary: 1,
        onlyStable: 0,
        notPositive: 0,
      },
    ],
    targets: [
      {
        expression: 'pipeline_time worsens <= 5%',
        metric: 'pipeline_time',
        kind: 'regression',
        status: 'fail',
        estimate: 0.18,
        interval: [0.1, 0.27],
        confidenceLevel: 0.98,
        pValue: 0.001,
        buckets: 58,
        blockLength: 3,
        lag1Autocorrelation: 0.4,
      },
      {
        expression: 'error_ratio <= 1%',
        metric: 'error_ratio',
        kind: 'absolute',
        status: 'pass',
        estimate: 0.005,
        interval: [0.004, 0.006],
        confidenceLevel: 0.99,
        pValue: 0.001,
        buckets: 58,
        blockLength: 1,
        lag1Autocorrelation: 0,
      },
    ],
    trafficMix: {
      metric: 'request_rate',
      queries: { canary: 'x', stable: 'y' },
      buckets: 58,
      canaryRate: 8.1,
      stableRate: 8,
      ratio: 1.0125,
      expectedRatio: 1,
      maxDifference: 0.2,
      flagged: false,
    },
    statistics: { method: 'm', alpha: 0.02, resamples: 4000, seed: 1, minBuckets: 10 },
    verdict: 'fail',
    ...overrides,
  };
}
