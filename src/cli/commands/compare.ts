/** `perf-gate compare`: judge the run the state file holds, write the reports and, inside Actions, publish them. */
import { createContext, runCompareProcess } from '../../pipeline/run-gate.js';
import { readRunState } from '../../pipeline/run-state.js';
import { type ParsedArgs, stringFlag } from '../args.js';
import {
  type CliContext,
  checkNameFrom,
  commentMode,
  compareOptions,
  configFromState,
  printResults,
  statePath,
} from './shared.js';

export async function compareCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
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
