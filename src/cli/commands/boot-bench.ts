/** `perf-gate boot` and `perf-gate bench`: one later stage of the run the state file holds. */
import { ExitCode, InputError } from '../../errors.js';
import { runStageProcess } from '../../pipeline/run-gate.js';
import type { ParsedArgs } from '../args.js';
import { type CliContext, stageContextFromState } from './shared.js';

async function laterStage(name: 'boot' | 'bench', args: ParsedArgs, cli: CliContext): Promise<number> {
  const { state, ctx } = stageContextFromState(args, cli);
  if (state.failure)
    throw new InputError(`${name}: an earlier stage (${state.failure.stage}) failed: ${state.failure.message}`);
  await runStageProcess(ctx, name);
  return ExitCode.ok;
}

export const bootCommand = (args: ParsedArgs, cli: CliContext) => laterStage('boot', args, cli);
export const benchCommand = (args: ParsedArgs, cli: CliContext) => laterStage('bench', args, cli);
