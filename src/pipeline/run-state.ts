/**
 * What one gate run knows between its stages. The action runs each stage in its own process
 * (migrate, boot, bench, compare, cleanup), so the state lives in a JSON file outside the report
 * folder (it holds database URLs), written atomically with mode 0600. `perf-gate run` keeps the
 * same object in memory and writes it too, so a crash leaves enough behind for `cleanup`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunningBackend } from '../backend/backend-spec.js';
import type { ConfigOverrides } from '../config/load.js';
import type { MigrationSummary } from '../database/migrate.js';
import { InputError, errorMessage } from '../errors.js';
import type { Variant } from '../load/round-record.js';

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

export interface StageFailure {
  stage: string;
  message: string;
  exitCode: number;
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
  finishedStages: string[];
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
  return { version: 1, runId: newRunId(now), configPath: options.configPath, overrides, reportDir: options.reportDir, startedAt: now.toISOString(), secrets: [], finishedStages: [] };
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
    return state;
  } catch (error) {
    throw new InputError(`state file '${path}': ${errorMessage(error)}`);
  }
}

export function writeRunState(path: string, state: RunState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
