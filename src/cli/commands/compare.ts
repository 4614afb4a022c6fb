/** `perf-gate compare`: judge the run the state file holds, write the reports and, inside Actions, publish them. */
import { runCompareProcess } from '../../pipeline/run-gate.js';
import { type ParsedArgs, stringFlag } from '../args.js';
import {
  type CliContext,
  checkNameFrom,
  commentMode,
  compareOptions,
  printResults,
  stageContextFromState,
} from './shared.js';

export async function compareCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const { state, ctx } = stageContextFromState(args, cli);
  const settings = {
    token: stringFlag(args, 'github-token'),
    commentMode: commentMode(args),
    commentKey: stringFlag(args, 'comment-key'),
    checkName: checkNameFrom(args, cli.env),
  };
  const outcome = await runCompareProcess(ctx, compareOptions(cli, settings, state.configPath));
  printResults(outcome.results, args, cli, outcome);
  return outcome.exitCode;
}
