/**
 * How perf-gate marks what it starts, so it can find it again and never touch anything else.
 *
 * Containers carry Docker labels; local processes carry the same facts as environment variables
 * (readable in /proc/<pid>/environ on Linux). The facts:
 *   perf-gate.managed=true          started by perf-gate
 *   perf-gate.run-id=<id>           the run (unique per job attempt, see `makeRunId`)
 *   perf-gate.variant=<v>           baseline | candidate
 *   perf-gate.job-key=<key>         optional: repository/workflow/job, the same for every run of a job
 *   perf-gate.expires-at=<seconds>  the run's deadline (Unix seconds): boot time + the run's TTL
 *
 * What counts as a leftover (`selectLeftovers`): managed, not of the current run, matching the
 * job key when one is given, and past its deadline. The deadline is what keeps parallel jobs of
 * other runs safe: a run that is still going is, by construction, before its deadline, while a run
 * killed hard (runner crash, SIGKILL) leaves containers that expire and are then removed by the next
 * run on the machine. The TTL should be the job's `timeout-minutes` (GitHub cancels a job at that
 * point, docs.github.com "jobs.<job_id>.timeout-minutes"), so an expired container's run is over.
 * A run's own containers are removed by run id (its state file), never by this rule.
 */
import type { Variant } from './backend-spec.js';

export const LABEL = {
  managed: 'perf-gate.managed',
  runId: 'perf-gate.run-id',
  variant: 'perf-gate.variant',
  jobKey: 'perf-gate.job-key',
  expiresAt: 'perf-gate.expires-at',
} as const;

const ENV_FOR_LABEL: Record<string, string> = {
  [LABEL.managed]: 'PERF_GATE_MANAGED',
  [LABEL.runId]: 'PERF_GATE_RUN_ID',
  [LABEL.variant]: 'PERF_GATE_VARIANT',
  [LABEL.jobKey]: 'PERF_GATE_JOB_KEY',
  [LABEL.expiresAt]: 'PERF_GATE_EXPIRES_AT',
};

/** Default TTL: GitHub's default job timeout is 360 minutes. Callers should pass the real one. */
export const DEFAULT_TTL_MS = 360 * 60 * 1000;

export interface RunIdentity {
  runId: string;
  jobKey?: string;
  /** Deadline in epoch milliseconds. */
  expiresAtMs: number;
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; anything else in a run id becomes '-'. */
export function sanitizeName(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return cleaned.slice(0, 100) || 'run';
}

export function containerName(runId: string, variant: Variant): string {
  return `perf-gate-${sanitizeName(runId)}-${variant}`;
}

/**
 * A run id unique per job attempt: GitHub's run id and attempt plus the job, and caller-supplied
 * entropy so two matrix legs of one job (same GITHUB_JOB) never share it.
 */
export function makeRunId(env: Record<string, string | undefined>, entropy: string): string {
  const parts = [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB].filter((p): p is string => !!p);
  return sanitizeName([...(parts.length > 0 ? parts : ['local']), entropy].join('-'));
}

export function labelsFor(identity: RunIdentity, variant: Variant): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.managed]: 'true',
    [LABEL.runId]: identity.runId,
    [LABEL.variant]: variant,
    [LABEL.expiresAt]: String(Math.ceil(identity.expiresAtMs / 1000)),
  };
  if (identity.jobKey) labels[LABEL.jobKey] = identity.jobKey;
  return labels;
}

/** The labels as environment variables for a local process. */
export function labelsToEnv(labels: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [label, value] of Object.entries(labels)) {
    const name = ENV_FOR_LABEL[label];
    if (name) env[name] = value;
  }
  return env;
}

/** Reads the labels back from a process environment; undefined when it is not one of ours. */
export function labelsFromEnv(env: Record<string, string>): Record<string, string> | undefined {
  if (env[ENV_FOR_LABEL[LABEL.managed]!] !== 'true') return undefined;
  const labels: Record<string, string> = {};
  for (const [label, name] of Object.entries(ENV_FOR_LABEL)) {
    const value = env[name];
    if (value !== undefined) labels[label] = value;
  }
  return labels;
}

/** Parses /proc/<pid>/environ: NUL-separated NAME=VALUE pairs. */
export function parseEnviron(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

export interface LeftoverCriteria {
  /** Epoch milliseconds. */
  now: number;
  /** Never select this run's own resources. */
  currentRunId?: string;
  /** Only resources of this job key. */
  jobKey?: string;
}

export type LeftoverVerdict = { leftover: true } | { leftover: false; why: string };

/** Decides whether one labelled resource is a leftover of an earlier run; see the file comment. */
export function judgeLeftover(labels: Record<string, string>, criteria: LeftoverCriteria): LeftoverVerdict {
  if (labels[LABEL.managed] !== 'true') return { leftover: false, why: 'not started by perf-gate' };
  const runId = labels[LABEL.runId];
  if (criteria.currentRunId !== undefined && runId === criteria.currentRunId)
    return { leftover: false, why: 'belongs to the current run' };
  if (criteria.jobKey !== undefined && labels[LABEL.jobKey] !== criteria.jobKey)
    return { leftover: false, why: 'another job key' };
  const expires = Number(labels[LABEL.expiresAt]);
  // No readable deadline: we cannot prove the run is over, so leave it alone.
  if (!Number.isFinite(expires)) return { leftover: false, why: 'no deadline label' };
  if (expires * 1000 > criteria.now) return { leftover: false, why: `run ${runId ?? '?'} is before its deadline` };
  return { leftover: true };
}

export function selectLeftovers<T extends { labels: Record<string, string> }>(
  resources: readonly T[],
  criteria: LeftoverCriteria,
): T[] {
  return resources.filter((resource) => judgeLeftover(resource.labels, criteria).leftover);
}
