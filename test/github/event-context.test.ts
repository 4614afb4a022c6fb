/**
 * readRunContext on the runner's environment and real-shaped event payloads
 * (test/fixtures/github): which PR to comment on, whether it comes from a fork, and which commit
 * the Check run belongs to.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunContext } from '../../src/github/event-context.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'github');
const HEAD_SHA = '9f1c2b7d4e5a6f708192a3b4c5d6e7f8091a2b3c';
// What GITHUB_SHA holds for a pull_request event: the merge commit, not the PR's head.
const MERGE_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4';
const DEFAULT_BRANCH_SHA = '5d41402abc4b2a76b9719d911017c592ae5cbf2c';

function runnerEnv(eventName: string, fixture: string | undefined, sha: string): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: 'acme/rag-backend',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: fixture === undefined ? undefined : join(fixtures, fixture),
    GITHUB_SHA: sha,
    GITHUB_WORKFLOW: 'perf',
    GITHUB_JOB: 'gate',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '12934567999',
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'perf-gate-event-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('readRunContext', () => {
  it('pull_request from the same repository: the PR, its head commit, not a fork', () => {
    const context = readRunContext(runnerEnv('pull_request', 'pull_request.json', MERGE_SHA));
    expect(context).toEqual({
      owner: 'acme',
      repo: 'rag-backend',
      eventName: 'pull_request',
      pullRequest: { number: 42, headSha: HEAD_SHA, fromFork: false },
      sha: HEAD_SHA, // the Check goes on the PR head, not on the merge commit in GITHUB_SHA
      headBranch: 'phase-1-speedup',
      headRepository: { owner: 'acme', repo: 'rag-backend' },
      workflow: 'perf',
      job: 'gate',
      runUrl: 'https://github.com/acme/rag-backend/actions/runs/12934567999',
    });
  });

  it('pull_request from a fork is detected as such', () => {
    const context = readRunContext(runnerEnv('pull_request', 'pull_request-fork.json', MERGE_SHA));
    expect(context?.pullRequest).toEqual({ number: 57, headSha: HEAD_SHA, fromFork: true });
    expect(context?.headBranch).toBe('faster-rerank');
    expect(context?.headRepository).toEqual({ owner: 'contributor', repo: 'rag-backend' });
  });

  it('pull_request whose fork was deleted (head.repo null) still counts as from a fork', () => {
    const context = readRunContext(runnerEnv('pull_request', 'pull_request-deleted-fork.json', MERGE_SHA));
    expect(context?.pullRequest).toEqual({ number: 58, headSha: HEAD_SHA, fromFork: true });
  });

  it('pull_request_target carries the same payload and is read the same way', () => {
    const context = readRunContext(runnerEnv('pull_request_target', 'pull_request-fork.json', DEFAULT_BRANCH_SHA));
    expect(context?.eventName).toBe('pull_request_target');
    expect(context?.pullRequest?.fromFork).toBe(true);
    expect(context?.sha).toBe(HEAD_SHA);
  });

  it('push: no pull request, the Check goes on the pushed commit', () => {
    const context = readRunContext(runnerEnv('push', 'push.json', HEAD_SHA));
    expect(context?.pullRequest).toBeUndefined();
    expect(context?.sha).toBe(HEAD_SHA);
    expect(context?.eventName).toBe('push');
  });

  it('workflow_run after a same-repository PR: comments on that PR, Check on the measured commit', () => {
    const context = readRunContext(runnerEnv('workflow_run', 'workflow_run.json', DEFAULT_BRANCH_SHA));
    expect(context?.pullRequest).toEqual({ number: 42, headSha: HEAD_SHA, fromFork: false });
    expect(context?.sha).toBe(HEAD_SHA);
  });

  it('workflow_run after a fork PR (pull_requests is empty): no PR known, but the Check still goes on the measured commit', () => {
    const context = readRunContext(runnerEnv('workflow_run', 'workflow_run-fork.json', DEFAULT_BRANCH_SHA));
    expect(context?.pullRequest).toBeUndefined();
    expect(context?.sha).toBe(HEAD_SHA); // GITHUB_SHA here is the default branch's head
    // What comment-and-check.ts needs to find the PR itself: the fork's owner and branch.
    expect(context?.headBranch).toBe('faster-rerank');
    expect(context?.headRepository).toEqual({ owner: 'contributor', repo: 'rag-backend' });
  });

  it('workflow_run: an entry of pull_requests from another head repository or branch is not the PR of the run', () => {
    // A fork's run on a commit that is also the head of the maintainer's PR #12 (acme:phase-1-speedup),
    // with that PR listed: the run is the fork's, so #12 must not be taken.
    const event = JSON.parse(readFileSync(join(fixtures, 'workflow_run.json'), 'utf8')) as {
      workflow_run: Record<string, unknown>;
    };
    const fork = JSON.parse(readFileSync(join(fixtures, 'workflow_run-fork.json'), 'utf8')) as {
      workflow_run: Record<string, unknown>;
    };
    const maintainersPr = (event.workflow_run.pull_requests as { number: number }[])[0]!;
    const cases: Record<string, Record<string, unknown>> = {
      'head repository': {
        ...event.workflow_run,
        head_repository: fork.workflow_run.head_repository,
        pull_requests: [{ ...maintainersPr, number: 12 }],
      },
      'head branch': {
        ...event.workflow_run,
        head_branch: 'other-branch',
        pull_requests: [{ ...maintainersPr, number: 12 }],
      },
    };
    for (const [what, run] of Object.entries(cases)) {
      const path = join(scratch, `workflow_run-${what.replace(' ', '-')}.json`);
      writeFileSync(path, JSON.stringify({ ...event, workflow_run: run }));
      const context = readRunContext({
        ...runnerEnv('workflow_run', undefined, DEFAULT_BRANCH_SHA),
        GITHUB_EVENT_PATH: path,
      });
      expect(context?.pullRequest, what).toBeUndefined();
      expect(context?.sha, what).toBe(HEAD_SHA);
    }
  });

  it("workflow_run whose head repository was deleted (null) counts as a fork, as a pull_request's does", () => {
    const event = JSON.parse(readFileSync(join(fixtures, 'workflow_run.json'), 'utf8')) as {
      workflow_run: Record<string, unknown>;
    };
    const path = join(scratch, 'workflow_run-deleted-fork.json');
    writeFileSync(path, JSON.stringify({ ...event, workflow_run: { ...event.workflow_run, head_repository: null } }));
    const context = readRunContext({
      ...runnerEnv('workflow_run', undefined, DEFAULT_BRANCH_SHA),
      GITHUB_EVENT_PATH: path,
    });
    expect(context?.pullRequest).toEqual({ number: 42, headSha: HEAD_SHA, fromFork: true });
  });

  it('no GITHUB_REPOSITORY (not in Actions): no context at all', () => {
    expect(readRunContext({})).toBeUndefined();
    expect(readRunContext({ GITHUB_REPOSITORY: 'no-slash' })).toBeUndefined();
  });

  it('a missing or unreadable event file gives the repository and GITHUB_SHA, and no PR', () => {
    const broken = join(scratch, 'broken.json');
    writeFileSync(broken, '{"pull_request": ');
    for (const path of [broken, join(scratch, 'absent.json')]) {
      const context = readRunContext({ ...runnerEnv('pull_request', undefined, MERGE_SHA), GITHUB_EVENT_PATH: path });
      expect(context).toMatchObject({ owner: 'acme', repo: 'rag-backend', sha: MERGE_SHA });
      expect(context?.pullRequest).toBeUndefined();
    }
  });
});
