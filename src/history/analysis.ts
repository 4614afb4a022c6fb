/**
 * The questions the history answers, as data: one metric's series, where it stepped (E-divisive change
 * points, src/stats/change-points.ts) and how far it has crept (the chain of paired estimates,
 * src/stats/drift.ts). Pure: records in, numbers out; the CLI words them.
 */
import { type ChangePointAnalysis, changePoints } from '../stats/change-points.js';
import { cumulativeDrift, type PairedChange } from '../stats/drift.js';
import type { HistoryMetric, HistoryRecord, RunnerFingerprint } from './record.js';

/** One recorded run of one metric. */
export interface MetricPoint {
  record: HistoryRecord;
  metric: HistoryMetric;
}

/** The runs that measured `metric`, in the order of the records (oldest first). */
export function metricPoints(records: readonly HistoryRecord[], metric: string): MetricPoint[] {
  return records.flatMap((record) =>
    record.metrics.filter((m) => m.name === metric).map((m) => ({ record, metric: m })),
  );
}

/** The runner kind two absolute values must share to be compared: the CPU model and count. */
export interface RunnerKind {
  cpuModel: string | null;
  cpuCount: number | null;
}

function kindOf(runner: RunnerFingerprint): RunnerKind {
  return { cpuModel: runner.cpuModel, cpuCount: runner.cpuCount };
}

const sameKind = (a: RunnerKind, b: RunnerKind) => a.cpuModel === b.cpuModel && a.cpuCount === b.cpuCount;

export interface ChangeSearch {
  significance: number;
  minSegmentSize: number;
  /** At most this many changes are reported (the largest divergences first). */
  maxChangePoints?: number;
}

export interface MetricChange {
  /** The first run after the change: its commit is where the metric stepped. */
  sha: string;
  time: string;
  runId: string;
  /** Median of the measured value before and after the change, in the metric's unit. */
  before: { median: number; runs: number };
  after: { median: number; runs: number };
  /** after.median / before.median − 1 (+0.10 = 10 % higher); null when a value is not positive. */
  relativeChange: number | null;
  pValue: number;
  confidence: number;
}

export interface ChangeReport {
  metric: string;
  unit: HistoryMetric['unit'] | null;
  /** The runner kind whose runs were searched: the one with the most runs of the metric (the latest on a tie). */
  runner: RunnerKind | null;
  /** Runs searched, and runs left out because another runner kind measured them or they have no value. */
  runs: number;
  leftOut: { otherRunners: number; noValue: number };
  significance: number;
  minSegmentSize: number;
  /** Too few runs for two segments of minSegmentSize: nothing was searched. */
  tooFewRuns: boolean;
  changes: MetricChange[];
  stoppedBy: ChangePointAnalysis['stoppedBy'] | null;
}

/** The runner kind with the most runs; on a tie, the one that ran last. */
function busiestKind(points: readonly MetricPoint[]): RunnerKind | null {
  const counts: { kind: RunnerKind; runs: number; last: number }[] = [];
  points.forEach((point, index) => {
    const kind = kindOf(point.record.runner);
    const entry = counts.find((c) => sameKind(c.kind, kind));
    if (entry) {
      entry.runs += 1;
      entry.last = index;
    } else counts.push({ kind, runs: 1, last: index });
  });
  counts.sort((a, b) => b.runs - a.runs || b.last - a.last);
  return counts[0]?.kind ?? null;
}

/**
 * Where the candidate's measured value of `metric` stepped. Absolute values are only comparable on one
 * kind of machine, so only the runs of one runner kind are searched; the others are counted as left out.
 */
export function metricChanges(records: readonly HistoryRecord[], metric: string, search: ChangeSearch): ChangeReport {
  const all = metricPoints(records, metric);
  const withValue = all.filter((p) => p.metric.values.candidate !== null);
  const runner = busiestKind(withValue);
  const points = runner ? withValue.filter((p) => sameKind(kindOf(p.record.runner), runner)) : [];
  const report: ChangeReport = {
    metric,
    unit: all[0]?.metric.unit ?? null,
    runner,
    runs: points.length,
    leftOut: { otherRunners: withValue.length - points.length, noValue: all.length - withValue.length },
    significance: search.significance,
    minSegmentSize: search.minSegmentSize,
    tooFewRuns: points.length < 2 * search.minSegmentSize,
    changes: [],
    stoppedBy: null,
  };
  if (report.tooFewRuns) return report;
  const values = points.map((p) => p.metric.values.candidate as number);
  const analysis = changePoints(values, {
    significance: search.significance,
    minSegmentSize: search.minSegmentSize,
    maxChangePoints: search.maxChangePoints ?? 10,
  });
  report.stoppedBy = analysis.stoppedBy;
  report.changes = analysis.changePoints.map((point) => {
    const first = points[point.index]!.record;
    return {
      sha: first.sha,
      time: first.time,
      runId: first.runId,
      before: { median: point.before.median, runs: point.before.end - point.before.start },
      after: { median: point.after.median, runs: point.after.end - point.after.start },
      relativeChange: point.relativeChange,
      pValue: point.pValue,
      confidence: point.confidence,
    };
  });
  return report;
}

export interface DriftLink {
  sha: string;
  time: string;
  /** The gate's paired estimate of this change (+0.02 = 2 % higher) and its share of the cumulative log change. */
  change: number;
  share: number | null;
}

export interface DriftReport {
  metric: string;
  /** Changes in the chain; recorded runs of the metric left out, and why. */
  changes: number;
  leftOut: { noInterval: number; repeatedCommit: number };
  /** Cumulative relative change (+0.105 = 10.5 % higher) and its interval at `level`. */
  change: number;
  lower: number;
  upper: number;
  level: number;
  /** The changes with the largest share of the cumulative change, largest first. */
  contributors: DriftLink[];
}

/**
 * The cumulative change of `metric` over the recorded runs (oldest first), each the gate's paired
 * estimate of one commit against its parent. A commit measured more than once counts once (its latest
 * run); a run without a closed interval cannot say how uncertain its link is and is left out.
 */
export function metricDrift(
  records: readonly HistoryRecord[],
  metric: string,
  options: { level?: number; top?: number } = {},
): DriftReport {
  const points = metricPoints(records, metric);
  const latestOf = new Map<string, MetricPoint>();
  for (const point of points) latestOf.set(point.record.sha, point);
  const chain: { point: MetricPoint; change: PairedChange }[] = [];
  let noInterval = 0;
  for (const point of latestOf.values()) {
    const { estimate, interval } = point.metric;
    if (
      estimate === null ||
      interval === null ||
      interval.lower === null ||
      interval.upper === null ||
      !(interval.lower <= estimate && estimate <= interval.upper) ||
      interval.lower <= -1
    ) {
      noInterval += 1;
      continue;
    }
    chain.push({
      point,
      change: {
        id: point.record.sha,
        ratio: 1 + estimate,
        lower: 1 + interval.lower,
        upper: 1 + interval.upper,
        level: interval.level,
      },
    });
  }
  const level = options.level ?? 0.95;
  const drift = cumulativeDrift(
    chain.map((link) => link.change),
    level,
  );
  const bySha = new Map(chain.map((link) => [link.point.record.sha, link.point]));
  return {
    metric,
    changes: chain.length,
    leftOut: { noInterval, repeatedCommit: points.length - latestOf.size },
    change: drift.ratio - 1,
    lower: drift.lower - 1,
    upper: drift.upper - 1,
    level,
    contributors: drift.contributions
      .slice(0, options.top ?? 5)
      .map((c) => ({ sha: c.id, time: bySha.get(c.id)!.record.time, change: c.ratio - 1, share: c.share })),
  };
}
