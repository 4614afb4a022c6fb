/** `perf-gate cleanup`: stop everything the run in the state file started (the action's `if: always()` step). */
import { ExitCode } from '../../errors.js';
import { type RunState, readRunState, writeRunState } from '../../pipeline/run-state.js';
import { cleanupStage } from '../../pipeline/stages/cleanup.js';
import type { ParsedArgs } from '../args.js';
import { type CliContext, statePath } from './shared.js';

export async function cleanupCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const { log } = cli;
  const path = statePath(args);
  let state: RunState;
  try {
    state = readRunState(path);
  } catch {
    log.info(`nothing to clean up: no state file at ${path}`);
    return ExitCode.ok;
  }
  for (const secret of state.secrets) log.addSecret(secret);
  const problems = await cleanupStage({ state, teardown: {}, log });
  writeRunState(path, state);
  if (problems.length === 0) return ExitCode.ok;
  log.error(`cleanup did not finish; still to do:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  return ExitCode.infrastructure;
}
