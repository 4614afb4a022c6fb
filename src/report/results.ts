/**
 * results.json: the machine-readable outcome of a gate run. Its fields are a public contract
 * (schema/results.schema.json): later versions add fields, never remove or rename these.
 * Change the schema with this file: `perf-gate comment` validates against it and drops what it does not list.
 */
import type { TargetStatus } from '../gate/target.js';
import type { ErrorControl, TargetReason } from '../gate/target-reason.js';
import type { RoundPlanRecord } from '../load/round-plan.js';
import type { MetricDirection, MetricUnit, RoundRecord } from '../model/round-record.js';
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
  /** The confidence level this target's interval was built at after the multiple-comparison adjustment. */
  confidence?: number;
  pValue?: number | null;
  /** The reason in words (src/report/reason-text.ts renders it from `reason`). */
  note?: string;
  /** Why the status, as data: the numbers `note` says in words. Absent in files from versions before it. */
  reason?: TargetReason;
}

export interface MetricSummary {
  name: string;
  unit: MetricUnit;
  direction: MetricDirection;
  source: 'client' | 'server';
  description?: string;
  /** Median over valid rounds of each variant. */
  baseline: number | null;
  candidate: number | null;
  /** Relative change of the paired geometric-mean ratio: −0.25 = 25 % lower. */
  change: number | null;
  ci: [number, number] | null;
  pairs: number;
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
}
