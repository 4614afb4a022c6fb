/**
 * Why the gate decided what it did, as data: the numbers behind each target's status and behind the
 * control of the family-wise error. The gate never words them; src/report/reason-text.ts does, so a
 * change of wording is a change of the report alone and a reader of results.json gets the numbers.
 */
import type { ErrorCounts, MetricUnit } from '../model/round-record.js';
import type { IntervalMethod } from '../stats/location-analysis.js';
import type { ExclusionCause } from '../stats/paired-rounds.js';
import type { SpendingFunction } from '../stats/sequential.js';
import type { TargetStatus } from './target.js';

/** The candidate's requests over its valid rounds, when in at least one of them no request succeeded. */
export interface CandidateFailures {
  /** Valid candidate rounds. */
  rounds: number;
  /** Those in which not one request succeeded. */
  roundsWithoutSuccess: number;
  requests: number;
  failed: number;
  /** Failures by kind, summed over the rounds. */
  errors: ErrorCounts;
}

/** Exclusions of one cause (and the same details), with how many pairs or rounds it left out. */
export type ExclusionCount = { count: number } & ExclusionCause;

/**
 * One target's reason. `relative` says how to read the figures: true, a fraction change of
 * candidate over baseline judged on pairs; false, the candidate's own values in `unit` judged on rounds.
 */
export type TargetReason =
  /** The interval was computed and compared with the threshold. */
  | {
      kind: 'decided';
      status: Exclude<TargetStatus, 'no-data'>;
      relative: boolean;
      unit: MetricUnit;
      samples: number;
      estimate: number;
      interval: [number, number];
      /** The confidence level of `interval`: 1 − the alpha of this target's Holm step. */
      level: number;
      threshold: number;
      /** What the other interval method says at the same level. */
      crossCheck: { method: IntervalMethod; status: Exclude<TargetStatus, 'no-data'>; agrees: boolean };
      /**
       * A rate judged on its pooled counts: `events` of `trials` over `samples` rounds, with the
       * dispersion φ between rounds the interval allowed for (1 = binomial).
       */
      counts?: { events: number; trials: number; dispersion: number };
      /** Pairs from several starts of the backends: the starts, the interval's units. */
      starts?: number;
    }
  /** Enough samples for the gate, too few for a distribution-free interval at this level: it is unbounded. */
  | { kind: 'too-few-samples'; relative: boolean; samples: number; level: number; needed: number }
  /** Fewer valid pairs (or candidate rounds) than `gate.minPairs`; what was left out, by cause. */
  | {
      kind: 'no-data';
      relative: boolean;
      samples: number;
      needed: number;
      excluded: ExclusionCount[];
      /** Pairs from several starts of the backends: the starts they came from (at least 2 needed). */
      starts?: number;
    }
  /**
   * Failed without an interval: a valid candidate round answered no request successfully. `metricKind`
   * says why that fails this target: an error rate of 1, a latency no request met, or work not done.
   */
  | { kind: 'candidate-failed'; metricKind: 'error-rate' | 'latency' | 'other'; failures: CandidateFailures }
  /**
   * A target on the migration rehearsal (src/model/rehearsal-metrics.ts): one measured value against the
   * threshold, no interval. `relative`: the value while the migration ran over `reference`, the value just
   * before it, minus 1. No `status` when there is no figure to judge (`notRun` says why); `migrationError`
   * when the migrations failed under traffic, which fails the target whatever the figures.
   */
  | {
      kind: 'rehearsal';
      status?: 'pass' | 'fail';
      relative: boolean;
      unit: MetricUnit;
      threshold: number;
      measured?: number;
      reference?: number;
      notRun?: string;
      migrationError?: string;
    }
  /**
   * A drift target (src/history/drift-target.ts): the cumulative change of the metric over the `changes`
   * recorded on the base branch since `since`, each a gate's paired estimate of one commit against its
   * parent, with the interval at `level` that accumulates their uncertainty. No `status`, and `notRun`,
   * when there is no history or no recorded change to judge.
   */
  | {
      kind: 'drift';
      status?: Exclude<TargetStatus, 'no-data'>;
      relative: true;
      unit: MetricUnit;
      threshold: number;
      since: string;
      changes: number;
      estimate?: number;
      interval?: [number, number];
      level?: number;
      /** The recorded changes with the largest share of the drift, largest first. */
      contributors?: { sha: string; change: number }[];
      notRun?: string;
    };

/**
 * How the chance of a wrong pass or fail is bounded over all targets at this look. `procedure` is
 * 'holm' when two or more targets were judged with an interval, 'single-interval' when at most one
 * was, and 'none' when none was and some failed outright.
 */
export interface ErrorControl {
  procedure: 'none' | 'single-interval' | 'holm';
  /** Two-sided family-wise alpha at this look; a false alarm (a wrong fail) is at most alpha / 2. */
  alpha: number;
  /** Targets judged with an interval (the Holm family). */
  judged: number;
  /** Holm: the confidence levels of its first and last step, 1 − alpha / judged and 1 − alpha. */
  levels?: { first: number; last: number };
  /** Targets with too few samples, not judged (inconclusive). */
  notJudged: number;
  /** Targets failed without a test because the candidate answered no request in some round. */
  failedWithoutTest?: { targets: number; failures: CandidateFailures };
  /** Bounded sequential testing: this is look `look` of `looks`, spending `alphaOverAllLooks` in all. */
  sequential?: { look: number; looks: number; alphaOverAllLooks: number; spending: SpendingFunction };
}
