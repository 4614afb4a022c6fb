/**
 * Signals to local backend processes, safe across processes: the cleanup step runs in a different
 * process than the one that started the backend, possibly much later, so before signalling a pid it
 * checks that the pid still belongs to the process that was started (its start time is unchanged).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { InfrastructureError } from '../errors.js';

export interface ProcStat {
  /** One-letter state from /proc/<pid>/stat: R, S, D, Z (zombie), T, ... */
  state: string;
  pgid: number;
  /** Field 22, start time after boot in clock ticks. */
  startTicks: string;
}

/**
 * Parses /proc/<pid>/stat (proc(5)). The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); field n is fields[n - 3].
  const state = fields[0];
  const pgid = Number(fields[2]);
  const startTicks = fields[19];
  if (!state || !Number.isInteger(pgid) || !startTicks) return undefined;
  return { state, pgid, startTicks };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

const hasProc = (): boolean => process.platform === 'linux';

/** Is the process alive (not a zombie) and, when known, the same one that was started? */
export function isProcessAlive(pid: number, startTicks?: string): boolean {
  if (hasProc()) {
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return startTicks === undefined || stat.startTicks === startTicks;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is any process of the group still alive (a server started through npx or a shell has children)? */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    // EPERM: the group exists but belongs to someone this process may not signal. It is alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!hasProc()) return true;
  // kill(-pgid, 0) also succeeds for a group made only of zombies; look closer. A pgid cannot be
  // handed to a new process while any member of the group exists, so a match is one of ours.
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = readProcStat(Number(name));
      if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

/**
 * A signal refused with EPERM means the group is there and another user owns it (a backend started
 * under sudo, a cleanup step run as a different user): it was not stopped, and saying "already
 * exited" would report a running backend as removed.
 */
function notPermitted(error: unknown, pgid: number): void {
  if ((error as NodeJS.ErrnoException).code === 'EPERM')
    throw new InfrastructureError(
      `not permitted to signal process group ${pgid}: it belongs to another user; stop it as that user or as root`,
    );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops a backend's process group: SIGTERM, then SIGKILL after `graceMs` if any member is left.
 * Returns how it ended. Does nothing when the leader is not the process that was started
 * (pid reused) — then the group id belongs to someone else.
 */
export async function stopProcessGroup(
  target: { pid: number; pgid: number; startTicks?: string },
  graceMs = 5_000,
): Promise<'not-running' | 'terminated' | 'killed' | 'pid-reused'> {
  const leaderStat = hasProc() ? readProcStat(target.pid) : undefined;
  if (leaderStat && target.startTicks !== undefined && leaderStat.startTicks !== target.startTicks) return 'pid-reused';
  if (!isGroupAlive(target.pgid)) return 'not-running';
  try {
    process.kill(-target.pgid, 'SIGTERM');
  } catch (error) {
    notPermitted(error, target.pgid);
    return 'not-running';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isGroupAlive(target.pgid)) return 'terminated';
    await sleep(50);
  }
  try {
    process.kill(-target.pgid, 'SIGKILL');
  } catch (error) {
    notPermitted(error, target.pgid);
    return 'terminated';
  }
  for (let i = 0; i < 40 && isGroupAlive(target.pgid); i += 1) await sleep(50);
  return 'killed';
}
