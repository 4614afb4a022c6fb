/**
 * publishResults end to end against a GitHub-shaped server: the sticky comment, the Check run
 * with its conclusion, the job summary file, and the fork case where the token cannot write.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunContext } from '../../src/github/event-context.js';
import { publishResults, type PublishOptions } from '../../src/github/publish.js';
import type { Verdict } from '../../src/report/results.js';
import { HEAD_SHA, OWNER, PR, REPO, resultsWith, startKit, type Kit } from './github-test-kit.js';

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
let tmp: string;
// @actions/core's summary remembers the first GITHUB_STEP_SUMMARY path it sees (as one Actions step
// has one), so every test in this file shares one file and empties it first.
let summaryFile: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'perf-gate-publish-'));
  summaryFile = join(tmp, 'step-summary.md');
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  kit = await startKit();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await kit.api.close();
});

function publish(overrides: Partial<PublishOptions> = {}) {
  return publishResults({
    results: resultsWith('pass'),
    markdown: '## perf-gate\n\nAll targets met.',
    context: prContext,
    token: kit.api.token,
    commentMode: 'update',
    checkName: 'perf-gate',
    log: kit.log,
    client: kit.client,
    writeJobSummary: false,
    ...overrides,
  });
}

describe('publishResults', () => {
  it('posts the sticky comment and a Check run on the PR head commit', async () => {
    const outcome = await publish();
    expect(outcome.warnings).toEqual([]);
    const comments = kit.api.commentsOn(OWNER, REPO, PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('All targets met.');
    expect(outcome.commentUrl).toBe(comments[0]!.html_url);
    expect(kit.api.checkRuns).toHaveLength(1);
    expect(kit.api.checkRuns[0]).toMatchObject({ name: 'perf-gate', head_sha: HEAD_SHA, status: 'completed', conclusion: 'success' });
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
    const outcome = await publish({ context: { ...prContext, pullRequest: { ...prContext.pullRequest!, fromFork: true } } });
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

  it('when the comment is refused as too long (422) warns, and the Check summary is cut to fit GitHub\'s 65,535 limit', async () => {
    const huge = `## perf-gate\n\n${'| row | 1 ms |\n'.repeat(5_000)}`; // about 80,000 characters
    const outcome = await publish({ markdown: huge });
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toMatch(/Could not write the PR comment/);
    expect(outcome.warnings[0]).toMatch(/Validation Failed/);
    expect(kit.api.checkRuns).toHaveLength(1); // the fake returns 422 too if the summary is over the limit
    expect(kit.api.checkRuns[0]!.output.summary!.length).toBeLessThanOrEqual(65_535);
    expect(kit.api.checkRuns[0]!.output.summary).toMatch(/truncated/);
  });

  it('writes the job summary to GITHUB_STEP_SUMMARY when asked, even without a token', async () => {
    writeFileSync(summaryFile, '');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryFile);
    const outcome = await publish({ token: undefined, writeJobSummary: true, markdown: '## perf-gate\n\nsummary body' });
    expect(readFileSync(summaryFile, 'utf8')).toContain('summary body');
    expect(outcome.warnings).toEqual([]);
    expect(kit.api.requests).toHaveLength(0);
    expect(kit.log.lines.some((l) => l.includes('No GitHub token'))).toBe(true);
  });

  it('does not touch the job summary file when writeJobSummary is false', async () => {
    writeFileSync(summaryFile, 'earlier step\n');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryFile);
    await publish({ writeJobSummary: false, commentMode: 'off', checkName: undefined });
    expect(readFileSync(summaryFile, 'utf8')).toBe('earlier step\n');
  });

  it('appends to the job summary rather than replacing earlier steps\' output', async () => {
    writeFileSync(summaryFile, 'earlier step\n');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryFile);
    await publish({ writeJobSummary: true, commentMode: 'off', checkName: undefined, markdown: 'gate table' });
    const text = readFileSync(summaryFile, 'utf8');
    expect(text.startsWith('earlier step\n')).toBe(true);
    expect(text).toContain('gate table');
  });

  it('builds its own client from the token and GITHUB_API_URL when none is passed', async () => {
    vi.stubEnv('GITHUB_API_URL', kit.api.baseUrl);
    const outcome = await publish({ client: undefined, commentMode: 'off' });
    expect(outcome.warnings).toEqual([]);
    expect(kit.api.checkRuns).toHaveLength(1);
  });

  it('without a pull request (a push) creates only the Check run', async () => {
    const { pullRequest: _omit, ...pushContext } = prContext;
    await publish({ context: { ...pushContext, eventName: 'push' } });
    expect(kit.api.requests.map((r) => r.route)).toEqual(['createCheckRun']);
  });
});
