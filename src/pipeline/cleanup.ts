/**
 * Removes what a run started, in reverse order: the backends (containers and processes, logs saved
 * first), the baseline copy of the database, the throwaway server. Works both in the process that
 * started them and from the state file in another process (the action's `if: always()` step).
 * Every step runs even when an earlier one fails; failures are reported, not swallowed.
 */
import { resolve } from 'node:path';
import { maskBackendLogs } from '../backend/backend-logs.js';
import { cleanupFromState } from '../backend/cleanup.js';
import { dropDatabase } from '../database/clone.js';
import { withDatabase } from '../database/database-url.js';
import { stopThrowawayFromHandle } from '../database/throwaway.js';
import { errorMessage } from '../errors.js';
import { SecretMasker, type Logger } from '../log.js';
import type { Teardown } from './context.js';
import type { RunState } from './run-state.js';

export async function cleanupRun(options: { state: RunState | undefined; teardown: Teardown; log: Logger }): Promise<string[]> {
  const { state, teardown, log } = options;
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      problems.push(`${what}: ${errorMessage(error)}`);
      log.warning(`cleanup: ${what} failed: ${errorMessage(error)}`);
    }
  };

  // 1. Backends: they hold connections to the databases dropped next.
  if (teardown.backends) await attempt('stopping the backends', teardown.backends);
  else if (state?.backend?.statePath) await attempt('stopping the backends', () => cleanupFromState(state.backend!.statePath, log));
  delete teardown.backends;
  // Their logs go into the report folder, the artifact: a backend that printed its DATABASE_URL must not publish it.
  if (state) await attempt('masking the backend logs', () => maskBackendLogs(resolve(state.reportDir), SecretMasker.of(state.secrets)));

  // 2. The baseline copy of the database.
  const db = state?.database;
  if (db && db.createdDatabases.length > 0 && db.candidateUrl) {
    for (const name of db.createdDatabases) await attempt(`dropping database ${name}`, () => dropDatabase({ url: withDatabase(db.candidateUrl, name), log }));
    db.createdDatabases = [];
  }

  // 3. The throwaway server: stopped by this process when it started it, else from its handle.
  if (teardown.databaseServer) await attempt('stopping the throwaway PostgreSQL server', teardown.databaseServer);
  else if (db?.throwaway?.kind === 'cluster' && db.throwaway.dataDir) await attempt('stopping the throwaway PostgreSQL server', () => stopThrowawayFromHandle(db.throwaway!, log));
  delete teardown.databaseServer;
  if (db?.throwaway) db.throwaway = { kind: db.throwaway.kind };
  return problems;
}
