/**
 * publishCommentAndCheck end to end against a GitHub-shaped server: the sticky comment, the Check run
 * with its conclusion, and the fork case where the token cannot write. (The job summary and the
 * outputs are publish()'s: test/github/publish.test.itg.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommentAndCheckOptions, publishCommentAndCheck } from '../../src/github/comment-and-check.js';
import type { RunContext } from '../../src/github/event-context.js';
import { headline } from '../../src/report/headline.js';
import type { Results, Verdict } from '../../src/report/results.js';
import { HEAD_SHA, type Kit, OWNER, PR, REPO, resultsWith, startKit } from '../helpers/github-client.js';

const prContext: RunContext = {
  owner: OWNER,
  repo: REPO,
  eventName: 'pull_request',
  pullRequest: { number: PR, headSha: HEAD_SHA, fromFork: false },
  sha: HEAD_SHA,
  workflow: 'perf',
  job: 'gate',
};

let kit: Kit;
beforeEach(async () => {
  kit = await startKit();
});
afterEach(async () => {
  await kit.api.close();
});

function publish({
  results = resultsWith('pass'),
  ...overrides
}: Partial<CommentAndCheckOptions> & { results?: Results } = {}) {
  return publishCommentAndCheck({
    verdict: results.verdict,
    title: headline(results),
    markdown: '## perf-gate\n\nAll targets met.',
    context: prContext,
    token: kit.api.token,
    commentMode: 'update',
    checkName: 'perf-gate',
    log: kit.log,
    client: kit.client,
    ...overrides,
  });
}

describe('publishCommentAndCheck', () => {
  it('posts the sticky comment and a Check run on the PR head commit', async () => {
    const outcome = await publish();
    expect(outcome.warnings).toEqual([]);
    const comments = kit.api.commentsOn(OWNER, REPO, PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('All targets met.');
    expect(outcome.commentUrl).toBe(comments[0]!.html_url);
    expect(kit.api.checkRuns).toHaveLength(1);
    expect(kit.api.checkRuns[0]).toMatchObject({
      name: 'perf-gate',
      head_sha: HEAD_SHA,
      status: 'completed',
      conclusion: 'success',
    });
    expect(outcome.checkUrl).toBe(kit.api.checkRuns[0]!.html_url);
  });

  it.each<[Verdict, string]>([
    ['pass', 'success'],
    ['fail', 'failure'],
    ['inconclusive', 'neutral'],
    ['error', 'failure'],
  ])('maps verdict %s to Check conclusion %s, titled with the headline', async (verdict, conclusion) => {
    await publish({ results: resultsWith(verdict), commentMode: 'off' });
    expect(kit.api.checkRuns).toHaveLength(1);
    const run = kit.api.checkRuns[0]!;
    expect(run.conclusion).toBe(conclusion);
    expect(run.output.title).toMatch(/perf-gate/);
    if (verdict === 'inconclusive') expect(run.output.title).toMatch(/inconclusive/);
    expect(kit.api.requestsTo('listComments')).toHaveLength(0); // comment mode off: no comment traffic
  });

  it('on a fork token (403 "Resource not accessible by integration") warns, explains the two-workflow pattern, and does not throw', async () => {
    kit.api.inject('createComment', { kind: 'forbidden-integration' }, Infinity);
    kit.api.inject('createCheckRun', { kind: 'forbidden-integration' }, Infinity);
    const outcome = await publish({
      context: { ...prContext, pullRequest: { ...prContext.pullRequest!, fromFork: true } },
    });
    expect(outcome.commentUrl).toBeUndefined();
    expect(outcome.checkUrl).toBeUndefined();
    expect(outcome.warnings).toHaveLength(2);
    expect(outcome.warnings[0]).toMatch(/403/);
    expect(outcome.warnings[0]).toMatch(/workflow_run/);
    expect(outcome.warnings[1]).toMatch(/checks: write/);
    expect(kit.log.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(2);
    expect(kit.api.requestsTo('createComment')).toHaveLength(1); // refused once, not hammered
    expect(kit.api.commentsOn(OWNER, REPO, PR)).toHaveLength(0);
  });

  it('on a 404 (the PR is not visible to the token) warns and still creates the Check run', async () => {
    kit.api.inject('listComments', { kind: 'not-found' }, Infinity);
    const outcome = await publish();
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toMatch(/404/);
    expect(kit.api.checkRuns).toHaveLength(1);
  });

  it("when the comment is refused as too long (422) warns, and the Check summary is cut to fit GitHub's 65,535 limit", async () => {
    const huge = `## perf-gate\n\n${'| row | 1 ms |\n'.repeat(5_000)}`; // about 80,000 characters
    const outcome = await publish({ markdown: huge });
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toMatch(/Could not write the PR comment/);
    expect(outcome.warnings[0]).toMatch(/Validation Failed/);
    expect(kit.api.checkRuns).toHaveLength(1); // the fake returns 422 too if the summary is over the limit
    expect(kit.api.checkRuns[0]!.output.summary!.length).toBeLessThanOrEqual(65_535);
    expect(kit.api.checkRuns[0]!.output.summary).toMatch(/truncated/);
  });

  it('builds its own client from the token and the API URL (GITHUB_API_URL) when none is passed', async () => {
    const outcome = await publish({ client: undefined, apiUrl: kit.api.baseUrl, commentMode: 'off' });
    expect(outcome.warnings).toEqual([]);
    expect(kit.api.checkRuns).toHaveLength(1);
  });

  it('without a pull request (a push) creates only the Check run', async () => {
    const { pullRequest: _omit, ...pushContext } = prContext;
    await publish({ context: { ...pushContext, eventName: 'push' } });
    expect(kit.api.requests.map((r) => r.route)).toEqual(['createCheckRun']);
  });
});

describe("publishCommentAndCheck after a fork's pull request (workflow_run, pull_requests: [])", () => {
  const FORK_BRANCH = 'faster-rerank';
  const forkRunContext: RunContext = {
    owner: OWNER,
    repo: REPO,
    eventName: 'workflow_run',
    sha: HEAD_SHA,
    headBranch: FORK_BRANCH,
    headRepository: { owner: 'contributor', repo: REPO },
    workflow: 'perf (comment)',
    job: 'comment',
  };
  const OLD_SHA = '1111111111111111111111111111111111111111';

  it('finds the open PR by head owner:branch whose head is the measured commit, and comments there', async () => {
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 56,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: OLD_SHA,
      state: 'closed',
    });
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: HEAD_SHA,
    });
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 58,
      headOwner: 'someone-else',
      headBranch: FORK_BRANCH,
      headSha: HEAD_SHA,
    });
    const outcome = await publish({ context: forkRunContext });
    expect(kit.api.commentsOn(OWNER, REPO, 57)).toHaveLength(1);
    expect(kit.api.commentsOn(OWNER, REPO, 58)).toHaveLength(0);
    expect(kit.api.requestsTo('listPulls')[0]!.query).toMatchObject({
      state: 'open',
      head: 'contributor:faster-rerank',
    });
    // #58 has the same head commit: a Check from this fork's run would show on it too, so there is none.
    expect(outcome.warnings).toEqual([
      expect.stringMatching(
        /^No Check run: the measured commit \w+ is also the head of #58 \(someone-else:faster-rerank\)/,
      ),
    ]);
    expect(kit.api.checkRuns).toEqual([]);
  });

  it("a fork's PR whose commit no other PR or branch has as head gets its Check", async () => {
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: HEAD_SHA,
    });
    const outcome = await publish({ context: forkRunContext });
    expect(outcome.warnings).toEqual([]);
    expect(kit.api.checkRuns[0]).toMatchObject({ head_sha: HEAD_SHA, conclusion: 'success' });
    expect(kit.api.requestsTo('branchesWhereHead').map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/commits/${HEAD_SHA}/branches-where-head`,
    ]);
  });

  it('a fork that writes "pass" gets no Check under the required name: its Check is "perf-gate (fork)", and every text says the fork reported it', async () => {
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: HEAD_SHA,
    });
    await publish({ context: forkRunContext, results: resultsWith('pass') });
    expect(kit.api.checkRuns.map((c) => c.name)).toEqual(['perf-gate (fork)']);
    const [check] = kit.api.checkRuns;
    expect(check!.output.title).toMatch(/^Unverified, reported by the fork's own job: /);
    expect(check!.output.summary).toMatch(
      /^> \[!WARNING\]\n> These figures and this verdict were reported by the fork's own workflow job.*not verified by this repository/,
    );
    const [comment] = kit.api.commentsOn(OWNER, REPO, 57);
    expect(comment!.body).toMatch(
      /\n> \[!WARNING\]\n> These figures and this verdict were reported by the fork's own workflow job/,
    );
    expect(comment!.body).toContain('All targets met.');
  });

  it('a deleted fork (no head repository) counts as a fork: its Check is "perf-gate (fork)" too', async () => {
    const { headRepository: _gone, ...deleted } = forkRunContext;
    await publish({ context: deleted, commentMode: 'off' });
    expect(kit.api.checkRuns.map((c) => c.name)).toEqual(['perf-gate (fork)']);
  });

  it('no Check on a commit that heads a branch of the base repository, even one with no pull request yet', async () => {
    // A maintainer pushed main-feature at this commit and has not opened a PR; a fork opens one on it.
    kit.api.seedBranch(OWNER, REPO, 'main-feature', HEAD_SHA);
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: HEAD_SHA,
    });
    const outcome = await publish({ context: forkRunContext, results: resultsWith('pass') });
    expect(kit.api.checkRuns).toEqual([]);
    expect(outcome.warnings).toEqual([
      expect.stringMatching(
        /^No Check run: the measured commit \w+ is the head of 'main-feature' in acme\/rag-backend/,
      ),
    ]);
    expect(kit.api.commentsOn(OWNER, REPO, 57)).toHaveLength(1); // the fork author still sees the result
  });

  it('no Check when GitHub cannot say which branches head the commit', async () => {
    kit.api.inject('branchesWhereHead', { kind: 'server-error' }, Infinity);
    const outcome = await publish({ context: forkRunContext, commentMode: 'off' });
    expect(kit.api.checkRuns).toEqual([]);
    expect(outcome.warnings).toEqual([
      expect.stringMatching(
        /^No Check run: could not make sure the measured commit heads no one else's pull request or branch \(500/,
      ),
    ]);
  });

  it("a fork's PR built on a maintainer's commit: the recorded number of the maintainer's PR is not believed, and no Check lands on that commit", async () => {
    // The maintainer's PR #12 (acme:main-feature) and the fork's PR #57 share the head commit.
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 12,
      headOwner: OWNER,
      headBranch: 'main-feature',
      headSha: HEAD_SHA,
    });
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: HEAD_SHA,
    });
    const outcome = await publish({ context: forkRunContext, pullRequestNumber: 12 });
    expect(kit.api.commentsOn(OWNER, REPO, 12)).toHaveLength(0);
    expect(kit.api.commentsOn(OWNER, REPO, 57)).toHaveLength(1); // found by the fork's owner:branch instead
    expect(kit.api.checkRuns).toEqual([]);
    expect(outcome.warnings).toEqual([expect.stringContaining('also the head of #12 (acme:main-feature)')]);
  });

  it('a recorded number is believed only for the same head repository and branch, not the same commit alone', async () => {
    // Same commit, same owner, another branch: still another PR.
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 61,
      headOwner: 'contributor',
      headBranch: 'other-branch',
      headSha: HEAD_SHA,
    });
    const outcome = await publish({ context: forkRunContext, pullRequestNumber: 61, checkName: undefined });
    expect(kit.api.commentsOn(OWNER, REPO, 61)).toHaveLength(0);
    expect(outcome.commentUrl).toBeUndefined();
    expect(kit.log.lines.some((l) => l.includes('no open pull request has head'))).toBe(true);
  });

  it("does not comment when the branch has moved on (the open PR's head is a newer commit)", async () => {
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: OLD_SHA,
    });
    const outcome = await publish({ context: forkRunContext });
    expect(outcome.warnings).toEqual([]);
    expect(kit.api.requestsTo('createComment')).toHaveLength(0);
    expect(kit.log.lines.some((l) => l.includes('no open pull request has head'))).toBe(true);
    expect(kit.api.checkRuns).toHaveLength(1); // the Check still lands on the measured commit
  });

  it("uses a recorded PR number only after checking that PR's head is the measured commit", async () => {
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: FORK_BRANCH,
      headSha: HEAD_SHA,
    });
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 12,
      headOwner: OWNER,
      headBranch: 'main-feature',
      headSha: OLD_SHA,
    });
    await publish({ context: forkRunContext, pullRequestNumber: 57, checkName: undefined });
    expect(kit.api.commentsOn(OWNER, REPO, 57)).toHaveLength(1);
    expect(kit.api.requestsTo('listPulls')).toHaveLength(0); // the recorded number sufficed

    // A results.json from a fork names another PR: it is not believed; the lookup by branch decides.
    await publish({ context: forkRunContext, pullRequestNumber: 12, checkName: undefined });
    expect(kit.api.commentsOn(OWNER, REPO, 12)).toHaveLength(0);
    expect(kit.api.requestsTo('listPulls')).toHaveLength(1);
    expect(kit.api.commentsOn(OWNER, REPO, 57)).toHaveLength(1); // the sticky comment, updated
  });

  it("warns when the lookup fails, and creates no Check it cannot show to be the fork PR's alone", async () => {
    kit.api.inject('listPulls', { kind: 'forbidden-integration' }, Infinity);
    const outcome = await publish({ context: forkRunContext });
    expect(outcome.warnings).toHaveLength(2);
    expect(outcome.warnings[0]).toMatch(/look up the pull request/);
    expect(outcome.warnings[1]).toMatch(
      /^No Check run: could not make sure the measured commit heads no one else's pull request or branch/,
    );
    expect(kit.api.checkRuns).toHaveLength(0);
  });

  it('does not look the PR up for a push, or when comments are off', async () => {
    await publish({ context: { ...forkRunContext, eventName: 'push' } });
    await publish({ context: forkRunContext, commentMode: 'off' });
    // Only the Check's question (which open PRs head this commit) is asked, never the PR by branch.
    expect(kit.api.requestsTo('listPulls').filter((r) => r.query.head !== undefined)).toHaveLength(0);
    expect(kit.api.checkRuns).toHaveLength(2);
  });
});

describe('publishCommentAndCheck with Check annotations', () => {
  it('sends the annotations with the Check run', async () => {
    const annotations = [
      {
        path: 'perf-gate.yml',
        start_line: 5,
        end_line: 5,
        annotation_level: 'failure' as const,
        title: 'perf-gate: target missed',
        message: 'pipeline_time improves >= 20%',
      },
    ];
    const outcome = await publish({ results: resultsWith('fail'), annotations, commentMode: 'off' });
    expect(outcome.warnings).toEqual([]);
    expect(kit.api.checkRuns[0]!.annotations).toEqual(annotations);
    expect(kit.api.checkRuns[0]!.output.annotations_count).toBe(1);
  });

  it("sends none when none are given, and cuts a longer list to GitHub's 50", async () => {
    await publish({ commentMode: 'off' });
    expect(
      (kit.api.requestsTo('createCheckRun')[0]!.body as { output: Record<string, unknown> }).output,
    ).not.toHaveProperty('annotations');
    const many = Array.from({ length: 70 }, (_, i) => ({
      path: 'c.yml',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: 'failure' as const,
      message: `t${i}`,
    }));
    const outcome = await publish({ annotations: many, commentMode: 'off' });
    expect(outcome.warnings).toEqual([]); // the fake answers 422 above 50, as GitHub does
    expect(kit.api.checkRuns[1]!.annotations).toHaveLength(50);
  });
});
