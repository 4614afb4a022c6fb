/**
 * What the gate writes through GitHub's API after a run: the sticky PR comment and the Check run
 * (the job summary and the action outputs are publish.ts's, they need no token). A token that cannot
 * write (a fork's pull request) gives a warning, never a failure: the verdict, the summary and the
 * outputs are still there. So does a rate limit that outlasts the client's bounded wait. A token
 * GitHub does not accept at all (401: wrong, expired, revoked) is an infrastructure failure (exit 3):
 * nothing can be published with it.
 */
import { errorMessage, InfrastructureError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Verdict } from '../report/results.js';
import { type CheckAnnotation, MAX_ANNOTATIONS_PER_REQUEST } from './annotations.js';
import { createGitHubClient, type GitHubClient, isRateLimited } from './client.js';
import { isForkRepository, type RunContext, runIsFromFork } from './event-context.js';
import { type CommentMode, commentMarker, upsertStickyComment } from './sticky-comment.js';

export interface CommentAndCheckOptions {
  /** The Check's conclusion comes from it. */
  verdict: Verdict;
  /** The Check's title: the gate's or verify's headline, perf-gate's own words. */
  title: string;
  markdown: string;
  context: RunContext | undefined;
  token?: string;
  commentMode: CommentMode;
  commentKey?: string;
  checkName?: string;
  log: Logger;
  client?: GitHubClient;
  /** GITHUB_API_URL, for the client built from the token (GitHub Enterprise); api.github.com when absent. */
  apiUrl?: string;
  /** Annotations for the Check run (see annotations.ts); at most 50 are sent, GitHub's per-request limit. */
  annotations?: CheckAnnotation[];
  /**
   * A PR number the measuring workflow recorded (workflow_run only). It comes from an artifact a
   * fork's workflow wrote, so it is trusted only when that PR's head is the measured commit.
   */
  pullRequestNumber?: number;
  /**
   * The results were read from a file (`perf-gate comment --results`), not measured by this job. They
   * are then the base repository's own only on the events whose head repository is checked (see
   * ARTIFACT_EVENTS); under any other event (issue_comment, workflow_dispatch, repository_dispatch…)
   * nothing says whose job wrote the file, so it is published as a fork's.
   */
  resultsFromArtifact?: boolean;
}

/** Events whose payload names the head repository, so a file's origin can be judged (runIsFromFork). */
const ARTIFACT_EVENTS = new Set(['workflow_run', 'pull_request', 'pull_request_target', 'push']);

export interface PublishOutcome {
  commentUrl?: string;
  checkUrl?: string;
  warnings: string[];
}

const CHECK_CONCLUSION: Record<Verdict, 'success' | 'failure' | 'neutral'> = {
  pass: 'success',
  fail: 'failure',
  inconclusive: 'neutral',
  error: 'failure',
};

// GitHub caps a Check run's output.summary at 65,535 characters.
const CHECK_SUMMARY_LIMIT = 65_535;

/** Octokit's RequestError carries the HTTP status; 403/404 on a write means the token may not write. */
function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function cannotWrite(error: unknown): boolean {
  const status = httpStatus(error);
  return status === 403 || status === 404;
}

/** GitHub's 401 "Bad credentials", as the exit-3 error; GitHub's message never contains the token. */
export function badCredentials(error: unknown): InfrastructureError | undefined {
  if (httpStatus(error) !== 401) return undefined;
  return new InfrastructureError(
    `GitHub refused the token (401 ${errorMessage(error)}): it is wrong, expired or revoked, so no PR comment and no Check run were written. ` +
      'Give a valid token in github-token / --github-token (inside a workflow, github.token works).',
    { cause: error },
  );
}

function throwIfBadCredentials(error: unknown): void {
  const auth = badCredentials(error);
  if (auth) throw auth;
}

/** A rate limit that outlasted the client's bounded wait (client.ts): skipped, not failed. */
function rateLimited(error: unknown, what: string): string {
  return `GitHub is rate limiting this token (${httpStatus(error)}: ${errorMessage(error)}): ${what} skipped; re-run the job later to publish it.`;
}

interface PullRequestData {
  number: number;
  state: string;
  head: { sha: string; ref: string; repo: { name: string; owner: { login: string } } | null };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Whether a pull request's head is exactly what the workflow_run measured: the same commit, from the
 * same repository and branch. The commit alone is not enough: a fork can open a PR on a maintainer's
 * commit, and that fork's run must not publish onto the maintainer's PR.
 */
function isHeadOfRun(pr: PullRequestData, context: RunContext): boolean {
  const head = context.headRepository;
  const repo = pr.head.repo;
  return Boolean(
    head &&
      context.headBranch &&
      repo &&
      pr.head.sha === context.sha &&
      pr.head.ref === context.headBranch &&
      sameName(repo.owner.login, head.owner) &&
      sameName(repo.name, head.repo),
  );
}

/**
 * A fork's results are the fork's own word: its workflow job ran its code (even its own workflow
 * file), and could have written any verdict into results.json. So a Check published from them is
 * never the one branch protection requires: it carries this suffix, and its title and every text
 * published from them say so. GitHub counts neutral and skipped as passing, so no conclusion could
 * make the required Check safe; only a different name does.
 */
export const FORK_CHECK_SUFFIX = ' (fork)';

export function forkCheckName(checkName: string): string {
  return `${checkName}${FORK_CHECK_SUFFIX}`;
}

/** Put first in the comment, the Check summary and the job summary of a fork's results. */
export const FORK_NOTICE =
  "> [!WARNING]\n> These figures and this verdict were reported by the fork's own workflow job, which ran the fork's code: they are not verified by this repository and are for information only.";

/**
 * Branches of the base repository whose head is the measured commit
 * (docs.github.com/rest/commits/commits#list-branches-for-head-commit). A Check from a fork's
 * results on such a commit would show on the maintainer's branch, and on any PR opened from it later.
 */
async function baseBranchesAtCommit(client: GitHubClient, context: RunContext, sha: string): Promise<string[]> {
  const { data } = await client.rest.repos.listBranchesForHeadCommit({
    owner: context.owner,
    repo: context.repo,
    commit_sha: sha,
  });
  return (data as { name: string }[]).map((branch) => branch.name);
}

/**
 * Open pull requests, other than the run's own, whose head is the measured commit. A Check run is
 * attached to a commit, not to a PR, so a Check from a fork's run on a commit that is also the head
 * of someone else's PR would show there, and could satisfy its branch protection.
 */
async function otherPullRequestsAtCommit(client: GitHubClient, context: RunContext): Promise<PullRequestData[]> {
  const open = (await client.paginate(client.rest.pulls.list, {
    owner: context.owner,
    repo: context.repo,
    state: 'open',
    per_page: 100,
  })) as PullRequestData[];
  return open.filter((pr) => pr.head.sha === context.sha && !isHeadOfRun(pr, context));
}

/**
 * The pull request a workflow_run is about when GitHub did not say: its payload's pull_requests is
 * empty for pull requests from forks (actions/runner#3444, github/docs#22501). The PR is found among
 * the open ones by head "owner:branch" (docs.github.com/rest/pulls/pulls#list-pull-requests, `head`),
 * keeping only the one whose head is the measured commit from the run's head repository and branch,
 * so a newer push to the branch, or a recorded number pointing at another PR (even one whose head is
 * the same commit), never gets this run's comment.
 */
export async function findPullRequestForRun(
  client: GitHubClient,
  context: RunContext,
  recordedNumber?: number,
): Promise<{ number: number; headSha: string; fromFork: boolean } | undefined> {
  const sha = context.sha;
  if (!sha) return undefined;
  const fromFork = isForkRepository(context.headRepository, context);
  if (recordedNumber !== undefined && Number.isSafeInteger(recordedNumber) && recordedNumber > 0) {
    try {
      const { data } = await client.rest.pulls.get({
        owner: context.owner,
        repo: context.repo,
        pull_number: recordedNumber,
      });
      const pr = data as PullRequestData;
      if (pr.state === 'open' && isHeadOfRun(pr, context)) return { number: pr.number, headSha: sha, fromFork };
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
    }
  }
  if (!context.headBranch || !context.headRepository) return undefined;
  const { data } = await client.rest.pulls.list({
    owner: context.owner,
    repo: context.repo,
    state: 'open',
    head: `${context.headRepository.owner}:${context.headBranch}`,
    per_page: 100,
  });
  const match = (data as PullRequestData[]).find((pr) => isHeadOfRun(pr, context));
  return match ? { number: match.number, headSha: sha, fromFork } : undefined;
}

/**
 * Whether the results are a fork's own word (see FORK_CHECK_SUFFIX): the run is about a fork's
 * commit, or they were read from a file under an event that does not say whose job wrote it.
 */
export function resultsFromFork(context: RunContext | undefined, resultsFromArtifact: boolean): boolean {
  return (
    context !== undefined &&
    (runIsFromFork(context) || (resultsFromArtifact && !ARTIFACT_EVENTS.has(context.eventName)))
  );
}

/** The text published for `markdown`: a fork's results carry FORK_NOTICE first. */
export function publishedMarkdown(markdown: string, fromFork: boolean): string {
  return fromFork ? `${FORK_NOTICE}\n\n${markdown}` : markdown;
}

export async function publishCommentAndCheck(options: CommentAndCheckOptions): Promise<PublishOutcome> {
  const { verdict, context, log } = options;
  const outcome: PublishOutcome = { warnings: [] };
  const fromFork = resultsFromFork(context, options.resultsFromArtifact === true);
  const markdown = publishedMarkdown(options.markdown, fromFork);

  if (!context || !options.token) {
    if (context && !options.token) log.info('No GitHub token given: no PR comment and no Check run.');
    return outcome;
  }
  const client = options.client ?? createGitHubClient({ token: options.token, log, baseUrl: options.apiUrl });
  const warn = (message: string) => {
    outcome.warnings.push(message);
    log.warning(message);
  };

  let pullRequest = context.pullRequest;
  if (!pullRequest && context.eventName === 'workflow_run' && options.commentMode !== 'off') {
    try {
      pullRequest = await findPullRequestForRun(client, context, options.pullRequestNumber);
      if (pullRequest)
        log.info(`workflow_run: commenting on pull request #${pullRequest.number}, whose head is the measured commit`);
      else log.info(`workflow_run: no open pull request has head ${context.sha ?? '(unknown commit)'}; no PR comment`);
    } catch (error) {
      throwIfBadCredentials(error);
      warn(
        isRateLimited(error)
          ? rateLimited(error, 'the lookup of the pull request (so the PR comment)')
          : `Could not look up the pull request of this workflow_run: ${errorMessage(error)}`,
      );
    }
  }

  if (pullRequest && options.commentMode !== 'off') {
    try {
      const marker = commentMarker({ workflow: context.workflow, job: context.job, key: options.commentKey });
      const result = await upsertStickyComment({
        client,
        target: { owner: context.owner, repo: context.repo, issueNumber: pullRequest.number },
        marker,
        body: markdown,
        mode: options.commentMode,
        log,
      });
      outcome.commentUrl = result.url;
    } catch (error) {
      throwIfBadCredentials(error);
      if (isRateLimited(error)) warn(rateLimited(error, 'the PR comment'));
      else if (cannotWrite(error)) {
        warn(
          `The token cannot write PR comments (${httpStatus(error)}: ${errorMessage(error)}). ` +
            'For pull requests from forks use the two-workflow pattern (pull_request measures, workflow_run comments); see the README.',
        );
      } else warn(`Could not write the PR comment: ${errorMessage(error)}`);
    }
  }

  if (options.checkName && context.sha && fromFork) {
    try {
      const others = await otherPullRequestsAtCommit(client, context);
      if (others.length > 0) {
        const names = others
          .map((pr) => `#${pr.number} (${pr.head.repo ? `${pr.head.repo.owner.login}:` : ''}${pr.head.ref})`)
          .join(', ');
        warn(
          `No Check run: the measured commit ${context.sha} is also the head of ${names}, which this run from a fork is not about; a Check on the commit would show there too.`,
        );
        return outcome;
      }
      const branches = await baseBranchesAtCommit(client, context, context.sha);
      if (branches.length > 0) {
        warn(
          `No Check run: the measured commit ${context.sha} is the head of ${branches.map((b) => `'${b}'`).join(', ')} in ${context.owner}/${context.repo}; ` +
            "a Check from a fork's results is never put on a commit of the base repository's branches.",
        );
        return outcome;
      }
    } catch (error) {
      throwIfBadCredentials(error);
      warn(
        `No Check run: could not make sure the measured commit heads no one else's pull request or branch (${httpStatus(error) ?? 'error'}: ${errorMessage(error)}).`,
      );
      return outcome;
    }
  }

  if (options.checkName && context.sha) {
    try {
      const name = fromFork ? forkCheckName(options.checkName) : options.checkName;
      const title = fromFork ? `Unverified, reported by the fork's own job: ${options.title}` : options.title;
      const annotations = (options.annotations ?? []).slice(0, MAX_ANNOTATIONS_PER_REQUEST);
      const summary =
        markdown.length > CHECK_SUMMARY_LIMIT
          ? `${markdown.slice(0, CHECK_SUMMARY_LIMIT - 40)}\n\n…(truncated)`
          : markdown;
      const { data } = await client.rest.checks.create({
        owner: context.owner,
        repo: context.repo,
        name,
        head_sha: context.sha,
        status: 'completed',
        conclusion: CHECK_CONCLUSION[verdict],
        output: { title, summary, ...(annotations.length ? { annotations } : {}) },
      });
      outcome.checkUrl = data.html_url ?? undefined;
      log.info(
        `Check run '${name}': ${CHECK_CONCLUSION[verdict]}${fromFork ? " (a fork's results: informational, not the required check)" : ''}`,
      );
    } catch (error) {
      throwIfBadCredentials(error);
      if (isRateLimited(error)) warn(rateLimited(error, 'the Check run'));
      else if (cannotWrite(error))
        warn(
          `The token cannot create Check runs (${httpStatus(error)}); give the workflow 'checks: write' or set check-name to ''.`,
        );
      else warn(`Could not create the Check run: ${errorMessage(error)}`);
    }
  }
  return outcome;
}
