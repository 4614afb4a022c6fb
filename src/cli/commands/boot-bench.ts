/** `perf-gate boot` and `perf-gate bench`: one later stage of the run the state file holds. */
import { ExitCode, InputError } from '../../errors.js';
import { createContext, runStageProcess } from '../../pipeline/run-gate.js';
import { readRunState } from '../../pipeline/run-state.js';
import type { ParsedArgs } from '../args.js';
import { type CliContext, configFromState, statePath } from './shared.js';

async function laterStage(name: 'boot' | 'bench', args: ParsedArgs, cli: CliContext): Promise<number> {
  const state = readRunState(statePath(args));
  const config = configFromState(state, cli, args);
  const ctx = createContext({
    config,
    log: cli.log,
    state,
    statePath: statePath(args),
    packageRoot: cli.packageRoot,
    env: cli.env,
  });
  if (state.failure)
    throw new InputError(`${name}: an earlier stage (${state.failure.stage}) failed: ${state.failure.message}`);
  await runStageProcess(ctx, name);
  return ExitCode.ok;
}

export const bootCommand = (args: ParsedArgs, cli: CliContext) => laterStage('boot', args, cli);
export const benchCommand = (args: ParsedArgs, cli: CliContext) => laterStage('bench', args, cli);
