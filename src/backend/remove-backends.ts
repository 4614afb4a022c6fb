/**
 * Removal of what a run started: by its state file (the action's `if: always()` cleanup step, a
 * separate process) and by labels (leftovers of an earlier run that was killed too hard to clean
 * up; see run-labels.ts for what counts as a leftover). Logs are saved before anything is removed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, InfrastructureError } from '../errors.js';
import type { Logger } from '../log.js';
import { saveContainerLogs } from './backend-logs.js';
import { readState, type StateEntry, StateWriter } from './backend-state.js';
import { DockerCli } from './docker-cli.js';
import { isGroupAlive, readProcStat, stopProcessGroup } from './process-control.js';
import {
  judgeLeftover,
  LABEL,
  type LeftoverCriteria,
  labelsFromEnv,
  parseEnviron,
  sanitizeName,
} from './run-labels.js';

export interface CleanupDeps {
  log: Logger;
  /** Created on demand when a container has to be removed. */
  docker?: DockerCli;
  /** Grace period between SIGTERM and SIGKILL for local processes. */
  graceMs?: number;
}

function describeEntry(entry: StateEntry): string {
  return entry.kind === 'container'
    ? `container ${entry.name}`
    : `process group ${entry.pgid} (${entry.command.join(' ')})`;
}

/** Stops and removes one started backend, saving a container's output to its log path first. */
export async function removeEntry(entry: StateEntry, deps: CleanupDeps): Promise<string> {
  if (entry.kind === 'container') {
    const docker = deps.docker ?? new DockerCli();
    const ref = entry.containerId ?? entry.name;
    const saved = await saveContainerLogs(docker, ref, entry.logPath).catch((error: unknown) => {
      deps.log.warning(`could not save the output of ${describeEntry(entry)}: ${errorMessage(error)}`);
      return false;
    });
    await docker.rm([ref]);
    return saved
      ? `removed ${describeEntry(entry)}; its output is in ${entry.logPath}`
      : `${describeEntry(entry)} was already gone`;
  }
  const outcome = await stopProcessGroup(entry, deps.graceMs);
  const said = {
    'not-running': 'had already exited',
    terminated: 'stopped with SIGTERM',
    killed: 'did not stop on SIGTERM and was killed',
    'pid-reused': 'is gone (its pid now belongs to another process, left alone)',
  }[outcome];
  return `${describeEntry(entry)} ${said}; its output is in ${entry.logPath}`;
}

/**
 * Removes every entry of `writer`'s state not yet removed, recording progress in the file. Tries all
 * entries even when one fails, then throws one error listing the failures.
 */
export async function removeAll(writer: StateWriter, deps: CleanupDeps): Promise<void> {
  const failures: string[] = [];
  const pending = writer.state.entries.filter((entry) => !entry.removed);
  const needsDocker = pending.some((entry) => entry.kind === 'container');
  const shared: CleanupDeps = needsDocker && !deps.docker ? { ...deps, docker: new DockerCli() } : deps;
  await Promise.all(
    pending.map(async (entry) => {
      try {
        shared.log.info(await removeEntry(entry, shared));
        await writer.update(() => {
          entry.removed = true;
        });
      } catch (error) {
        failures.push(`${entry.variant}: ${describeEntry(entry)}: ${errorMessage(error)}`);
      }
    }),
  );
  if (failures.length > 0)
    throw new InfrastructureError(`backend cleanup left something behind:\n${failures.join('\n')}`);
  await writer.update((state) => {
    state.finishedAt = new Date().toISOString();
  });
}

/**
 * Removes what the run recorded in `statePath` started. A missing state file means nothing was
 * started (the run failed earlier): not an error. Safe to call twice.
 */
export async function removeBackendsFromState(
  statePath: string,
  log: Logger,
  deps: Omit<CleanupDeps, 'log'> = {},
): Promise<void> {
  const state = await readState(statePath);
  if (!state) {
    log.info(`no backend state at ${statePath}: nothing to clean up`);
    return;
  }
  const pending = state.entries.filter((entry) => !entry.removed);
  if (pending.length === 0) {
    log.info(`backends of run ${state.runId} were already removed`);
    return;
  }
  log.info(`cleaning up ${pending.length} backend(s) of run ${state.runId}`);
  await removeAll(new StateWriter(statePath, state), { ...deps, log });
}

export interface LeftoverSweepOptions extends Partial<LeftoverCriteria> {
  /** Where to save the output of removed containers (file per container); omitted: not saved. */
  logDir?: string;
  docker?: DockerCli;
  /** Also sweep local processes (Linux /proc); default true. */
  processes?: boolean;
  /** Also sweep containers; default true. Set false on machines without Docker. */
  containers?: boolean;
  graceMs?: number;
}

export interface LeftoverSweepResult {
  containers: string[];
  processGroups: number[];
}

interface LabelledProcess {
  pid: number;
  pgid: number;
  startTicks: string;
  labels: Record<string, string>;
}

/** Processes started by perf-gate (found by their PERF_GATE_* environment); Linux only. */
export function listManagedProcesses(): LabelledProcess[] {
  if (process.platform !== 'linux') return [];
  const found: LabelledProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    const labels = labelsFromEnv(parseEnviron(environ));
    const stat = labels ? readProcStat(pid) : undefined;
    if (labels && stat && stat.state !== 'Z') found.push({ pid, pgid: stat.pgid, startTicks: stat.startTicks, labels });
  }
  return found;
}

/**
 * Removes leftovers of earlier runs: containers and local process groups that perf-gate started,
 * that are not of `currentRunId`, match `jobKey` when given, and are past their deadline.
 */
export async function removeLeftovers(options: LeftoverSweepOptions, log: Logger): Promise<LeftoverSweepResult> {
  const criteria: LeftoverCriteria = {
    now: options.now ?? Date.now(),
    currentRunId: options.currentRunId,
    jobKey: options.jobKey,
  };
  const result: LeftoverSweepResult = { containers: [], processGroups: [] };
  if (options.containers !== false) {
    const docker = options.docker ?? new DockerCli();
    const filter: Record<string, string> = { [LABEL.managed]: 'true' };
    if (criteria.jobKey !== undefined) filter[LABEL.jobKey] = criteria.jobKey;
    const summaries = await docker.psByLabel(filter);
    const inspected = await docker.inspectContainers(summaries.map((s) => s.ID));
    for (const container of inspected) {
      const labels = container.Config.Labels ?? {};
      const verdict = judgeLeftover(labels, criteria);
      const name = container.Name.replace(/^\//, '');
      if (!verdict.leftover) {
        log.debug(`container ${name} kept: ${verdict.why}`);
        continue;
      }
      if (options.logDir) {
        const path = join(options.logDir, `leftover-${sanitizeName(name)}.log`);
        await saveContainerLogs(docker, container.Id, path).catch((error: unknown) => {
          log.warning(`could not save the output of leftover container ${name}: ${errorMessage(error)}`);
        });
      }
      await docker.rm([container.Id]);
      log.info(`removed leftover container ${name} of run ${labels[LABEL.runId] ?? '?'} (deadline passed)`);
      result.containers.push(name);
    }
  }
  if (options.processes !== false) {
    const ownGroup = readProcStat(process.pid)?.pgid;
    const groups = new Map<number, LabelledProcess>();
    for (const proc of listManagedProcesses()) {
      if (proc.pgid === ownGroup || !judgeLeftover(proc.labels, criteria).leftover) continue;
      // Prefer the group leader's record: its start time guards the whole group.
      const known = groups.get(proc.pgid);
      if (!known || proc.pid === proc.pgid) groups.set(proc.pgid, proc);
    }
    for (const [pgid, proc] of groups) {
      const outcome = await stopProcessGroup(
        { pid: proc.pid, pgid, startTicks: proc.pid === pgid ? proc.startTicks : undefined },
        options.graceMs,
      );
      log.info(`leftover process group ${pgid} of run ${proc.labels[LABEL.runId] ?? '?'}: ${outcome}`);
      if (outcome === 'terminated' || outcome === 'killed') result.processGroups.push(pgid);
    }
  }
  return result;
}

/** A backend process group started for `runId`, found by the labels in its environment. */
function runProcessGroups(runId: string): Map<number, LabelledProcess> {
  const ownGroup = readProcStat(process.pid)?.pgid;
  const groups = new Map<number, LabelledProcess>();
  for (const proc of listManagedProcesses()) {
    if (proc.pgid === ownGroup || proc.labels[LABEL.runId] !== runId) continue;
    const known = groups.get(proc.pgid);
    if (!known || proc.pid === proc.pgid) groups.set(proc.pgid, proc);
  }
  return groups;
}

/**
 * Removes whatever still carries `runId`'s labels: containers (only when `containers` is set, so a
 * machine without Docker is not asked) and local process groups. This covers what the state file
 * could not record in time, e.g. a process whose record was still being written when a signal came.
 */
export async function removeRunResources(
  runId: string,
  options: { containers: boolean; log: Logger; docker?: DockerCli; graceMs?: number },
): Promise<string[]> {
  const removed: string[] = [];
  if (options.containers) {
    const docker = options.docker ?? new DockerCli();
    const found = await docker.psByLabel({ [LABEL.runId]: runId });
    if (found.length > 0) {
      await docker.rm(found.map((c) => c.ID));
      for (const c of found) removed.push(`container ${c.Names}`);
    }
  }
  for (const [pgid, proc] of runProcessGroups(runId)) {
    const outcome = await stopProcessGroup(
      { pid: proc.pid, pgid, startTicks: proc.pid === pgid ? proc.startTicks : undefined },
      options.graceMs,
    );
    if (outcome === 'terminated' || outcome === 'killed') removed.push(`process group ${pgid}`);
  }
  for (const what of removed)
    options.log.info(`removed ${what} of run ${runId}, which the state file did not list as removed`);
  return removed;
}

/**
 * What of `runId`'s backends is still there after cleanup: each entry of the state file that is
 * still alive or present, and anything else carrying the run's labels. Empty when nothing is left.
 */
export async function remainingRunResources(
  runId: string,
  options: { statePath?: string; containers: boolean; docker?: DockerCli },
): Promise<string[]> {
  const left: string[] = [];
  const seenGroups = new Set<number>();
  const seenContainers = new Set<string>();
  const state = options.statePath ? await readState(options.statePath) : undefined;
  const docker =
    options.containers || state?.entries.some((e) => e.kind === 'container')
      ? (options.docker ?? new DockerCli())
      : undefined;
  for (const entry of state?.entries ?? []) {
    if (entry.kind === 'process') {
      const leader = readProcStat(entry.pgid);
      const sameGroup =
        leader === undefined || entry.startTicks === undefined || leader.startTicks === entry.startTicks;
      if (sameGroup && isGroupAlive(entry.pgid)) {
        seenGroups.add(entry.pgid);
        left.push(`${entry.variant}: ${describeEntry(entry)} is still running`);
      }
    } else if (docker) {
      const found = await docker.inspectContainer(entry.containerId ?? entry.name);
      if (found) {
        seenContainers.add(found.Name.replace(/^\//, ''));
        left.push(`${entry.variant}: ${describeEntry(entry)} still exists (${found.State.Status})`);
      }
    }
  }
  if (docker) {
    for (const c of await docker.psByLabel({ [LABEL.runId]: runId }))
      if (!seenContainers.has(c.Names)) left.push(`container ${c.Names} still exists (${c.State})`);
  }
  for (const pgid of runProcessGroups(runId).keys())
    if (!seenGroups.has(pgid)) left.push(`process group ${pgid} of run ${runId} is still running`);
  return left;
}
