/**
 * The git-branch store against real git: a bare repository as the origin (a file:// remote), job
 * checkouts cloned from it (one shallow, as actions/checkout makes them), and appends from separate
 * processes racing on the one data branch.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import { GitBranchStore } from '../../src/history/git-branch-store.js';
import { GitCli } from '../../src/history/git-cli.js';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import { MemoryLogger } from '../../src/log.js';
import type { Results } from '../../src/report/results.js';

const childScript = fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url));
const demo = JSON.parse(
  readFileSync(new URL('../fixtures/results/demo.results.json', import.meta.url), 'utf8'),
) as Results;
const IDENTITY = ['-c', 'user.name=Test Engineer', '-c', 'user.email=test@example.com'];

let root: string;
let origin: string;
let originUrl: string;
const jobs: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Everything a job's checkout must keep: HEAD, its branch, the index, the working tree, its refs. */
function checkoutState(dir: string) {
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    branch: git(dir, 'symbolic-ref', 'HEAD'),
    status: git(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
    index: git(dir, 'ls-files', '--stage'),
    staged: git(dir, 'diff', '--cached'),
    unstaged: git(dir, 'diff'),
    // A successful push moves the remote-tracking ref of the data branch, as every push does; nothing else may move.
    refs: git(dir, 'for-each-ref')
      .split('\n')
      .filter((line) => !line.endsWith('\trefs/remotes/origin/perf-gate-data')),
  };
}

function record(runId: string, time: string, branch = 'main'): HistoryRecord {
  return {
    ...recordFromResults(demo, {
      repository: 'acme/search',
      branch,
      sha: 'c60a6a733dc8459eceff505fcafa774c007da8dc',
      configHash: configHash('test'),
    }),
    runId,
    time,
  };
}

function storeIn(dir: string, log = new MemoryLogger()): GitBranchStore {
  return new GitBranchStore({ git: new GitCli({ cwd: dir }), log, retry: { baseMs: 20, capMs: 200 } });
}

/** The data branch's file on the origin, read without any clone. */
function originFile(path: string): string {
  return git(origin, 'show', `refs/heads/perf-gate-data:${path}`);
}

function runChild(
  repo: string,
  worker: number,
  count: number,
): Promise<{ worker: number; attempts: number[]; races: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
      env: {
        ...process.env,
        HISTORY_TEST_REPO: repo,
        HISTORY_TEST_WORKER: String(worker),
        HISTORY_TEST_COUNT: String(count),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${worker} exited ${code}: ${err}`)),
    );
  });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'perf-gate-history-itg-'));
  origin = join(root, 'origin.git');
  originUrl = `file://${origin}`;
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  const seed = join(root, 'seed');
  git(root, 'clone', '--quiet', originUrl, seed);
  writeFileSync(join(seed, 'app.ts'), 'export const answer = 42;\n');
  git(seed, 'add', 'app.ts');
  git(seed, 'commit', '--quiet', '-m', 'The application');
  git(seed, 'push', '--quiet', 'origin', 'HEAD:main');
  jobs.a = join(root, 'job-a');
  jobs.b = join(root, 'job-b');
  jobs.c = join(root, 'job-c');
  git(root, 'clone', '--quiet', originUrl, jobs.a);
  // actions/checkout fetches one commit deep by default.
  git(root, 'clone', '--quiet', '--depth', '1', originUrl, jobs.b);
  git(root, 'clone', '--quiet', originUrl, jobs.c);
  // A job in the middle of its work: a staged change and an unstaged one must survive every append.
  writeFileSync(join(jobs.c, 'app.ts'), 'export const answer = 43;\n');
  git(jobs.c, 'add', 'app.ts');
  writeFileSync(join(jobs.c, 'app.ts'), 'export const answer = 44;\n');
  writeFileSync(join(jobs.c, 'notes.txt'), 'untracked\n');
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('GitBranchStore on a real origin', () => {
  it('creates the data branch with an orphan commit on the first append, and leaves the checkout as it was', async () => {
    const before = checkoutState(jobs.a);
    const outcome = await storeIn(jobs.a).append(record('first', '2026-12-01T08:00:00.000Z'));
    expect(outcome).toMatchObject({ file: 'records/2026-12.jsonl', attempts: 1 });
    expect(git(origin, 'rev-parse', 'refs/heads/perf-gate-data').trim()).toBe(outcome.commit);
    // An orphan: no parent, and nothing of the code branch in its tree.
    expect(git(origin, 'rev-list', '--parents', '-n', '1', 'refs/heads/perf-gate-data').trim()).toBe(outcome.commit);
    expect(git(origin, 'ls-tree', '-r', '--name-only', 'refs/heads/perf-gate-data').trim()).toBe(
      'records/2026-12.jsonl',
    );
    expect(JSON.parse(originFile('records/2026-12.jsonl'))).toMatchObject({
      version: 1,
      runId: 'first',
      repository: 'acme/search',
    });
    expect(checkoutState(jobs.a)).toEqual(before);
    expect(git(jobs.a, 'status', '--porcelain')).toBe('');
  });

  it('keeps every record of four processes appending five each at once, each exactly once, on a linear history', async () => {
    const before = { a: checkoutState(jobs.a), b: checkoutState(jobs.b), c: checkoutState(jobs.c) };
    // Two processes share checkout a: concurrent jobs on one runner must not trip over each other either.
    const outcomes = await Promise.all([
      runChild(jobs.a, 1, 5),
      runChild(jobs.b, 2, 5),
      runChild(jobs.c, 3, 5),
      runChild(jobs.a, 4, 5),
    ]);
    expect(outcomes.map((o) => o.attempts.length)).toEqual([5, 5, 5, 5]);

    const lines = ['records/2026-11.jsonl', 'records/2026-12.jsonl'].flatMap((file) =>
      originFile(file).trimEnd().split('\n'),
    );
    const runIds = lines.map((line) => (JSON.parse(line) as HistoryRecord).runId).sort();
    const expected = [1, 2, 3, 4].flatMap((w) => [0, 1, 2, 3, 4].map((i) => `worker-${w}-run-${i}`));
    expect(runIds).toEqual(['first', ...expected].sort());
    // One commit per record after the first, each on the one before: no merge, nothing lost to a force push.
    expect(git(origin, 'rev-list', '--count', 'refs/heads/perf-gate-data').trim()).toBe('21');
    expect(git(origin, 'rev-list', '--merges', 'refs/heads/perf-gate-data').trim()).toBe('');

    expect({ a: checkoutState(jobs.a), b: checkoutState(jobs.b), c: checkoutState(jobs.c) }).toEqual(before);
    expect(git(jobs.a, 'status', '--porcelain')).toBe('');
    expect(git(jobs.b, 'status', '--porcelain')).toBe('');
    // The shallow checkout stayed one commit deep on its own branch.
    expect(git(jobs.b, 'rev-list', '--count', 'HEAD').trim()).toBe('1');
    const retries = outcomes.flatMap((o) => o.attempts).reduce((sum, n) => sum + n - 1, 0);
    const races = outcomes.flatMap((o) => o.races);
    expect(races).toHaveLength(retries);
    const counts = new Map<string, number>();
    for (const reason of races) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    const byReason = [...counts].map(([reason, n]) => `${reason} × ${n}`);
    console.info(`history: 20 concurrent appends took ${retries} retries: ${byReason.join(', ') || 'none'}`);
    // Five processes at once on a busy two-core runner: each git call can take a tenth of a second there.
  }, 300_000);

  it('reads the records back by month, since a date, by code branch and the most recent few', async () => {
    const log = new MemoryLogger();
    const store = storeIn(jobs.c, log);
    await store.append(record('feature-run', '2026-12-20T12:00:00.000Z', 'feature/faster-search'));

    const all = await store.read();
    expect(all).toHaveLength(22);
    expect(all.map((r) => r.time)).toEqual([...all.map((r) => r.time)].sort());

    const december = await store.read({ since: '2026-12-01' });
    expect(december.map((r) => r.runId).sort()).toEqual(
      ['feature-run', 'first', ...[1, 2, 3, 4].flatMap((w) => [1, 3].map((i) => `worker-${w}-run-${i}`))].sort(),
    );
    expect(december.every((r) => r.time >= '2026-12-01')).toBe(true);

    const sinceMidMonth = await store.read({ since: '2026-11-12T00:00:00Z' });
    expect(
      sinceMidMonth
        .filter((r) => r.time.startsWith('2026-11'))
        .map((r) => r.runId)
        .sort(),
    ).toEqual([2, 3, 4].flatMap((w) => [0, 2, 4].map((i) => `worker-${w}-run-${i}`)).sort());

    expect((await store.read({ branch: 'feature/faster-search' })).map((r) => r.runId)).toEqual(['feature-run']);
    expect((await store.read({ branch: 'main', limit: 2 })).map((r) => r.runId)).toEqual([
      'worker-4-run-1',
      'worker-4-run-3',
    ]);
    expect(log.lines.filter((line) => line.startsWith('warning:'))).toEqual([]);
  });

  it('skips a corrupt line with a warning naming the file and line, and appends after a file that lost its final newline', async () => {
    // Someone edits the data branch by hand: a cut line, a record of a later version, no final newline.
    const editor = join(root, 'editor');
    git(root, 'clone', '--quiet', '--branch', 'perf-gate-data', originUrl, editor);
    const file = join(editor, 'records', '2026-12.jsonl');
    const lineCount = readFileSync(file, 'utf8').trimEnd().split('\n').length;
    appendFileSync(
      file,
      `{"version":1,"repository":"acme/sea\n${JSON.stringify({ ...record('later', '2026-12-21T00:00:00.000Z'), version: 2 })}`,
    );
    git(editor, 'commit', '--quiet', '-am', 'Hand edit');
    git(editor, 'push', '--quiet', 'origin', 'perf-gate-data');

    const log = new MemoryLogger();
    const store = storeIn(jobs.b, log);
    await store.append(record('after-edit', '2026-12-22T00:00:00.000Z'));
    const records = await store.read({ since: '2026-12-01' });
    expect(records.map((r) => r.runId)).toContain('after-edit');
    expect(records.map((r) => r.runId)).not.toContain('later');
    expect(records).toHaveLength(11);
    const warnings = log.lines.filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^warning: history: perf-gate-data:records/2026-12\\.jsonl line ${lineCount + 1} is not JSON \\(.+\\); skipped$`,
        ),
      ),
      `warning: history: perf-gate-data:records/2026-12.jsonl line ${lineCount + 2} is not a history record (version: got 2; expected 1 (this perf-gate reads version 1 records)); skipped`,
    ]);
    // The append began a line of its own: the edited line is still what it was.
    expect(originFile('records/2026-12.jsonl').trimEnd().split('\n').at(-1)).toContain('"runId":"after-edit"');
  });

  it('reports a push the remote refuses for a reason other than a race at once, with git’s message and no retry', async () => {
    const hook = join(origin, 'hooks', 'pre-receive');
    const calls = join(root, 'hook-calls');
    writeFileSync(
      hook,
      `#!/bin/sh\necho called >> '${calls}'\necho "perf-gate-data is frozen for maintenance" >&2\nexit 1\n`,
    );
    chmodSync(hook, 0o755);
    const before = git(origin, 'rev-parse', 'refs/heads/perf-gate-data');
    try {
      const error = await storeIn(jobs.a)
        .append(record('refused', '2026-12-23T00:00:00.000Z'))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(InfrastructureError);
      expect((error as InfrastructureError).exitCode).toBe(3);
      expect((error as Error).message).toContain('refused the push to perf-gate-data');
      expect((error as Error).message).toContain('[remote rejected] (pre-receive hook declined)');
      expect((error as Error).message).toContain('remote: perf-gate-data is frozen for maintenance');
      expect(readFileSync(calls, 'utf8')).toBe('called\n');
      expect(git(origin, 'rev-parse', 'refs/heads/perf-gate-data')).toBe(before);
    } finally {
      rmSync(hook);
    }
  });

  it('never prints the credentials of the remote URL when git fails', async () => {
    const job = join(root, 'job-with-token');
    mkdirSync(job);
    git(job, 'init', '--quiet');
    // Port 9 (discard) on loopback: nothing listens, so git fails naming the URL.
    git(job, 'remote', 'add', 'origin', 'http://x-access-token:ghs_s3cr3tT0ken@127.0.0.1:9/acme/search.git');
    const error = await storeIn(job)
      .append(record('offline', '2026-12-24T00:00:00.000Z'))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toContain('git ls-remote');
    expect((error as Error).message).not.toContain('ghs_s3cr3tT0ken');
  });
});
