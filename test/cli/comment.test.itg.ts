/**
 * `perf-gate comment --results FILE` through the CLI entry, against the GitHub-shaped loopback server:
 * the flags and environment reach the publisher, the comment lands on the PR, and bad input exits 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';
import { FakeGitHubApi } from '../helpers/fake-github-api.js';
import { failResults } from '../helpers/results-fixtures.js';

const fixtures = resolve(import.meta.dirname, '../fixtures/github');
const dir = mkdtempSync(join(tmpdir(), 'perf-gate-cli-comment-'));
const resultsPath = join(dir, 'results.json');
let api: FakeGitHubApi;
const saved = { ...process.env };

beforeAll(async () => {
  api = await FakeGitHubApi.start();
  writeFileSync(resultsPath, JSON.stringify(failResults()));
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]) {
  let stdout = '';
  const log = new MemoryLogger();
  const code = await main(argv, { stdout: (t) => (stdout += t), log });
  return { code, stdout, log: log.lines.join('\n') };
}

describe('perf-gate comment', () => {
  function prEvent() {
    Object.assign(process.env, {
      GITHUB_ACTIONS: '',
      GITHUB_API_URL: api.baseUrl,
      GITHUB_REPOSITORY: 'acme/rag-backend',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: join(fixtures, 'pull_request.json'),
      GITHUB_WORKFLOW: 'perf',
      GITHUB_JOB: 'comment',
    });
  }

  it('posts the sticky comment for the PR of the event and exits 0 even for a failed verdict', async () => {
    prEvent();
    const { code, stdout, log } = await run(['comment', '--results', resultsPath, '--github-token', api.token]);
    expect(code, log).toBe(0);
    const comments = api.commentsOn('acme', 'rag-backend', 42);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('❌ perf-gate: 2 of 3 targets missed');
    expect(stdout.trim()).toBe(comments[0]!.html_url);
    expect(log).not.toContain(api.token);
  });

  it('a token GitHub refuses (401 Bad credentials) exits 3 and says so, without the token and without "posted"', async () => {
    prEvent();
    const expired = 'ghp_expiredTokenValue0123456789abcdef';
    const before = api.commentsOn('acme', 'rag-backend', 42).length;
    const { code, stdout, log } = await run(['comment', '--results', resultsPath, '--github-token', expired]);
    expect(code, log).toBe(3);
    expect(log).toMatch(/error: GitHub refused the token \(401 Bad credentials/);
    expect(log).toContain('wrong, expired or revoked');
    expect(log).not.toContain(expired);
    expect(log).not.toMatch(/posted/);
    expect(stdout).toBe('');
    expect(api.commentsOn('acme', 'rag-backend', 42)).toHaveLength(before);
  });

  it("a fork's read-only token (403) is still a warning and exit 0, and the log does not claim a post", async () => {
    prEvent();
    api.inject('createComment', { kind: 'forbidden-integration' });
    api.inject('createCheckRun', { kind: 'forbidden-integration' });
    const { code, stdout, log } = await run([
      'comment',
      '--results',
      resultsPath,
      '--github-token',
      api.token,
      '--comment-key',
      'fork',
    ]);
    expect(code, log).toBe(0);
    expect(log).toMatch(/warning: The token cannot write PR comments \(403/);
    expect(log).toContain('posted nothing for the fail verdict (see the warnings above)');
    expect(stdout).toBe('');
  });

  it('a rate limit that asks for an hour is a "rate limited" warning and exit 0, not an hour of waiting', {
    timeout: 30_000,
  }, async () => {
    prEvent();
    api.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 3600 });
    const { code, log } = await run([
      'comment',
      '--results',
      resultsPath,
      '--github-token',
      api.token,
      '--comment-key',
      'limited',
    ]);
    expect(code, log).toBe(0);
    expect(log).toMatch(/warning: GitHub is rate limiting this token \(429[^\n]*the PR comment skipped/);
    expect(log).toContain('posted the Check run for the fail verdict');
  });

  it('names the missing flag', async () => {
    const missing = await run(['comment', '--github-token', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.log).toContain('--results: got nothing; expected the path of a results.json');
  });

  it.each([
    ['schemaVersion 999', { schemaVersion: 999 }, "field 'schemaVersion': got 999; expected 1"],
    ['schemaVersion 1.5', { schemaVersion: 1.5 }, "field 'schemaVersion': got 1.5; expected 1"],
    ['targets: [null]', { targets: [null] }, "field 'targets[0]': got null; expected a value of type object"],
    [
      'flags: "x"',
      { rounds: failResults().rounds.map((r, i) => (i === 0 ? { ...r, flags: 'x' } : r)) },
      `field 'rounds[0].flags': got "x"; expected a value of type array`,
    ],
    [
      'status: "constructor"',
      { targets: failResults().targets.map((t, i) => (i === 0 ? { ...t, status: 'constructor' } : t)) },
      `field 'targets[0].status': got "constructor"; expected one of "pass", "fail", "inconclusive", "no-data"`,
    ],
  ])(
    'refuses a results.json with %s: exit 2 naming the JSON path, no TypeError, nothing posted',
    async (_name, change, message) => {
      Object.assign(process.env, {
        GITHUB_ACTIONS: '',
        GITHUB_API_URL: api.baseUrl,
        GITHUB_REPOSITORY: 'acme/rag-backend',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: join(fixtures, 'pull_request.json'),
      });
      const path = join(dir, 'hostile.json');
      writeFileSync(path, JSON.stringify({ ...failResults(), ...change }));
      const before = api.requests.length;
      const { code, log } = await run(['comment', '--results', path, '--github-token', api.token]);
      expect(code, log).toBe(2);
      expect(log).toContain(`--results '${path}' ${message}`);
      expect(log).not.toMatch(/TypeError|Cannot read properties/);
      expect(api.requests.length).toBe(before);
    },
  );

  it('refuses a file that is not a results.json (exit 2) without calling GitHub', async () => {
    const bogus = join(dir, 'bogus.json');
    writeFileSync(bogus, '{"hello": 1}');
    const before = api.requests.length;
    const { code } = await run(['comment', '--results', bogus, '--github-token', api.token]);
    expect(code).toBe(2);
    expect(api.requests.length).toBe(before);
  });
});
