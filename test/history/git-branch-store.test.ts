/**
 * The pure parts of the git-branch store: reading git's push status, the retry waits, and what the git
 * wrapper prints. The store itself runs against real git in git-branch-store.test.itg.ts.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyPush, GitBranchStore } from '../../src/history/git-branch-store.js';
import { formatGitCommand, GitCli, maskUrlCredentials } from '../../src/history/git-cli.js';
import { MemoryLogger } from '../../src/log.js';

const REF = 'refs/heads/perf-gate-data';
const SHA = '7aefc15677eef2c9c1e7a1e373f9e6d2f1de22f4';

// Status lines as `git push --porcelain` 2.39 prints them (recorded against a local bare repository).
const pushed = { exitCode: 0, stdout: `To file:///tmp/origin.git\n*\t${SHA}:${REF}\t[new branch]\nDone\n`, stderr: '' };
const fastForward = {
  exitCode: 0,
  stdout: `To file:///tmp/origin.git\n \t${SHA}:${REF}\tcfed60d..7aefc15\nDone\n`,
  stderr: '',
};
const nonFastForward = {
  exitCode: 1,
  stdout: `To file:///tmp/origin.git\n!\t${SHA}:${REF}\t[rejected] (non-fast-forward)\nDone\n`,
  stderr:
    "error: failed to push some refs to 'file:///tmp/origin.git'\nhint: Updates were rejected because a pushed branch tip is behind its remote\n",
};
const fetchFirst = {
  ...nonFastForward,
  stdout: `To file:///tmp/origin.git\n!\t${SHA}:${REF}\t[rejected] (fetch first)\nDone\n`,
};
const lostLock = {
  exitCode: 1,
  stdout: `To file:///tmp/origin.git\n!\t${SHA}:${REF}\t[remote rejected] (failed to update ref)\nDone\n`,
  stderr: `remote: error: cannot lock ref '${REF}': is at cfed60d but expected 96b9048\nerror: failed to push some refs to 'file:///tmp/origin.git'\n`,
};
const hook = {
  exitCode: 1,
  stdout: `To https://x-access-token:ghs_secret@github.com/acme/search.git\n!\t${SHA}:${REF}\t[remote rejected] (pre-receive hook declined)\nDone\n`,
  stderr:
    "remote: data branch is frozen\nerror: failed to push some refs to 'https://x-access-token:ghs_secret@github.com/acme/search.git'\n",
};
const forbidden = {
  exitCode: 128,
  stdout: '',
  stderr:
    "remote: Permission to acme/search.git denied to github-actions[bot].\nfatal: unable to access 'https://github.com/acme/search.git/': The requested URL returned error: 403\n",
};

describe('classifyPush', () => {
  it('reads a new branch and a fast-forward as pushed', () => {
    expect(classifyPush(pushed, REF)).toEqual({ kind: 'pushed' });
    expect(classifyPush(fastForward, REF)).toEqual({ kind: 'pushed' });
  });

  it('reads a branch that moved under the push as a race to retry, whether the client or the server saw it', () => {
    expect(classifyPush(nonFastForward, REF)).toEqual({ kind: 'moved', reason: '[rejected] (non-fast-forward)' });
    expect(classifyPush(fetchFirst, REF)).toEqual({ kind: 'moved', reason: '[rejected] (fetch first)' });
    expect(classifyPush(lostLock, REF)).toEqual({ kind: 'moved', reason: '[remote rejected] (failed to update ref)' });
  });

  it('reads a hook’s refusal and a missing permission as final, with what the remote said', () => {
    const refused = classifyPush(hook, REF);
    expect(refused.kind).toBe('refused');
    expect(refused.kind === 'refused' && refused.reason).toContain(
      '[remote rejected] (pre-receive hook declined)\nremote: data branch is frozen',
    );
    const denied = classifyPush(forbidden, REF);
    expect(denied).toMatchObject({ kind: 'refused' });
    expect(denied.kind === 'refused' && denied.reason).toContain('The requested URL returned error: 403');
  });
});

describe('backoffDelay', () => {
  const policy = { baseMs: 200, capMs: 5_000 };

  it('draws each wait below a ceiling that doubles per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, policy, () => 0.999999))).toEqual([
      199, 399, 799, 1599, 3199, 4999, 4999,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
  });
});

describe('the git wrapper', () => {
  it('masks the credentials of every URL form, token alone or user and token', () => {
    expect(maskUrlCredentials("unable to access 'https://x-access-token:ghs_abc123@github.com/acme/search.git/'")).toBe(
      "unable to access 'https://***@github.com/acme/search.git/'",
    );
    expect(maskUrlCredentials('push https://ghp_abc123@github.com/acme/search.git')).toBe(
      'push https://***@github.com/acme/search.git',
    );
    expect(maskUrlCredentials('git@github.com:acme/search.git and file:///tmp/origin.git')).toBe(
      'git@github.com:acme/search.git and file:///tmp/origin.git',
    );
    const git = new GitCli({ cwd: '.' });
    git.addSecret('ghs_0123456789abcdefghij');
    expect(git.mask('token ghs_0123456789abcdefghij in https://user:pw@host/x')).toBe(
      'token *** in https://***@host/x',
    );
  });

  it('prints a command so its argv split is visible', () => {
    expect(formatGitCommand(['commit-tree', '-m', 'Record run 1', 'abc123^{tree}'])).toBe(
      'git commit-tree -m "Record run 1" "abc123^{tree}"',
    );
  });
});

describe('GitBranchStore options', () => {
  const git = new GitCli({ cwd: '.' });
  const log = new MemoryLogger();

  it('refuses a data branch or remote that git would read as an option or not accept', () => {
    expect(() => new GitBranchStore({ git, log, branch: '--force' })).toThrow('history branch: got "--force"');
    expect(() => new GitBranchStore({ git, log, branch: 'data..x' })).toThrow('history branch');
    expect(() => new GitBranchStore({ git, log, remote: '--upload-pack=evil' })).toThrow('history remote');
    expect(() => new GitBranchStore({ git, log, retry: { maxAttempts: 0 } })).toThrow(
      'history retry.maxAttempts: got 0',
    );
    expect(new GitBranchStore({ git, log }).branch).toBe('perf-gate-data');
  });
});
