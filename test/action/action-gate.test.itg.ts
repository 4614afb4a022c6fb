/**
 * perf-gate's action.yml run the way GitHub's runner runs it (test/harness), end to end: the bundled
 * dist/index.js in every step, a real PostgreSQL server, a real Docker engine for the image
 * config, and the GitHub-API-shaped loopback server as GITHUB_API_URL. Every run is also checked
 * by the harness for masked values leaking into later output.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type ActionRun, type RunActionOptions, runAction } from '../harness/composite-runner.js';
import { loadEventFixture } from '../harness/events.js';
import { probeDocker } from '../helpers/docker.js';
import { FakeGitHubApi } from '../helpers/fake-github-api.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const PASS_CONFIG = join(root, 'test/action/gate-pass.yml');
const DOCKER_MISS_CONFIG = join(root, 'test/action/gate-docker-miss.yml');
const FAILING_MIGRATION_CONFIG = join(root, 'test/fixtures/e2e/failing-migration.yml');
const OWNER = 'octo-org';
const REPO = 'octo-service';
const PR_HEAD_SHA = `c0ffee42${'a'.repeat(32)}`;

let api: FakeGitHubApi;
const runs: ActionRun[] = [];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error('dist/index.js is missing: the action runs the bundle (npm run build)');
  api = await FakeGitHubApi.start();
});
afterAll(async () => {
  for (const run of runs) run.dispose();
  await api?.close();
});

async function gate(
  options: Omit<RunActionOptions, 'actionDir' | 'apiUrl' | 'githubToken' | 'repository'>,
  server: FakeGitHubApi = api,
): Promise<ActionRun> {
  const run = await runAction({
    actionDir: root,
    apiUrl: server.baseUrl,
    githubToken: server.token,
    repository: `${OWNER}/${REPO}`,
    stepTimeoutMs: 300_000,
    ...options,
  });
  runs.push(run);
  return run;
}

/** What the steps printed, for failure messages, masked as the runner's log would be. */
function transcript(run: ActionRun): string {
  const mask = (text: string) => {
    let out = text
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const secret of [...run.masks].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
    return out;
  };
  const steps = run.steps.map(
    (s) =>
      `--- ${s.id} (${s.outcome}, exit ${s.exitCode})\n${mask(s.stdout.slice(-2500))}\n${mask(s.stderr.slice(-2500))}`,
  );
  // A backend that died early says why only in its own log.
  for (const variant of ['baseline', 'candidate']) {
    const log = join(run.workspace, 'perf-gate-report', `backend-${variant}.log`);
    if (existsSync(log)) steps.push(`--- backend-${variant}.log\n${mask(readFileSync(log, 'utf8').slice(-1500))}`);
  }
  return steps.join('\n');
}

function readResults(run: ActionRun): {
  verdict: string;
  rounds: unknown[];
  targets: { expression: string; status: string }[];
  error?: { stage: string; exitCode: number };
} {
  return JSON.parse(readFileSync(run.outputs['results-path']!, 'utf8'));
}

function managedContainers(): string {
  return spawnSync('docker', ['ps', '-a', '--filter', 'label=perf-gate.managed', '--format', '{{.Names}}'], {
    encoding: 'utf8',
  }).stdout.trim();
}

/**
 * Backend processes of this workflow run still alive: perf-gate starts them with
 * PERF_GATE_RUN_ID=<GITHUB_RUN_ID>-<attempt>-<job>-<entropy> in their environment.
 */
function processesOfRun(run: ActionRun): number[] {
  const marker = `PERF_GATE_RUN_ID=${run.jobEnv.GITHUB_RUN_ID}-`;
  const pids: number[] = [];
  for (const entry of spawnSync('ls', ['/proc'], { encoding: 'utf8' }).stdout.split('\n')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (
        readFileSync(`/proc/${entry}/environ`, 'utf8')
          .split('\0')
          .some((v) => v.startsWith(marker))
      )
        pids.push(Number(entry));
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return pids;
}

describe('action.yml as written', () => {
  it('passes inputs to scripts only through env:, never as ${{ }} inside run:', () => {
    const action = parseYaml(readFileSync(join(root, 'action.yml'), 'utf8')) as {
      runs: { steps: { id: string; run: string; env?: Record<string, string> }[] };
    };
    for (const step of action.runs.steps) {
      expect(step.run, `step ${step.id}`).not.toContain('${{');
      // Every stage finds the run through the same state file; the history step reads the results compare wrote;
      // the mode check and verify (which measures nothing on the runner) have no run state.
      if (step.id === 'history') expect(step.env?.PERF_GATE_RESULTS).toBe('${{ steps.compare.outputs.results-path }}');
      else if (step.id === 'mode' || step.id === 'verify') expect(step.env?.PERF_GATE_STATE).toBeUndefined();
      else expect(step.env?.PERF_GATE_STATE, `step ${step.id}`).toBe('${{ runner.temp }}/perf-gate/state.json');
    }
    expect(action.runs.steps.map((s) => s.id)).toEqual([
      'mode',
      'migrate',
      'boot',
      'bench',
      'compare',
      'history',
      'verify',
      'cleanup',
    ]);
  });
});

describe('the action through the runner harness', () => {
  it('a pull request that meets every target: comment posted, Check green, outputs set, summary written, database URL masked', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    // A preview database reached with a password, given as a secret: the runner masks the whole
    // URL and perf-gate must mask the password itself before printing anything.
    const cluster: TestCluster = await startTestCluster();
    try {
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query('CREATE DATABASE gate_preview');
      await admin.end();
      const password = 'Harness-Pw-7f3e9a1c';
      const databaseUrl = cluster.urlFor('gate_preview').replace('postgres@', `postgres:${password}@`);
      const run = await gate({
        event: loadEventFixture('pull_request'),
        // A pull request is never recorded in the history, even when the input asks for it.
        inputs: { config: PASS_CONFIG, 'database-url': databaseUrl, history: 'git-branch' },
        secrets: [databaseUrl],
      });

      expect(run.outcome, transcript(run)).toBe('success');
      expect(run.steps.map((s) => `${s.id}:${s.outcome}`)).toEqual([
        'mode:skipped',
        'migrate:success',
        'boot:success',
        'bench:success',
        'compare:success',
        'history:skipped',
        'verify:skipped',
        'cleanup:success',
      ]);
      expect(run.outputs.verdict).toBe('pass');
      expect(readResults(run).targets.map((t) => `${t.expression}: ${t.status}`)).toEqual([
        'pipeline_time improves >= 20%: pass',
        'early_exit_rate >= 30%: pass',
        'error_rate <= 1%: pass',
      ]);
      const report = readFileSync(run.outputs['report-path']!, 'utf8');
      expect(report.split('\n')[0]).toBe('### ✅ perf-gate: all 3 targets met');

      const comments = api.commentsOn(OWNER, REPO, 42);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('### ✅ perf-gate: all 3 targets met');
      expect(run.outputs['comment-url']).toBe(comments[0]!.html_url);
      const check = api.checkRuns.at(-1)!;
      // The Check belongs to the PR's head commit, not to GITHUB_SHA (the test merge commit).
      expect(check).toMatchObject({
        name: 'perf-gate',
        head_sha: PR_HEAD_SHA,
        status: 'completed',
        conclusion: 'success',
      });
      expect(run.summary).toContain('✅ perf-gate: all 3 targets met');

      // perf-gate registered the password with ::add-mask:: itself, in the first step.
      expect(run.step('migrate').commands.some((c) => c.command === 'add-mask' && c.message === password)).toBe(true);
      expect(run.leaks).toEqual([]);
      expect(readFileSync(run.outputs['results-path']!, 'utf8')).not.toContain(password);
      expect(processesOfRun(run)).toEqual([]);
    } finally {
      await cluster.stop();
    }
  }, 300_000);

  it('a pull request that misses a target: the compare step fails, the comment names the target, cleanup runs, no container is left', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    if (!requireService('Docker engine', probeDocker())) return ctx.skip();
    // @ts-expect-error: a plain .mjs module without type declarations
    const { buildBackendRagImage } = await import('../../examples/backend-rag/build-image.mjs');
    buildBackendRagImage();
    const before = api.commentsOn(OWNER, REPO, 42).length;
    const run = await gate({
      event: loadEventFixture('pull_request'),
      inputs: { config: DOCKER_MISS_CONFIG, 'comment-key': 'docker' },
    });

    expect(run.outcome, transcript(run)).toBe('failure');
    expect(run.steps.map((s) => `${s.id}:${s.outcome}`)).toEqual([
      'mode:skipped',
      'migrate:success',
      'boot:success',
      'bench:success',
      'compare:failure',
      'history:skipped',
      'verify:skipped',
      'cleanup:success',
    ]);
    expect(run.step('compare').exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    const comments = api.commentsOn(OWNER, REPO, 42);
    // A different comment-key: a second sticky comment next to the first test's one, not an edit of it.
    expect(comments).toHaveLength(before + 1);
    const body = comments.at(-1)!.body;
    expect(body).toContain('### ❌ perf-gate: 1 of 2 targets missed');
    expect(body).toMatch(/throughput improves >= 50%[^\n]*(❌|fail)/i);
    expect(api.checkRuns.at(-1)).toMatchObject({ head_sha: PR_HEAD_SHA, conclusion: 'failure' });
    expect(managedContainers()).toBe('');
    expect(processesOfRun(run)).toEqual([]);
  }, 300_000);

  it("a fork's pull request (read-only token): summary and a warning, the step is not red", async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    // GitHub gives a fork's pull_request run a read-only GITHUB_TOKEN: every write answers 403.
    const readOnly = await FakeGitHubApi.start();
    readOnly.inject('createComment', { kind: 'forbidden-integration' }, Infinity);
    readOnly.inject('createCheckRun', { kind: 'forbidden-integration' }, Infinity);
    try {
      const run = await gate(
        { event: loadEventFixture('pull_request-fork'), inputs: { config: PASS_CONFIG } },
        readOnly,
      );
      expect(run.outcome, transcript(run)).toBe('success');
      expect(run.outputs.verdict).toBe('pass');
      expect(run.outputs['comment-url']).toBe('');
      expect(run.summary).toContain('✅ perf-gate: all 3 targets met');
      const warnings = run.annotations.filter((a) => a.command === 'warning').map((a) => a.message);
      expect(warnings.some((w) => w.includes('cannot write PR comments') && w.includes('workflow_run'))).toBe(true);
      expect(run.annotations.filter((a) => a.command === 'error')).toEqual([]);
      // The writes were tried and refused; nothing was written.
      expect(readOnly.requestsTo('createComment').map((r) => r.status)).toEqual([403]);
      expect(readOnly.commentsOn(OWNER, REPO, 57)).toEqual([]);
      expect(readOnly.checkRuns).toEqual([]);
    } finally {
      await readOnly.close();
    }
  }, 300_000);

  it('GitHub rate limits the comment for an hour: a warning, the Check still posted, the step is not red and does not wait', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const limited = await FakeGitHubApi.start();
    limited.inject('createComment', { kind: 'secondary-rate-limit', retryAfterSeconds: 3600 });
    try {
      const began = Date.now();
      const run = await gate(
        { event: loadEventFixture('pull_request'), inputs: { config: PASS_CONFIG, 'comment-key': 'limited' } },
        limited,
      );
      expect(run.outcome, transcript(run)).toBe('success');
      expect(run.outputs.verdict).toBe('pass');
      expect(run.outputs['comment-url']).toBe('');
      const warnings = run.annotations.filter((a) => a.command === 'warning').map((a) => a.message);
      expect(
        warnings.some((w) => w.includes('GitHub is rate limiting this token') && w.includes('the PR comment skipped')),
        transcript(run),
      ).toBe(true);
      expect(limited.commentsOn(OWNER, REPO, 57)).toEqual([]);
      expect(limited.checkRuns.map((c) => c.conclusion)).toEqual(['success']);
      // The hour GitHub asked for was not waited out.
      expect(Date.now() - began).toBeLessThan(300_000);
    } finally {
      await limited.close();
    }
  }, 300_000);

  it('a token GitHub refuses (401): the compare step fails with exit 3 and says why; verdict, summary and cleanup are still there', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const revoked = 'ghp_revokedTokenValue0123456789abcdef';
    const requestsBefore = api.requests.length;
    const run = await runAction({
      actionDir: root,
      apiUrl: api.baseUrl,
      githubToken: revoked,
      repository: `${OWNER}/${REPO}`,
      stepTimeoutMs: 300_000,
      event: loadEventFixture('pull_request'),
      inputs: { config: PASS_CONFIG, 'comment-key': 'revoked' },
    });
    runs.push(run);
    expect(
      run.steps.map((s) => `${s.id}:${s.outcome}`),
      transcript(run),
    ).toEqual([
      'mode:skipped',
      'migrate:success',
      'boot:success',
      'bench:success',
      'compare:failure',
      'history:skipped',
      'verify:skipped',
      'cleanup:success',
    ]);
    expect(run.step('compare').exitCode).toBe(3);
    expect(run.outputs.verdict).toBe('pass');
    expect(existsSync(run.outputs['results-path']!)).toBe(true);
    expect(run.summary).toContain('✅ perf-gate: all 3 targets met');
    const errors = run.annotations.filter((a) => a.command === 'error').map((a) => a.message);
    expect(
      errors.some(
        (e) => e.includes('GitHub refused the token (401 Bad credentials') && e.includes('wrong, expired or revoked'),
      ),
      transcript(run),
    ).toBe(true);
    // Refused at the first request: nothing written, nothing retried.
    expect(api.requests.slice(requestsBefore).map((r) => r.status)).toEqual([401]);
    expect(run.leaks).toEqual([]);
  }, 300_000);

  it('a release-gate push: no comment, a Check on the pushed commit, outputs set, the run recorded on the data branch', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const requestsBefore = api.requests.length;
    const event = loadEventFixture('push-release');
    // The job's checkout: a clone of the repository, whose origin takes the history push.
    const repos = mkdtempSync(join(tmpdir(), 'perf-gate-action-history-'));
    const origin = join(repos, 'origin.git');
    const workspace = join(repos, 'job');
    const git = (cwd: string, ...args: string[]) => {
      const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout;
    };
    git(repos, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
    git(repos, 'clone', '--quiet', `file://${origin}`, workspace);
    git(
      workspace,
      '-c',
      'user.name=ci',
      '-c',
      'user.email=ci@example.com',
      'commit',
      '--quiet',
      '--allow-empty',
      '-m',
      'release',
    );
    git(workspace, 'push', '--quiet', 'origin', 'HEAD:main');
    const run = await gate({
      event,
      workspace,
      inputs: { config: PASS_CONFIG, 'check-name': 'perf-gate release', history: 'git-branch' },
    });
    expect(run.outcome, transcript(run)).toBe('success');
    expect(run.step('history').ran).toBe(true);
    // One record, of this commit, with the verdict, on the data branch of the origin; the job's checkout untouched.
    const files = git(origin, 'ls-tree', '-r', '--name-only', 'perf-gate-data').trim().split('\n');
    expect(files).toHaveLength(1);
    const records = git(origin, 'show', `perf-gate-data:${files[0]}`)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { sha: string; verdict: string; metrics: { name: string }[] });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ sha: (event.payload as { after: string }).after, verdict: 'pass' });
    expect(records[0]!.metrics.map((m) => m.name)).toContain('pipeline_time');
    // The job's branch and files are as the checkout left them (the report folder is the job's own output).
    expect(git(workspace, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs['comment-url']).toBe('');
    expect(existsSync(run.outputs['report-path']!)).toBe(true);
    const requests = api.requests.slice(requestsBefore);
    expect(requests.map((r) => r.route)).toEqual(['createCheckRun']);
    expect(api.checkRuns.at(-1)).toMatchObject({
      name: 'perf-gate release',
      head_sha: (event.payload as { after: string }).after,
      conclusion: 'success',
    });
    rmSync(repos, { recursive: true, force: true });
  }, 300_000);

  it('a failing migration: exit 3 surfaced, nothing booted or benchmarked, the report says so, cleanup ran', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const run = await gate({
      event: loadEventFixture('pull_request'),
      inputs: { config: FAILING_MIGRATION_CONFIG, 'comment-key': 'migration' },
    });
    expect(run.outcome, transcript(run)).toBe('failure');
    expect(run.steps.map((s) => `${s.id}:${s.outcome}`)).toEqual([
      'mode:skipped',
      'migrate:failure',
      'boot:skipped',
      'bench:skipped',
      'compare:failure',
      'history:skipped',
      'verify:skipped',
      'cleanup:success',
    ]);
    expect(run.step('migrate').exitCode).toBe(3);
    const errors = run.annotations.filter((a) => a.command === 'error').map((a) => a.message);
    expect(
      errors.some((e) => e.includes('002_broken.sql') && e.includes('column "missing_column" does not exist')),
    ).toBe(true);
    expect(run.outputs.verdict).toBe('error');
    const results = readResults(run);
    expect(results.rounds).toHaveLength(0);
    expect(results.error).toMatchObject({ stage: 'migrate', exitCode: 3 });
    expect(api.commentsOn(OWNER, REPO, 42).at(-1)!.body).toContain('perf-gate could not finish: migrate failed');
  }, 300_000);

  it("check-name '' skips the Check, as action.yml documents", async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const checksBefore = api.requestsTo('createCheckRun').length;
    const run = await gate({
      event: loadEventFixture('pull_request'),
      inputs: { config: FAILING_MIGRATION_CONFIG, 'comment-mode': 'off', 'check-name': '' },
    });
    expect(run.outputs.verdict, transcript(run)).toBe('error');
    expect(api.requestsTo('createCheckRun').length - checksBefore).toBe(0);
  }, 300_000);

  it('workflow_run (second half of the fork-safe pattern): comments on the triggering PR, Check on its head', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const event = loadEventFixture('workflow_run');
    const run = await gate({ event, inputs: { config: FAILING_MIGRATION_CONFIG, 'comment-key': 'workflow-run' } });
    expect(run.outputs.verdict, transcript(run)).toBe('error');
    expect(run.outputs['comment-url']).toBe(api.commentsOn(OWNER, REPO, 42).at(-1)!.html_url);
    expect(api.checkRuns.at(-1)).toMatchObject({ head_sha: PR_HEAD_SHA, conclusion: 'failure' });
  }, 300_000);

  it('the action as the runner downloads it (the repository without node_modules) boots the embedded default', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    // `uses: owner/perf-gate@v1` gets the repository's files at that ref and nothing else: no
    // npm install runs, so whatever the steps start must work without node_modules.
    const download = mkdtempSync(join(tmpdir(), 'perf-gate-downloaded-action-'));
    try {
      const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
        cwd: root,
        encoding: 'utf8',
      })
        .stdout.split('\0')
        .filter(Boolean);
      for (const file of files) {
        if (!existsSync(join(root, file))) continue;
        mkdirSync(dirname(join(download, file)), { recursive: true });
        cpSync(join(root, file), join(download, file));
      }
      expect(existsSync(join(download, 'node_modules'))).toBe(false);
      // Stop after boot (as if the workflow were cancelled): the default's full benchmark takes minutes.
      const run = await runAction({
        actionDir: download,
        event: loadEventFixture('pull_request'),
        apiUrl: api.baseUrl,
        githubToken: api.token,
        repository: `${OWNER}/${REPO}`,
        inputs: { 'comment-mode': 'off', 'check-name': '' },
        cancelAfterStep: 'boot',
        stepTimeoutMs: 300_000,
      });
      runs.push(run);
      expect(run.step('migrate').outcome, transcript(run)).toBe('success');
      expect(run.step('boot').outcome, transcript(run)).toBe('success');
      expect(run.step('cleanup').outcome, transcript(run)).toBe('success');
      expect(processesOfRun(run)).toEqual([]);
    } finally {
      rmSync(download, { recursive: true, force: true });
    }
  }, 300_000);
});
