/**
 * The targets a gate judges, as parsed from the config's readable syntax
 * ("pipeline_time improves >= 20%", "pool_wait_p95 < 10ms", "latency_p95 worsens <= 5%").
 * The parser lives in src/config/targets.ts; evaluation in src/gate/.
 */
export type Comparator = '<' | '<=' | '>' | '>=';

export type Target =
  /** Candidate must beat baseline by at least `minImprovement` (0.20 = 20 %) in the metric's good direction. */
  | { kind: 'improvement'; expression: string; metric: string; minImprovement: number }
  /** Candidate may be worse than baseline by at most `maxRegression` (0.05 = 5 %): a regression guard. */
  | { kind: 'regression'; expression: string; metric: string; maxRegression: number }
  /** The candidate's own value compared with a fixed threshold, in the metric's unit. */
  | { kind: 'absolute'; expression: string; metric: string; comparator: Comparator; threshold: number };

export type TargetStatus = 'pass' | 'fail' | 'inconclusive' | 'no-data';
