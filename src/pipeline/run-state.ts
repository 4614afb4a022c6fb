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
import { ExitCode, errorMessage, InputError, invalidValue } from '../errors.js';
import type { Variant } from '../model/round-record.js';
import type { MigrationLintResult, MigrationRehearsalResult } from '../report/results.js';

export const DEFAULT_STATE_PATH = '.perf-gate/state.json';

export interface ThrowawayDatabaseState {
  kind: 'cluster' | 'pglite';
  /** Cluster only: what `cleanup` needs to stop it from another process (its folder, its server's pid). */
  dataDir?: string;
  pid?: number;
}

/** What the state records of a throwaway server: only what `cleanup` reads back. */
export function throwawayState(
  kind: ThrowawayDatabaseState['kind'],
  handle: { dataDir?: string; pid?: number },
): ThrowawayDatabaseState {
  return { kind, dataDir: handle.dataDir, pid: handle.pid };
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
  /** squawk's findings on the files the candidate got (migrate stage). */
  lint?: MigrationLintResult;
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
  backend?: {
    statePath: string;
    running: Partial<Record<Variant, RunningBackend>>;
    environment?: Record<string, unknown>;
  };
  /** The rounds themselves are in the report folder's rounds.json (bench.ts, roundsPath). */
  /** `usedMs`: the bench's measuring time (warm-up and rounds), for the report's budget line. */
  bench?: { complete: boolean; stoppingReason?: string; look?: number; usedMs?: number };
  failure?: StageFailure;
  /**
   * Written when a stage starts and again when it finishes, before its process exits. A stage that
   * started and never finished was killed (SIGKILL, a cancelled job, an out-of-memory kill).
   */
  stages: Partial<Record<StageName, StageProgress>>;
  /** A/A noise check: the candidate against itself (see src/config/aa-mode.ts). */
  aa?: boolean;
  /** The migration rehearsal at the end of bench (src/pipeline/stages/rehearse.ts). */
  rehearsal?: MigrationRehearsalResult;
  /** Why bench made no rehearsal, for the targets on it. */
  rehearsalSkipped?: string;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function newRunState(options: {
  configPath: string | null;
  overrides: ConfigOverrides;
  reportDir: string;
  now?: Date;
}): RunState {
  const { databaseUrl: _secret, ...overrides } = options.overrides;
  const now = options.now ?? new Date();
  return {
    version: 1,
    runId: newRunId(now),
    configPath: options.configPath,
    overrides,
    reportDir: options.reportDir,
    startedAt: now.toISOString(),
    secrets: [],
    stages: {},
  };
}

export function readRunState(path: string): RunState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new InputError(
        `state file '${path}': not found; run 'perf-gate migrate' (or 'boot') with the same --state first`,
      );
    throw new InputError(`state file '${path}': cannot be read: ${errorMessage(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`state file '${path}': ${errorMessage(error)}`);
  }
  return checkRunState(parsed, path);
}

type Shape = (value: unknown) => boolean;
const isString: Shape = (v) => typeof v === 'string';
const isNumber: Shape = (v) => typeof v === 'number' && Number.isFinite(v);
const isBoolean: Shape = (v) => typeof v === 'boolean';
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isStringList: Shape = (v) => Array.isArray(v) && v.every(isString);
const oneOf =
  (...values: unknown[]): Shape =>
  (v) =>
    values.includes(v);

/**
 * Checks the fields later stages read, so a hand-edited or foreign file stops here naming the field,
 * not as a TypeError in cleanup. Fields nothing reads any more (bench.roundsPath, a throwaway's binDir,
 * written by earlier versions) are ignored: an old state file stays readable.
 */
function checkRunState(value: unknown, path: string): RunState {
  const check = (container: unknown, field: string, shape: Shape, expected: string, optional = false): void => {
    const key = field.slice(field.lastIndexOf('.') + 1);
    const given = (container as Record<string, unknown>)[key];
    if (optional && given === undefined) return;
    if (!shape(given)) throw invalidValue(`state file '${path}': field '${field}'`, given, expected);
  };
  if (!isObject(value) || value.version !== 1 || typeof value.runId !== 'string')
    throw new InputError(`state file '${path}': not a perf-gate state file (version 1 with a runId)`);
  const state = value as unknown as RunState;
  check(state, 'configPath', (v) => v === null || isString(v), 'a path or null');
  check(state, 'overrides', isObject, 'an object');
  check(state, 'reportDir', isString, 'a folder path');
  check(state, 'startedAt', isString, 'a timestamp');
  check(state, 'secrets', isStringList, 'a list of strings');
  check(state, 'aa', isBoolean, 'true or false', true);
  state.stages ??= {};
  check(state, 'stages', isObject, 'an object of stage names');
  for (const [stage, progress] of Object.entries(state.stages)) {
    check(state.stages, `stages.${stage}`, isObject, 'an object with startedAt');
    check(progress, `stages.${stage}.startedAt`, isString, 'a timestamp');
    check(progress, `stages.${stage}.finishedAt`, isString, 'a timestamp', true);
  }
  const { database, backend, bench, failure } = state;
  check(state, 'database', isObject, 'an object', true);
  if (database) {
    check(database, 'database.candidateUrl', isString, 'a database URL');
    check(database, 'database.baselineUrl', isString, 'a database URL');
    check(
      database,
      'database.strategy',
      oneOf('template-copy', 'separate-url', 'shared'),
      "'template-copy', 'separate-url' or 'shared'",
    );
    check(database, 'database.createdDatabases', isStringList, 'a list of database names');
    check(database, 'database.serverVersion', isString, 'a version', true);
    check(database, 'database.migration', isObject, 'an object', true);
    check(database, 'database.throwaway', isObject, 'an object', true);
    check(database, 'database.lint', isObject, 'an object', true);
    if (database.throwaway) {
      check(database.throwaway, 'database.throwaway.kind', oneOf('cluster', 'pglite'), "'cluster' or 'pglite'");
      check(database.throwaway, 'database.throwaway.dataDir', isString, 'a folder path', true);
      check(database.throwaway, 'database.throwaway.pid', isNumber, 'a process id', true);
    }
  }
  check(state, 'backend', isObject, 'an object', true);
  if (backend) {
    check(backend, 'backend.statePath', isString, 'a file path');
    check(backend, 'backend.running', isObject, 'an object', true);
    check(backend, 'backend.environment', isObject, 'an object', true);
  }
  check(state, 'bench', isObject, 'an object', true);
  if (bench) {
    check(bench, 'bench.complete', isBoolean, 'true or false');
    check(bench, 'bench.stoppingReason', isString, 'a sentence', true);
    check(bench, 'bench.look', isNumber, 'a number', true);
    check(bench, 'bench.usedMs', isNumber, 'a number of milliseconds', true);
  }
  check(state, 'rehearsal', isObject, 'an object', true);
  check(state, 'rehearsalSkipped', isString, 'a reason', true);
  check(state, 'failure', isObject, 'an object', true);
  if (failure) {
    check(failure, 'failure.stage', isString, 'a stage name');
    check(failure, 'failure.message', isString, 'a message');
    check(failure, 'failure.exitCode', isNumber, 'an exit code');
    check(failure, 'failure.signal', oneOf('SIGINT', 'SIGTERM'), "'SIGINT' or 'SIGTERM'", true);
  }
  return state;
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
    return {
      stage: 'bench',
      message: 'the bench stage did not complete its rounds; its results are incomplete',
      exitCode: ExitCode.infrastructure,
    };
  }
  return undefined;
}

/** The stage a signal interrupts: the latest one started and not finished, else the next one to run. */
export function currentStage(state: RunState): StageName {
  const running = [...STAGE_ORDER].reverse().find((stage) => state.stages[stage] && !state.stages[stage].finishedAt);
  return running ?? STAGE_ORDER.find((stage) => !state.stages[stage]) ?? 'compare';
}
