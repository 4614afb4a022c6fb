/**
 * One line of the run history: what a gate run measured, kept small enough to append one per run for
 * years (results.json holds every round; the history keeps only each metric's summary). Pure: the
 * record is built from results.json and the run's context, and checked field by field when read back,
 * because the data branch is a file anyone with write access can edit by hand.
 */
import { createHash } from 'node:crypto';
import { type InputError, invalidValue } from '../errors.js';
import type { TargetStatus } from '../gate/target.js';
import type { MetricDirection, MetricUnit } from '../model/round-record.js';
import type { Results, Verdict } from '../report/results.js';

export const HISTORY_RECORD_VERSION = 1;

/** The machine a run was measured on: numbers from two different machines are not comparable. */
export interface RunnerFingerprint {
  cpuModel: string | null;
  cpuCount: number | null;
  os: string | null;
  nodeVersion: string | null;
  postgresVersion: string | null;
}

/** A metric's paired interval; a null bound is unbounded (too few pairs to close it). */
export interface HistoryInterval {
  lower: number | null;
  upper: number | null;
  /** The confidence level the interval was built at (0.95). */
  level: number;
}

export interface HistoryMetric {
  name: string;
  unit: MetricUnit;
  direction: MetricDirection;
  /** Relative change of the paired geometric-mean ratio, candidate against baseline (−0.25 = 25 % lower). */
  estimate: number | null;
  interval: HistoryInterval | null;
  /** Median over valid rounds of each variant, in the metric's unit. */
  values: { baseline: number | null; candidate: number | null };
  /** Paired rounds behind the estimate. */
  pairs: number;
  /** The targets on this metric and what the gate said of each; empty when none names it. */
  targets: { expression: string; status: TargetStatus }[];
}

export interface HistoryRecord {
  version: typeof HISTORY_RECORD_VERSION;
  /** "owner/name". */
  repository: string;
  /** The branch the measured commit was on ("main", or the pull request's head branch). */
  branch: string;
  /** The measured commit. */
  sha: string;
  /** When the run finished, ISO 8601 in UTC: the record's place in time and the month file it goes in. */
  time: string;
  runId: string;
  runUrl: string | null;
  runner: RunnerFingerprint;
  /** SHA-256 of the configuration text the run used: runs with different settings are not one series. */
  configHash: string;
  verdict: Verdict;
  /** 'aa' marks a noise check (the candidate against itself). */
  mode: 'gate' | 'aa';
  metrics: HistoryMetric[];
}

/** Where and what the run was: what results.json does not hold. */
export interface RecordContext {
  repository: string;
  branch: string;
  sha: string;
  runUrl?: string | null;
  /** `configHash(text)` of the configuration the run used. */
  configHash: string;
  /**
   * The level of the per-metric intervals when results.json has no decision to read it from (a run that
   * failed after measuring). Without either, the intervals are left out: a bound without its level says nothing.
   */
  confidence?: number;
}

/** SHA-256 of the configuration text, hex. */
export function configHash(configText: string): string {
  return createHash('sha256').update(configText, 'utf8').digest('hex');
}

/** JSON has no Infinity: an open bound is written as null. */
function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function runnerFrom(environment: Results['environment']): RunnerFingerprint {
  const cpuCount = environment.cpuCount;
  return {
    cpuModel: stringOrNull(environment.cpuModel),
    cpuCount: typeof cpuCount === 'number' && Number.isInteger(cpuCount) && cpuCount > 0 ? cpuCount : null,
    os: stringOrNull(environment.os),
    nodeVersion: stringOrNull(environment.nodeVersion),
    postgresVersion: stringOrNull(environment.postgres),
  };
}

/**
 * The history record of a run. Every metric results.json summarises is kept, and a metric only a
 * target names (a target with no data) is kept too, so that its `no-data` status is remembered.
 */
export function recordFromResults(results: Results, context: RecordContext): HistoryRecord {
  const level = results.decision?.confidence ?? context.confidence;
  const targetsOf = (metric: string) =>
    results.targets.filter((t) => t.metric === metric).map((t) => ({ expression: t.expression, status: t.status }));
  const metrics: HistoryMetric[] = results.metrics.map((m) => ({
    name: m.name,
    unit: m.unit,
    direction: m.direction,
    estimate: finiteOrNull(m.change),
    interval:
      m.ci && level !== undefined ? { lower: finiteOrNull(m.ci[0]), upper: finiteOrNull(m.ci[1]), level } : null,
    values: { baseline: finiteOrNull(m.baseline), candidate: finiteOrNull(m.candidate) },
    pairs: m.pairs,
    targets: targetsOf(m.name),
  }));
  for (const target of results.targets) {
    if (metrics.some((m) => m.name === target.metric)) continue;
    metrics.push({
      name: target.metric,
      unit: target.unit,
      // A metric without data has no summary to say its direction; the target's kind implies none either.
      direction: 'lower-is-better',
      estimate: null,
      interval: null,
      values: { baseline: null, candidate: null },
      pairs: 0,
      targets: targetsOf(target.metric),
    });
  }
  return {
    version: HISTORY_RECORD_VERSION,
    repository: context.repository,
    branch: context.branch,
    sha: context.sha,
    time: new Date(results.finishedAt).toISOString(),
    runId: results.runId,
    runUrl: context.runUrl ?? null,
    runner: runnerFrom(results.environment),
    configHash: context.configHash,
    verdict: results.verdict,
    mode: results.mode ?? 'gate',
    metrics,
  };
}

/** "records/2026-12.jsonl": the month file of a record, by its time in UTC. */
export function monthFileOf(time: string): string {
  return `records/${time.slice(0, 7)}.jsonl`;
}

/** The month files are named by month so that a reader can skip those before its `since` by name. */
export const MONTH_FILE = /^records\/(\d{4}-\d{2})\.jsonl$/;

// ---- validation of a record read back (or about to be written) ----

const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'inconclusive', 'error'];
const TARGET_STATUSES: readonly TargetStatus[] = ['pass', 'fail', 'inconclusive', 'no-data'];
const UNITS: readonly MetricUnit[] = ['ms', 'ratio', 'req/s', 'count'];
const DIRECTIONS: readonly MetricDirection[] = ['lower-is-better', 'higher-is-better'];
/** A full ISO timestamp in UTC, as `Date.toISOString` writes it: the month file name is its first 7 characters. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

type Check = (value: unknown) => boolean;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text: Check = (value) => typeof value === 'string' && value !== '';
const figure: Check = (value) => value === null || (typeof value === 'number' && Number.isFinite(value));
const oneOf =
  (allowed: readonly string[]): Check =>
  (value) =>
    typeof value === 'string' && allowed.includes(value);
const orNull =
  (check: Check): Check =>
  (value) =>
    value === null || check(value);

/** Checks `fields` of `value` and returns the first failure as an InputError naming the field, or null. */
function checkFields(value: unknown, path: string, fields: Record<string, [Check, string]>): InputError | null {
  if (!isObject(value)) return invalidValue(path || 'record', value, 'an object');
  for (const [key, [check, allowed]] of Object.entries(fields)) {
    if (!check(value[key])) return invalidValue(path ? `${path}.${key}` : key, value[key], allowed);
  }
  return null;
}

function checkMetric(value: unknown, path: string): InputError | null {
  const problem = checkFields(value, path, {
    name: [text, 'a metric name'],
    unit: [oneOf(UNITS), UNITS.join(', ')],
    direction: [oneOf(DIRECTIONS), DIRECTIONS.join(', ')],
    estimate: [figure, 'a finite number or null'],
    interval: [(v) => v === null || isObject(v), 'an object or null'],
    values: [isObject, 'an object { baseline, candidate }'],
    pairs: [(v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number of pairs'],
    targets: [Array.isArray, 'a list of targets'],
  });
  if (problem) return problem;
  const metric = value as Record<string, unknown>;
  if (metric.interval !== null) {
    const level: Check = (v) => typeof v === 'number' && v > 0 && v < 1;
    const bad = checkFields(metric.interval, `${path}.interval`, {
      lower: [figure, 'a finite number or null'],
      upper: [figure, 'a finite number or null'],
      level: [level, 'a level between 0 and 1'],
    });
    if (bad) return bad;
  }
  const values = checkFields(metric.values, `${path}.values`, {
    baseline: [figure, 'a finite number or null'],
    candidate: [figure, 'a finite number or null'],
  });
  if (values) return values;
  const targets = metric.targets as unknown[];
  for (const [index, target] of targets.entries()) {
    const bad = checkFields(target, `${path}.targets[${index}]`, {
      expression: [text, 'a target expression'],
      status: [oneOf(TARGET_STATUSES), TARGET_STATUSES.join(', ')],
    });
    if (bad) return bad;
  }
  return null;
}

/**
 * Checks that `value` is a version-1 history record. Returns the first problem (naming the field, what
 * was there and what is allowed), or null when the record is sound.
 */
export function historyRecordProblem(value: unknown): InputError | null {
  const problem = checkFields(value, '', {
    version: [
      (v) => v === HISTORY_RECORD_VERSION,
      `${HISTORY_RECORD_VERSION} (this perf-gate reads version ${HISTORY_RECORD_VERSION} records)`,
    ],
    repository: [text, 'an "owner/name"'],
    branch: [text, 'a branch name'],
    sha: [(v) => typeof v === 'string' && /^[0-9a-f]{7,64}$/.test(v), 'a commit SHA (hex)'],
    time: [
      (v) => typeof v === 'string' && ISO_UTC.test(v) && !Number.isNaN(Date.parse(v)),
      'an ISO 8601 time in UTC (2026-12-02T09:31:13.464Z)',
    ],
    runId: [text, 'a run id'],
    runUrl: [orNull(text), 'a URL or null'],
    runner: [isObject, 'an object'],
    configHash: [(v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v), 'a SHA-256 (64 hex digits)'],
    verdict: [oneOf(VERDICTS), VERDICTS.join(', ')],
    mode: [oneOf(['gate', 'aa']), 'gate, aa'],
    metrics: [Array.isArray, 'a list of metrics'],
  });
  if (problem) return problem;
  const record = value as Record<string, unknown>;
  const runner = checkFields(record.runner, 'runner', {
    cpuModel: [orNull(text), 'a CPU model or null'],
    cpuCount: [(v) => v === null || (Number.isInteger(v) && (v as number) > 0), 'a CPU count or null'],
    os: [orNull(text), 'an OS description or null'],
    nodeVersion: [orNull(text), 'a Node.js version or null'],
    postgresVersion: [orNull(text), 'a PostgreSQL version or null'],
  });
  if (runner) return runner;
  for (const [index, metric] of (record.metrics as unknown[]).entries()) {
    const bad = checkMetric(metric, `metrics[${index}]`);
    if (bad) return bad;
  }
  return null;
}
