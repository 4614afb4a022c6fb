/**
 * publish(): the one way results leave a run, for `compare` and `comment` alike. Against the
 * GitHub-shaped server: the action outputs and their order, the job summary (through the real
 * @actions/core adapter, and as recorded calls), the PR comment, and Check annotations on the config.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsRunner } from '../../src/cli/actions-runner.js';
import { FORK_NOTICE } from '../../src/github/comment-and-check.js';
import type { RunContext } from '../../src/github/event-context.js';
import {
  type ActionOutputs,
  commentMarkdown,
  type GitHubTarget,
  type JobSummary,
  type PublishSinks,
  publish,
} from '../../src/github/publish.js';
import { HEAD_SHA, type Kit, OWNER, PR, REPO, resultsWith, startKit } from '../helpers/github-client.js';

const workspace = mkdtempSync(join(tmpdir(), 'perf-gate-publish-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
writeFileSync(join(workspace, 'perf-gate.yml'), ['targets:', '  - pipeline_p50 improves by >= 20%', ''].join('\n'));

const prContext: RunContext = {
  owner: OWNER,
  repo: REPO,
  eventName: 'pull_request',
  pullRequest: { number: PR, headSha: HEAD_SHA, fromFork: false },
  sha: HEAD_SHA,
  workflow: 'perf',
  job: 'gate',
  runUrl: 'https://github.com/acme/rag-backend/actions/runs/1',
};

let kit: Kit;
beforeEach(async () => {
  kit = await startKit();
});
afterEach(async () => {
  await kit.api.close();
});

/** Outputs and job summary as the calls they receive, in order. */
function recordingRunner(): ActionOutputs & JobSummary & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    setOutput: (name, value) => void calls.push(`output ${name}=${value}`),
    appendJobSummary: async (markdown) => void calls.push(`summary ${markdown}`),
  };
}

function sinks(github: Partial<GitHubTarget> = {}, runner = recordingRunner()): PublishSinks {
  return {
    log: kit.log,
    jobSummary: runner,
    outputs: runner,
    github: {
      context: prContext,
      token: kit.api.token,
      commentMode: 'update',
      checkName: 'perf-gate',
      client: kit.client,
      workspace,
      cwd: workspace,
      ...github,
    },
  };
}

const files = { resultsPath: '/r/results.json', reportPath: '/r/report.md' };

describe('publish', () => {
  it('sets the verdict and paths first, then the job summary, the comment and the Check, then comment-url', async () => {
    const runner = recordingRunner();
    const results = resultsWith('pass');
    const publication = await publish(results, sinks({}, runner), { configPath: 'perf-gate.yml', files });
    const [comment] = kit.api.commentsOn(OWNER, REPO, PR);
    const markdown = commentMarkdown(results, prContext.runUrl);
    expect(runner.calls).toEqual([
      'output verdict=pass',
      'output results-path=/r/results.json',
      'output report-path=/r/report.md',
      `summary ${markdown}`,
      `output comment-url=${comment!.html_url}`,
    ]);
    expect(publication.markdown).toBe(markdown);
    expect(comment!.body).toContain(markdown);
    expect(kit.api.checkRuns).toHaveLength(1);
  });

  it('without a token writes the job summary and the outputs, and sends nothing', async () => {
    const runner = recordingRunner();
    await publish(resultsWith('fail'), sinks({ token: undefined }, runner), { configPath: null, files });
    expect(runner.calls).toEqual([
      'output verdict=fail',
      'output results-path=/r/results.json',
      'output report-path=/r/report.md',
      expect.stringMatching(/^summary .*perf-gate/s),
      'output comment-url=',
    ]);
    expect(kit.api.requests).toHaveLength(0);
  });

  it('a token GitHub refuses (401) throws after the verdict output, and sets no comment-url', async () => {
    const runner = recordingRunner();
    const error = await publish(
      resultsWith('fail'),
      sinks({ token: 'ghs_wrong_token_value', client: undefined, apiUrl: kit.api.baseUrl }, runner),
      { configPath: null, files },
    ).catch((e: unknown) => e);
    expect((error as { exitCode?: number }).exitCode).toBe(3);
    expect(runner.calls[0]).toBe('output verdict=fail');
    expect(runner.calls.some((c) => c.startsWith('output comment-url'))).toBe(false);
  });

  it("a file from an artifact under an event that names no head repository: the job summary says it is the fork's word", async () => {
    const runner = recordingRunner();
    const { pullRequest: _pr, ...dispatch } = prContext;
    await publish(
      resultsWith('pass'),
      {
        log: kit.log,
        jobSummary: runner,
        github: { ...sinks().github, context: { ...dispatch, eventName: 'workflow_dispatch' } },
      },
      { configPath: null, fromArtifact: true },
    );
    expect(runner.calls).toHaveLength(1); // no outputs sink: only the summary
    expect(runner.calls[0]!.startsWith(`summary ${FORK_NOTICE}`)).toBe(true);
  });

  it("annotates a missed target on this run's config, a file inside the workspace", async () => {
    const publication = await publish(resultsWith('fail'), sinks(), { configPath: 'perf-gate.yml', files });
    expect(publication.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ['perf-gate.yml', 2, 'failure'],
    ]);
    expect(kit.api.checkRuns[0]!.annotations).toHaveLength(1);
  });

  it("with the @actions/core adapter appends to GITHUB_STEP_SUMMARY after earlier steps' text", async () => {
    const summaryFile = join(workspace, 'step-summary.md');
    writeFileSync(summaryFile, 'earlier step\n');
    const saved = process.env.GITHUB_STEP_SUMMARY;
    // @actions/core's summary reads the path from the process environment, as it does on a runner.
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    try {
      const runner = actionsRunner({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile })!;
      await publish(
        resultsWith('pass'),
        { log: kit.log, jobSummary: runner, github: { ...sinks().github, token: undefined } },
        { configPath: null },
      );
    } finally {
      if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = saved;
    }
    const text = readFileSync(summaryFile, 'utf8');
    expect(text.startsWith('earlier step\n')).toBe(true);
    expect(text).toContain(commentMarkdown(resultsWith('pass'), prContext.runUrl));
  });

  it('outside GitHub Actions there is no adapter: nothing is published', () => {
    expect(actionsRunner({})).toBeUndefined();
    expect(actionsRunner({ GITHUB_ACTIONS: 'false' })).toBeUndefined();
  });
});
