/**
 * The record of what a run started, so that a different process (the action's `if: always()`
 * cleanup step, or the next run after a crash) can remove it. Written before each start (an entry
 * without an id still names the container) and after, atomically (temp file + rename), with mode
 * 0600 because it lives in the report folder next to logs.
 */
import { readFile } from 'node:fs/promises';
import { jsonFileText, writeFileAtomicAsync } from '../atomic-file.js';
import { errorMessage, InfrastructureError } from '../errors.js';
import type { Variant } from './backend-spec.js';

export interface ContainerEntry {
  kind: 'container';
  variant: Variant;
  /** Always known, even when the process died between `docker run` and reading its output. */
  name: string;
  containerId?: string;
  /** Where the container's output is saved before removal. */
  logPath: string;
  removed?: boolean;
}

export interface ProcessEntry {
  kind: 'process';
  variant: Variant;
  pid: number;
  /** Process group: the backend is started as a group leader, so pgid === pid. */
  pgid: number;
  /**
   * Start time in clock ticks since boot (/proc/<pid>/stat field 22, proc(5)); guards against
   * killing an unrelated process that reused the pid. Absent off Linux.
   */
  startTicks?: string;
  command: string[];
  logPath: string;
  removed?: boolean;
}

export type StateEntry = ContainerEntry | ProcessEntry;

export interface BackendState {
  version: 1;
  runId: string;
  jobKey?: string;
  startedAt: string;
  /** Set once every entry has been removed. */
  finishedAt?: string;
  entries: StateEntry[];
}

export async function readState(path: string): Promise<BackendState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InfrastructureError(`backend state file ${path} could not be read: ${errorMessage(error)}`);
  }
  let parsed: BackendState;
  try {
    parsed = JSON.parse(text) as BackendState;
  } catch (error) {
    throw new InfrastructureError(`backend state file ${path} is not valid JSON: ${errorMessage(error)}`);
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.entries)) {
    throw new InfrastructureError(
      `backend state file ${path} has an unknown format (version ${JSON.stringify(parsed.version)})`,
    );
  }
  return parsed;
}

/** Serialises writes of one run's state: both variants boot at once and update it concurrently. */
export class StateWriter {
  private pending: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly state: BackendState,
  ) {}

  /** Applies `change` to the in-memory state and queues a write of the result. */
  update(change: (state: BackendState) => void): Promise<void> {
    change(this.state);
    const snapshot = jsonFileText(this.state);
    const write = () => writeFileAtomicAsync(this.path, snapshot);
    this.pending = this.pending.then(write, write);
    return this.pending;
  }
}
