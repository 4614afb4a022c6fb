/**
 * Removes what a run started, in reverse order: the backends (containers and processes, logs saved
 * first), the baseline copy of the database, the throwaway server. Works both in the process that
 * started them and from the state file in another process (the action's `if: always()` step).
 * Every step runs even when an earlier one fails; failures are reported, not swallowed. Afterwards
 * it checks that nothing the run owns is left (backend processes and containers, the throwaway
 * server, databases it created) and reports each thing that is.
 */
import { resolve } from 'node:path';
import { maskBackendLogs } from '../../backend/backend-logs.js';
import { readState } from '../../backend/backend-state.js';
import { remainingRunResources, removeBackendsFromState, removeRunResources } from '../../backend/remove-backends.js';
import { dropDatabase } from '../../database/clone.js';
import { withDatabase } from '../../database/database-url.js';
import { stopThrowawayFromHandle, throwawayRemains } from '../../database/throwaway.js';
import { errorMessage } from '../../errors.js';
import { type Logger, SecretMasker } from '../../log.js';
import type { Teardown } from '../context.js';
import type { RunState } from '../run-state.js';

export async function cleanupStage(options: {
  state: RunState | undefined;
  teardown: Teardown;
  log: Logger;
}): Promise<string[]> {
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

  // 1. Backends: they hold connections to the databases dropped next. The state file lists each
  // one from before it started; the run's labels find anything whose record a signal cut short.
  if (teardown.backends) await attempt('stopping the backends', teardown.backends);
  else if (state?.backend?.statePath)
    await attempt('stopping the backends', () => removeBackendsFromState(state.backend!.statePath, log));
  delete teardown.backends;
  const usesDocker = state ? await recordsContainers(state) : false;
  if (state?.backend)
    await attempt("stopping the run's labelled backends", () =>
      removeRunResources(state.runId, { containers: usesDocker, log }),
    );
  // Their logs go into the report folder, the artifact: a backend that printed its DATABASE_URL must not publish it.
  if (state)
    await attempt('masking the backend logs', () =>
      maskBackendLogs(resolve(state.reportDir), SecretMasker.of(state.secrets)),
    );

  // 2. The baseline copy of the database. A name stays listed until it was dropped.
  const db = state?.database;
  if (db && db.createdDatabases.length > 0 && db.candidateUrl) {
    const dropped: string[] = [];
    for (const name of db.createdDatabases) {
      await attempt(`dropping database ${name}`, async () => {
        await dropDatabase({ url: withDatabase(db.candidateUrl, name), log });
        dropped.push(name);
      });
    }
    db.createdDatabases = db.createdDatabases.filter((name) => !dropped.includes(name));
  }

  // 3. The throwaway server: stopped by this process when it started it, else from its handle.
  if (teardown.databaseServer) await attempt('stopping the throwaway PostgreSQL server', teardown.databaseServer);
  else if (db?.throwaway?.kind === 'cluster' && db.throwaway.dataDir)
    await attempt('stopping the throwaway PostgreSQL server', () => stopThrowawayFromHandle(db.throwaway!, log));
  delete teardown.databaseServer;
  // A database on the throwaway server went with it.
  if (db?.throwaway?.kind === 'cluster' && db.throwaway.dataDir && throwawayRemains(db.throwaway).length === 0)
    db.createdDatabases = [];

  // 4. Check: whatever is still there is listed, so the caller can fail (exit 3) instead of passing.
  const left: string[] = [];
  if (state?.backend)
    await attempt('checking the backends are gone', async () =>
      left.push(
        ...(await remainingRunResources(state.runId, { statePath: state.backend!.statePath, containers: usesDocker })),
      ),
    );
  if (db?.throwaway?.dataDir) left.push(...throwawayRemains(db.throwaway));
  if (db) for (const name of db.createdDatabases) left.push(`database ${name} was created by this run and not dropped`);
  for (const what of left) {
    problems.push(`left behind: ${what}`);
    log.error(`cleanup: left behind: ${what}`);
  }
  if (db?.throwaway && left.length === 0) db.throwaway = { kind: db.throwaway.kind };
  return problems;
}

/** Whether the run's backend state lists a container (then Docker is asked about the run's labels). */
async function recordsContainers(state: RunState): Promise<boolean> {
  if (!state.backend?.statePath) return false;
  const backends = await readState(state.backend.statePath).catch(() => undefined);
  return backends?.entries.some((entry) => entry.kind === 'container') ?? false;
}
