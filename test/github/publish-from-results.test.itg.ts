/**
 * `perf-gate comment --results FILE` end to end against the GitHub-shaped server: a results.json
 * from the measuring workflow, the workflow_run event of a fork's PR (real payload shape), the
 * config in the workspace for annotations. Nothing of the fork runs; only files are read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PerfGateError } from '../../src/errors.js';
import { readRunContext } from '../../src/github/event-context.js';
import type { GitHubTarget, PublishSinks } from '../../src/github/publish.js';
import { publishFromResults } from '../../src/github/publish-from-results.js';
import { HEAD_SHA, type Kit, OWNER, REPO, startKit } from '../helpers/github-client.js';
import { failResults, passResults } from '../helpers/results-fixtures.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'github');
const workspace = mkdtempSync(join(tmpdir(), 'perf-gate-comment-'));
const outside = mkdtempSync(join(tmpdir(), 'perf-gate-outside-'));
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const CONFIG = [
  'targets:',
  '  - pipeline_time improves >= 20%',
  '  - pool_wait_p95 < 10ms',
  '  - latency_p95 worsens <= 5%',
  '',
].join('\n');
writeFileSync(join(workspace, 'perf-gate.yml'), CONFIG);

let kit: Kit;
beforeEach(async () => {
  kit = await startKit();
});
afterEach(async () => {
  await kit.api.close();
});

function env(eventFile: string): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_EVENT_NAME: 'workflow_run',
    GITHUB_EVENT_PATH: join(fixtures, eventFile),
    GITHUB_SHA: '5d41402abc4b2a76b9719d911017c592ae5cbf2c', // the default branch: not what was measured
    GITHUB_WORKFLOW: 'perf (comment)',
    GITHUB_JOB: 'comment',
    GITHUB_WORKSPACE: workspace,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '12934568000',
  };
}

function writeResults(name: string, value: unknown): string {
  const path = join(workspace, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/** What `perf-gate comment` passes publish() in the runner's environment `runner`. */
function sinks(runner: NodeJS.ProcessEnv, github: Partial<GitHubTarget> = {}): PublishSinks {
  return {
    log: kit.log,
    github: {
      context: readRunContext(runner),
      token: kit.api.token,
      commentMode: 'update',
      checkName: 'perf-gate',
      client: kit.client,
      workspace: runner.GITHUB_WORKSPACE,
      cwd: workspace,
      ...github,
    },
  };
}

function run(resultsPath: string, eventFile = 'workflow_run-fork.json') {
  return publishFromResults(resultsPath, sinks(env(eventFile)));
}

describe('publishFromResults', () => {
  it('after a fork PR: finds the PR, posts report.md rendered from results.json, and a failing Check with annotations on the config', async () => {
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: 'faster-rerank',
      headSha: HEAD_SHA,
    });
    const path = writeResults('results-fail.json', { ...failResults(), config: 'perf-gate.yml' });
    const outcome = await run(path);
    expect(outcome.warnings).toEqual([]);
    const [comment] = kit.api.commentsOn(OWNER, REPO, 57);
    expect(comment?.body).toContain("reported by the fork's own workflow job");
    expect(comment?.body).toContain('❌ perf-gate: 2 of 3 targets missed');
    expect(comment?.body).toContain('| `pipeline_time improves >= 20%` |');
    expect(comment?.body).toContain('https://github.com/acme/rag-backend/actions/runs/12934568000');
    const check = kit.api.checkRuns[0]!;
    expect(check).toMatchObject({ name: 'perf-gate (fork)', head_sha: HEAD_SHA, conclusion: 'failure' });
    expect(check.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ['perf-gate.yml', 2, 'failure'],
      ['perf-gate.yml', 4, 'failure'],
    ]);
    expect(outcome.commentUrl).toBe(comment?.html_url);
  });

  it("uses the PR number recorded in results.json once the PR's head matches the measured commit", async () => {
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 57,
      headOwner: 'contributor',
      headBranch: 'faster-rerank',
      headSha: HEAD_SHA,
    });
    const path = writeResults('results-recorded.json', {
      ...passResults(),
      pullRequest: { number: 57, headSha: HEAD_SHA },
    });
    await run(path);
    expect(kit.api.commentsOn(OWNER, REPO, 57)).toHaveLength(1);
    expect(kit.api.requestsTo('getPull')).toHaveLength(1);
    expect(kit.api.requestsTo('listPulls').filter((r) => r.query.head !== undefined)).toHaveLength(0);
    expect(kit.api.checkRuns[0]!.annotations).toEqual([]); // a passing run is not annotated
  });

  it("a fork's PR built on a maintainer's commit: neither the comment nor a success Check reaches the maintainer's PR", async () => {
    // The fork's results.json names the maintainer's PR #12, whose head is the same commit.
    kit.api.seedPullRequest(OWNER, REPO, {
      number: 12,
      headOwner: OWNER,
      headBranch: 'main-feature',
      headSha: HEAD_SHA,
    });
    const path = writeResults('results-hijack.json', {
      ...passResults(),
      pullRequest: { number: 12, headSha: HEAD_SHA },
    });
    const outcome = await run(path);
    expect(kit.api.commentsOn(OWNER, REPO, 12)).toEqual([]);
    expect(kit.api.checkRuns).toEqual([]);
    expect(outcome.warnings).toEqual([expect.stringContaining('also the head of #12 (acme:main-feature)')]);
  });

  it('after a same-repository PR takes the PR from the event, no lookup; a config outside the workspace gets no annotations', async () => {
    const path = writeResults('results-same.json', { ...failResults(), config: '/etc/perf-gate.yml' });
    const outcome = await run(path, 'workflow_run.json');
    expect(outcome.warnings).toEqual([]);
    expect(kit.api.commentsOn(OWNER, REPO, 42)).toHaveLength(1);
    expect(kit.api.requestsTo('listPulls')).toHaveLength(0);
    expect(outcome.annotations).toEqual([]);
  });

  it("under an event that does not name the head repository (issue_comment), the file counts as a fork's: no Check under the required name", async () => {
    const event = join(workspace, 'issue_comment.json');
    writeFileSync(
      event,
      JSON.stringify({
        action: 'created',
        issue: { number: 7 },
        comment: { body: '/perf' },
        repository: { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } },
      }),
    );
    const path = writeResults('results-dispatch.json', passResults());
    await publishFromResults(
      path,
      sinks({ ...env('workflow_run.json'), GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: event }),
    );
    expect(kit.api.checkRuns.map((c) => c.name).filter((name) => name === 'perf-gate')).toEqual([]);
  });

  it('refuses a file that is not a perf-gate results.json with an input error (exit 2) before any request', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['missing.json', undefined, /cannot read/],
      ['not-json.json', '{"verdict":', /not JSON/],
      ['other-tool.json', { tool: { name: 'k6' } }, /tool\.name.*"k6"/],
      ['bad-verdict.json', { ...passResults(), verdict: 'great' }, /verdict.*"great"/],
      ['no-targets.json', { ...passResults(), targets: null }, /'targets': got null; expected a value of type array/],
    ];
    for (const [name, value, message] of cases) {
      const path = value === undefined ? join(workspace, name) : writeResults(name, value);
      const error = await run(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PerfGateError);
      expect((error as PerfGateError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(message);
    }
    expect(kit.api.requests).toHaveLength(0);
  });

  describe('the config results.json names, read for annotations on the privileged job', () => {
    // No token: only the annotations are computed, nothing is sent.
    const annotate = (path: string) =>
      publishFromResults(
        path,
        sinks(env('workflow_run-fork.json'), {
          token: undefined,
          commentMode: 'off',
          checkName: undefined,
          client: undefined,
        }),
      );

    it('a symlink in the workspace that points outside it is not followed: no annotations', async () => {
      writeFileSync(join(outside, 'perf-gate.yml'), CONFIG);
      symlinkSync(join(outside, 'perf-gate.yml'), join(workspace, 'linked-out.yml'));
      const outcome = await annotate(
        writeResults('results-linked.json', { ...failResults(), config: 'linked-out.yml' }),
      );
      expect(outcome.annotations).toEqual([]);
      expect(
        kit.log.lines.some((l) =>
          l.includes("config 'linked-out.yml' is not a file inside the workspace (symlinks followed)"),
        ),
      ).toBe(true);
    });

    it('a regular file over 1 MiB is not read: no annotations', async () => {
      writeFileSync(join(workspace, 'huge.yml'), `${CONFIG}# ${'x'.repeat(1024 * 1024)}\n`);
      const outcome = await annotate(writeResults('results-huge.json', { ...failResults(), config: 'huge.yml' }));
      expect(outcome.annotations).toEqual([]);
    });

    it('a symlink to a device (/dev/zero) inside the workspace is not read: no annotations, no endless read', async () => {
      symlinkSync('/dev/zero', join(workspace, 'zero.yml'));
      const outcome = await annotate(writeResults('results-zero.json', { ...failResults(), config: 'zero.yml' }));
      expect(outcome.annotations).toEqual([]);
    });

    it('a FIFO inside the workspace is not opened (it would block): no annotations', async () => {
      execFileSync('mkfifo', [join(workspace, 'pipe.yml')]);
      const outcome = await annotate(writeResults('results-pipe.json', { ...failResults(), config: 'pipe.yml' }));
      expect(outcome.annotations).toEqual([]);
    });

    it('the config itself, a regular file inside, still gets its annotations', async () => {
      const outcome = await annotate(
        writeResults('results-inside.json', { ...failResults(), config: 'perf-gate.yml' }),
      );
      expect(outcome.annotations.map((a) => a.start_line)).toEqual([2, 4]);
    });

    it("squawk's findings on the pending migrations are annotated on their lines, only for files inside the workspace", async () => {
      const finding = (file: string, line: number, level: 'error' | 'warning') => ({
        file,
        line,
        column: 1,
        level,
        rule: 'require-concurrent-index-creation',
        message: 'During normal index creation, table updates are blocked @maintainers',
        help: 'Use CONCURRENTLY.',
      });
      const outcome = await annotate(
        writeResults('results-lint.json', {
          ...failResults(),
          config: 'perf-gate.yml',
          migrationLint: {
            squawkVersion: '2.61.0',
            findings: [
              finding('migrations/022_pool.sql', 8, 'error'),
              finding('migrations/022_pool.sql', 13, 'warning'),
              finding('../outside/evil.sql', 1, 'error'),
              finding(join(outside, 'abs.sql'), 1, 'error'),
            ],
          },
        }),
      );
      const lint = outcome.annotations.filter((a) => a.title?.startsWith('squawk'));
      expect(lint.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
        ['migrations/022_pool.sql', 8, 'warning'],
        ['migrations/022_pool.sql', 13, 'notice'],
      ]);
      expect(lint[0]!.message).toContain('@\u2060maintainers');
      expect(lint[0]!.message).toContain('Use CONCURRENTLY.');
      // The targets' annotations are still there, first.
      expect(outcome.annotations.slice(0, 2).map((a) => a.path)).toEqual(['perf-gate.yml', 'perf-gate.yml']);
    });
  });
});
