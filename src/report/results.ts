/**
 * results.json: the machine-readable outcome of a gate run. Its fields are a public contract
 * (schema/results.schema.json): later versions add fields, never remove or rename these.
 * Change the schema with this file: `perf-gate comment` validates against it and drops what it does not list.
 */
import type { TargetStatus } from '../gate/target.js';
import type { ErrorControl, TargetReason } from '../gate/target-reason.js';
import type { RoundPlanRecord } from '../load/round-plan.js';
import type { MetricDirection, MetricUnit, RoundRecord, ValueBound } from '../model/round-record.js';
import type { IntervalMethod } from '../stats/location-analysis.js';

export const RESULTS_SCHEMA_VERSION = 1;

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';

export interface TargetResult {
  expression: string;
  metric: string;
  kind: 'improvement' | 'regression' | 'absolute';
  status: TargetStatus;
  /** Relative targets: candidate/baseline − 1 (−0.25 = 25 % lower). Absolute targets: the candidate's value. */
  estimate: number | null;
  ci: [number, number] | null;
  unit: MetricUnit;
  /** The bound the interval was compared with, in the same terms as `estimate`. */
  threshold: number;
  /** The smallest relative change this run could have detected for the metric, when known. */
  minimumDetectableEffect?: number | null;
  /**
   * Relative targets measured over several starts of the backends (`load.processes` above 1): the starts the
   * interval rests on (its units) and the pairs each measured. Absent with one start.
   */
  processes?: { count: number; pairs: number[] };
  /** The confidence level this target's interval was built at after the multiple-comparison adjustment. */
  confidence?: number;
  pValue?: number | null;
  /** The reason in words (src/report/reason-text.ts renders it from `reason`). */
  note?: string;
  /** Why the status, as data: the numbers `note` says in words. Absent in files from versions before it. */
  reason?: TargetReason;
  /**
   * The per-variant figures the report shows beside `estimate`, chosen to agree with it (see VariantFigures).
   * Absent in files from versions before it.
   */
  figures?: VariantFigures;
  /**
   * A/A mode (`mode: 'aa'`): the configured targets on this metric that this zero-tolerance guard was judged
   * in place of ("latency_p95 worsens <= 5%" judged as "latency_p95 worsens <= 0%").
   */
  replaces?: string[];
  /**
   * Set when some of the rounds behind this target hold a histogram quantile that is bucket-bound (see
   * RoundRecord.bounds): the estimate and interval are then bucket interpolation for those rounds, and
   * this is what the buckets guarantee instead.
   */
  bucketBound?: TargetBucketBound;
}

/**
 * Baseline and candidate figures that agree with a change: one is measured and the other follows from it,
 * so that candidate = baseline × (1 + change) holds in every row the report shows.
 */
export interface VariantFigures {
  /** In the metric's unit. */
  baseline: number | null;
  candidate: number | null;
  /**
   * Which figure follows from the other and the paired change:
   * - 'candidate': the baseline is the geometric mean of the baseline rounds in the pairs used, the
   *   candidate is baseline × (1 + change) (relative targets, and metrics no absolute target judges);
   * - 'baseline': the candidate is an absolute target's estimate (its own value), the baseline is
   *   candidate / (1 + change);
   * - null: there is no paired change, and each figure is its variant's own estimate by the same method.
   */
  implied: 'baseline' | 'candidate' | null;
}

export interface TargetBucketBound extends ValueBound {
  /** Rounds (absolute targets) or pairs (relative ones) used in which the metric is bucket-bound. */
  bound: number;
  /** Rounds or pairs used in all. */
  samples: number;
}

export interface MetricSummary {
  name: string;
  unit: MetricUnit;
  direction: MetricDirection;
  source: 'client' | 'server';
  description?: string;
  /** Median over valid rounds of each variant (the report shows `figures`, which agree with `change`). */
  baseline: number | null;
  candidate: number | null;
  /**
   * Relative change, candidate against baseline, of the paired rounds: −0.25 = 25 % lower. Estimated by
   * `method` (before `method` was recorded: the geometric-mean ratio), and when a relative target names the
   * metric, exactly that target's estimate and interval (`target`).
   */
  change: number | null;
  ci: [number, number] | null;
  pairs: number;
  /** Baseline and candidate figures that agree with `change`. Absent in files from versions before it. */
  figures?: VariantFigures;
  /** How `change` and `ci` were estimated. */
  method?: IntervalMethod;
  /** The level of `ci`: a target's level after the multiple-comparison adjustment, else the configured one. */
  confidence?: number;
  /** The target whose evaluation `change` and `ci` repeat, when one judges the metric. */
  target?: string;
}

export interface DecisionInfo {
  confidence: number;
  /** How the intervals were built, in words; `intervalMethods` as data. */
  method: string;
  /** How the family-wise error is controlled, in words; `errorControl` as data. */
  multipleComparisons: string;
  /** The interval methods the targets used (absent in files from versions before it). */
  intervalMethods?: IntervalMethod[];
  /** The family-wise error control as data (absent in files from versions before it). */
  errorControl?: ErrorControl;
  plannedPairs: number;
  measuredPairs: number;
  validPairs: number;
  stoppingReason: string;
}

/** `gate.budget` in results.json: milliseconds of measuring time (warm-up and rounds). */
export interface BudgetResult {
  plannedMs: number;
  usedMs: number;
  roundDurationMs: number;
  maxPairs: number;
}

export interface EnvironmentInfo {
  [key: string]: unknown;
}

/** One window of the rehearsal's traffic: before the migration, during it, after it. */
export interface RehearsalWindowResult {
  requests: number;
  failed: number;
  errorRate: number;
  latencyMs: { p50: number; p99: number; max: number };
}

/** What applying the migrations under traffic did (see src/pipeline/rehearsal.ts). */
export interface MigrationRehearsalResult {
  migrations: { name: string; durationMs: number }[];
  /** The migration failed (a lock_timeout under traffic, say); the message. */
  error?: string;
  /** A migration command whose sessions could not be told apart: its lock waits were not watched, and why. */
  unattributed?: string;
  durationMs: number;
  blockedMaxMs: number;
  blockedSessions: number;
  migrationWaitedMaxMs: number;
  waits: {
    side: 'blocked-by-migration' | 'migration-blocked';
    relation: string;
    mode: string;
    command: string;
    startMs: number;
    durationMs: number;
    ongoing: boolean;
  }[];
  tables: { relation: string; rows: number; bytes: number }[];
  before: RehearsalWindowResult;
  during: RehearsalWindowResult;
  after: RehearsalWindowResult;
  rate: number;
  sampling: { intervalMs: number; samples: number };
  /**
   * The traffic over time, for the timeline in the HTML report: each slice's latency, the migration's
   * start (ms since the traffic started) and the lock sampler's start, from which each wait's startMs
   * counts. Absent in files written before it existed.
   */
  timeline?: RehearsalTimeline;
}

export interface RehearsalTimeline {
  migrationStartMs: number;
  samplerStartMs: number;
  slices: {
    phase: 'before' | 'during' | 'after';
    startMs: number;
    durationMs: number;
    requests: number;
    failed: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
  }[];
}

/** squawk's findings on the migrations the run applied, or why there are none. */
export interface MigrationLintResult {
  squawkVersion: string | null;
  findings: {
    file: string;
    line: number;
    column: number;
    level: 'error' | 'warning';
    rule: string;
    message: string;
    help?: string;
  }[];
  /** Set when nothing was linted: why (squawk not installed, no pending file). */
  note?: string;
}

/** One recorded run's value of a metric, in a trend. */
export interface TrendPoint {
  sha: string;
  time: string;
  value: number;
}

/** Where a run lands among the runs recorded on its base branch (src/history/trend.ts). */
export interface MetricTrend {
  metric: string;
  unit: MetricUnit;
  /** The branch whose recorded runs these are. */
  branch: string;
  /** Oldest first; a commit recorded more than once counts once, at its latest run. */
  points: TrendPoint[];
  /** This run's value of the metric (the candidate's median); null when it has none. */
  current: number | null;
  /** Recorded runs on the branch left out: measured on another kind of runner, or without a value. */
  leftOut: { otherRunner: number; noValue: number };
}

/**
 * A release gate's drift since the previous release (src/history/release-drift.ts): per relative target
 * metric, the base branch's cumulative change over the changes gated since that release.
 */
export interface ReleaseDrift {
  /** The previous release's tag and commit. */
  since: string;
  sha: string;
  branch: string;
  /** Two-sided level of the intervals. */
  level: number;
  metrics: {
    metric: string;
    unit: MetricUnit;
    /** Changes in the chain. */
    changes: number;
    /** Cumulative relative change (+0.031 = 3.1 % higher) and its interval. */
    change: number;
    interval: [number, number];
    /** The changes with the largest share of it, largest first; `share` null when the total is too small to share. */
    contributors: { sha: string; change: number; share: number | null }[];
  }[];
  /** Why there are no metrics, when there are none. */
  note?: string;
}

export interface Results {
  schemaVersion: number;
  tool: { name: 'perf-gate'; version: string };
  runId: string;
  startedAt: string;
  finishedAt: string;
  config: string;
  verdict: Verdict;
  /** One line, the comment's first line: "✅ all 5 targets met". */
  headline: string;
  targets: TargetResult[];
  metrics: MetricSummary[];
  rounds: RoundRecord[];
  decision: DecisionInfo | null;
  migration: unknown;
  environment: EnvironmentInfo;
  /** Why the run has no verdict; `signal` when a SIGINT or SIGTERM stopped it during `stage`. */
  error?: { stage: string; message: string; exitCode: number; signal?: string };
  /** 'aa' when the candidate was measured against itself (perf-gate run --aa): a noise check. */
  mode?: 'gate' | 'aa';
  /**
   * The pull request the run measured, when there was one. A later `perf-gate comment` (the
   * workflow_run half of the fork-safe pattern) uses it only after checking the PR's head commit.
   */
  pullRequest?: { number: number; headSha: string };
  /** How the round order was drawn, so a run stays explainable after the generator changes. */
  plan?: RoundPlanRecord;
  /** The measuring budget (gate.budget) and how much of it the bench used; absent without a budget. */
  budget?: BudgetResult;
  /** The migrations under test applied while the baseline served traffic. */
  rehearsal?: MigrationRehearsalResult;
  migrationLint?: MigrationLintResult;
  /** Where this run lands among the runs recorded on its base branch; absent without a history. */
  trends?: MetricTrend[];
  /** A release gate with a history: the drift of the base branch since the previous release. */
  releaseDrift?: ReleaseDrift;
}
