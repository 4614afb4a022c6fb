/** `perf-gate compare`: judge the run the state file holds, write the reports and, inside Actions, publish them. */

import { InfrastructureError } from '../../errors.js';
import { runCompareProcess } from '../../pipeline/run-gate.js';
import { type ParsedArgs, stringFlag } from '../args.js';
import { driftJudge, historyForRun } from './history.js';
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
  // compare reads the history for the trend; recording is the history step's (pushes and releases only).
  const historySpec = stringFlag(args, 'history');
  let history: Awaited<ReturnType<typeof historyForRun>> | undefined;
  try {
    history = historySpec
      ? await historyForRun(historySpec, cli, ctx.config, stringFlag(args, 'data-branch'))
      : undefined;
  } catch (error) {
    // The trend is extra: a history that cannot be read must not cost the gate its verdict.
    if (!(error instanceof InfrastructureError)) throw error;
    cli.log.warning(`history: not read, so no trend in the report: ${error.message}`);
  }
  const outcome = await runCompareProcess(ctx, {
    ...compareOptions(cli, settings, state.configPath),
    trends: history?.trends,
    releaseDrift: history?.releaseDrift,
    judgeDrift: driftJudge(history, cli, ctx.config),
  });
  printResults(outcome.results, args, cli, outcome);
  return outcome.exitCode;
}
