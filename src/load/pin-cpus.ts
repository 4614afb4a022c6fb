/**
 * Pins a running process (all its threads) to a set of CPUs with `taskset`, so the load generator and
 * the backends do not take turns on the same core (less noise on a runner with spare cores). Node has
 * no call for sched_setaffinity, and taskset (util-linux) is on every Linux runner.
 */
import { spawnSync } from 'node:child_process';
import { invalidValue } from '../errors.js';
import type { Logger } from '../log.js';

const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

export function checkCpuList(input: string, value: string): string {
  if (!CPU_LIST.test(value)) throw invalidValue(input, value, 'a CPU list such as "0", "1-3" or "0,2"');
  return value;
}

/** Returns true when the process is pinned; a machine without taskset gets a warning, not a failure. */
export function pinProcess(pid: number, cpus: string, what: string, log: Logger): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // taskset -a exits 0 for a pid that has no threads left, so check first.
    log.warning(
      `could not pin ${what} (pid ${pid}) to CPUs ${cpus}: ${(error as NodeJS.ErrnoException).code === 'ESRCH' ? 'no such process' : (error as Error).message}`,
    );
    return false;
  }
  const result = spawnSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : result.stderr.trim();
    log.warning(`could not pin ${what} (pid ${pid}) to CPUs ${cpus}: ${why}`);
    return false;
  }
  log.info(`pinned ${what} (pid ${pid}) to CPUs ${cpus}`);
  return true;
}
