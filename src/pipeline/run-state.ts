/**
 * What one gate run knows between its stages. The action runs each stage in its own process
 * (migrate, boot, bench, compare, cleanup), so the state lives in a JSON file outside the report
 * folder (it holds database URLs), written atomically with mode 0600. `perf-gate run` keeps the
 * same object in memory and writes it too, so a crash leaves enough behind for `cleanup`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../atomic-file.js';
import type { RunningBackend } from '../backend/backend-spec.js';
import type { ConfigOverrides } from '../config/load.js';
import type { MigrationSummary } from '../database/migrate.js';
import { ExitCode, InputError, errorMessage } from '../errors.js';
import type { Variant } from '../model/round-record.js';

export const DEFAULT_STATE_PATH = '.perf-gate/state.json';

export interface ThrowawayDatabaseState {
  kind: 'cluster' | 'pglite';
  /** Cluster only: what `cleanup` needs to stop it from another process. */
  dataDir?: string;
  binDir?: string;
  pid?: number;
}

export interface DatabaseState {
  candidateUrl: string;
  baselineUrl: string;
  strategy: 'template-copy' | 'separate-url' | 'shared';
  /** Databases this run created and must drop (the baseline copy). */
  createdDatabases: string[];
  throwaway?: ThrowawayDatabaseState;
  serverVersion?: string;
  migration?: {
    baseline?: MigrationSummary;
    candidate?: MigrationSummary;
    command?: { command: string[]; exitCode: number };
  };
}

/** The gate's stages in the order they run; `compare` judges what the first three left behind. */
export const STAGE_ORDER = ['migrate', 'boot', 'bench', 'compare'] as const;
export type StageName = (typeof STAGE_ORDER)[number];
/** The stages whose work `compare` judges: every one must have finished for a verdict. */
export const MEASURING_STAGES = ['migrate', 'boot', 'bench'] as const;

/** When a stage started and, once it returned normally, when it finished. */
export interface StageProgress {
  startedAt: string;
  finishedAt?: string;
}

export interface StageFailure {
  stage: string;
  message: string;
  exitCode: number;
  /** Set when the stage was stopped by a signal rather than failing on its own. */
  signal?: 'SIGINT' | 'SIGTERM';
}

export interface RunState {
  version: 1;
  runId: string;
  /** Config file path, or null for the embedded default. */
  configPath: string | null;
  overrides: Omit<ConfigOverrides, 'databaseUrl'>;
  reportDir: string;
  startedAt: string;
  /** Values every stage process registers with its logger's masker before printing anything. */
  secrets: string[];
  database?: DatabaseState;
  backend?: { statePath: string; running: Partial<Record<Variant, RunningBackend>>; environment?: Record<string, unknown> };
  bench?: { roundsPath: string; complete: boolean; stoppingReason?: string; look?: number };
  failure?: StageFailure;
  /**
   * Written when a stage starts and again when it finishes, before its process exits. A stage that
   * started and never finished was killed (SIGKILL, a cancelled job, an out-of-memory kill).
   */
  stages: Partial<Record<StageName, StageProgress>>;
  /** A/A noise check: the candidate against itself (see src/config/aa-mode.ts). */
  aa?: boolean;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function newRunState(options: { configPath: string | null; overrides: ConfigOverrides; reportDir: string; now?: Date }): RunState {
  const { databaseUrl: _secret, ...overrides } = options.overrides;
  const now = options.now ?? new Date();
  return { version: 1, runId: newRunId(now), configPath: options.configPath, overrides, reportDir: options.reportDir, startedAt: now.toISOString(), secrets: [], stages: {} };
}

export function readRunState(path: string): RunState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`state file '${path}': not found; run 'perf-gate migrate' (or 'boot') with the same --state first`);
    throw new InputError(`state file '${path}': cannot be read: ${errorMessage(error)}`);
  }
  try {
    const state = JSON.parse(text) as RunState;
    if (state.version !== 1 || typeof state.runId !== 'string') throw new Error('not a perf-gate state file');
    state.stages ??= {};
    return state;
  } catch (error) {
    throw new InputError(`state file '${path}': ${errorMessage(error)}`);
  }
}

export function writeRunState(path: string, state: RunState): void {
  writeJsonAtomic(path, state);
}

/**
 * Why `compare` cannot judge this run, when one of the measuring stages did not finish: the first
 * such stage, whether it started and died (its process was killed before it could record anything)
 * or never ran. Undefined when migrate, boot and bench all finished.
 */
export function unfinishedStage(state: RunState): StageFailure | undefined {
  for (const stage of MEASURING_STAGES) {
    const progress = state.stages[stage];
    if (progress?.finishedAt) continue;
    const message = progress
      ? `the ${stage} stage started at ${progress.startedAt} and did not finish (its process ended without recording an outcome, e.g. killed); its results are incomplete`
      : `the ${stage} stage did not run; run 'perf-gate ${stage}' with the same --state before 'compare'`;
    return { stage, message, exitCode: ExitCode.infrastructure };
  }
  if (state.bench && !state.bench.complete) {
    return { stage: 'bench', message: 'the bench stage did not complete its rounds; its results are incomplete', exitCode: ExitCode.infrastructure };
  }
  return undefined;
}

/** The stage a signal interrupts: the latest one started and not finished, else the next one to run. */
export function currentStage(state: RunState): StageName {
  const running = [...STAGE_ORDER].reverse().find((stage) => state.stages[stage] && !state.stages[stage].finishedAt);
  return running ?? STAGE_ORDER.find((stage) => !state.stages[stage]) ?? 'compare';
}
