/** `perf-gate comment --results FILE`: publish a results.json an earlier job wrote (the fork-safe pattern's second half). */
import { resolve } from 'node:path';
import { ExitCode, invalidValue } from '../../errors.js';
import { readRunContext } from '../../github/event-context.js';
import { publishFromResults } from '../../github/publish-from-results.js';
import { type ParsedArgs, stringFlag } from '../args.js';
import { type CliContext, checkNameFrom, commentMode } from './shared.js';

export async function commentCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const { log, env } = cli;
  const resultsPath = stringFlag(args, 'results');
  if (!resultsPath) throw invalidValue('--results', undefined, 'the path of a results.json written by a perf-gate run');
  const token = stringFlag(args, 'github-token') ?? env.GITHUB_TOKEN;
  if (!token)
    throw invalidValue('--github-token', undefined, 'a token that may write PR comments and Checks (or GITHUB_TOKEN)');
  const outcome = await publishFromResults(resolve(resultsPath), {
    log,
    // The job summary inside Actions; no outputs: the verdict is the measuring run's.
    jobSummary: cli.runner,
    github: {
      context: readRunContext(env),
      token,
      commentMode: commentMode(args),
      commentKey: stringFlag(args, 'comment-key'),
      checkName: checkNameFrom(args, env),
      apiUrl: env.GITHUB_API_URL,
      workspace: env.GITHUB_WORKSPACE,
      cwd: process.cwd(),
    },
  });
  if (outcome.commentUrl) cli.stdout(`${outcome.commentUrl}\n`);
  // The measuring run decided the verdict and the Check run carries it to the PR; this command only
  // reports, so it succeeds whatever the verdict (a red reporting job would point at the wrong thing).
  // A token GitHub refuses (401) has thrown by now: exit 3. A read-only token or a rate limit warned.
  const posted = [outcome.commentUrl && 'the PR comment', outcome.checkUrl && 'the Check run']
    .filter(Boolean)
    .join(' and ');
  log.info(
    posted
      ? `posted ${posted} for the ${outcome.results.verdict} verdict`
      : `posted nothing for the ${outcome.results.verdict} verdict${outcome.warnings.length ? ' (see the warnings above)' : ''}`,
  );
  return ExitCode.ok;
}
