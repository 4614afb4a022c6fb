/**
 * What every stage receives: the validated config, the logger, where things go, and a list of
 * teardown steps owned by this process (a PGlite server lives only as long as its process).
 */
import type { PerfGateConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { RunState } from './run-state.js';

/**
 * In-process handles on what a stage started. Cleanup order matters: backends first (they hold
 * database connections), then the baseline copy (DROP DATABASE needs no sessions), then the server.
 */
export interface Teardown {
  backends?: () => Promise<void>;
  databaseServer?: () => Promise<void>;
}

export interface StageContext {
  config: PerfGateConfig;
  log: Logger;
  state: RunState;
  statePath: string;
  /** Absolute report folder. */
  reportDir: string;
  packageRoot: string;
  /** Aborted when the run is interrupted (SIGINT, SIGTERM): stages stop waiting and unwind. */
  signal: AbortSignal;
  /** Aborts `signal` with `reason`. */
  abort(reason: Error): void;
  /**
   * The process environment, read once by the CLI and passed down: a bare NAME line of an env file
   * and the job's identity (GITHUB_REPOSITORY, GITHUB_WORKFLOW, GITHUB_JOB) come from it.
   */
  env: NodeJS.ProcessEnv;
  /** Use PGlite even when server binaries exist (demo --pglite). */
  preferPglite?: boolean;
  /** Stop functions of what this process started; `cleanupStage` uses them before the state file. */
  teardown: Teardown;
  /** Persist the state (the action's stages run in separate processes). */
  saveState(): void;
}
