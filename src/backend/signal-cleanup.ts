/**
 * Cleans up when the run is interrupted. While installed, SIGINT and SIGTERM run `cleanup`, then
 * call `exit` with:
 *   130 after SIGINT, 143 after SIGTERM — the shell convention 128 + signal number (SIGINT = 2,
 *       SIGTERM = 15), so callers can tell an interrupted run from a failed one;
 *   3   (infrastructure) when the cleanup itself failed: something may be left behind, and the
 *       `if: always()` cleanup step or the next run's leftover sweep has to finish the job.
 * A second signal during cleanup is logged and ignored: stopping cleanup half-way is what leaks
 * containers. (SIGKILL cannot be caught; the state file and leftover sweep cover that case.)
 *
 * `exit` is passed in so this module never calls process.exit itself; the CLI entry passes
 * `(code) => process.exit(code)`.
 */
import { ExitCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type InterruptSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface SignalCleanupOptions {
  /** Receives the signal, so the run can record which one stopped it. */
  cleanup: (signal: InterruptSignal) => Promise<void>;
  log: Logger;
  exit: (code: number) => void;
}

/** Installs the handlers; returns a function that removes them (call it once the run is over). */
export function installSignalCleanup(options: SignalCleanupOptions): () => void {
  let running = false;
  const handler = (signal: InterruptSignal) => {
    if (running) {
      options.log.warning(`${signal} received while cleaning up; finishing the cleanup first`);
      return;
    }
    running = true;
    options.log.warning(`${signal} received: stopping the backends before exiting`);
    options
      .cleanup(signal)
      .then(
        () => SIGNAL_EXIT_CODES[signal],
        (error: unknown) => {
          options.log.error(`cleanup after ${signal} failed: ${errorMessage(error)}`);
          return ExitCode.infrastructure;
        },
      )
      .then((code) => options.exit(code));
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
