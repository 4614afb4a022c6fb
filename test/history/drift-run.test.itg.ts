/**
 * A drift target through a whole run of the bundled CLI: `run --history ./folder` in a folder that is
 * not a git checkout (runs recorded on branch 'local'), with a config whose targets include
 * "latency_p95 drift since 2026-11-01 worsens <= 5%" and a history holding three recorded merges that
 * crept up by 3 % each. The drift fails the run; the same history without the creep passes the target.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configHash, type HistoryRecord, recordFromResults } from '../../src/history/record.js';
import type { Results } from '../../src/report/results.js';
import { SHORT_GATE, SHORT_LOAD } from '../helpers/config-text.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';
import { probePostgres } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const bundle = join(root, 'dist/index.js');
const demo = JSON.parse(readFileSync(join(root, 'test/fixtures/results/demo.results.json'), 'utf8')) as Results;
let work = '';
let server: LoopbackServer | undefined;

beforeAll(async () => {
  if (!existsSync(bundle)) throw new Error('dist/index.js is missing: run npm run build');
  work = mkdtempSync(join(tmpdir(), 'perf-gate-drift-run-'));
  server = await startLoopbackServer();
});
afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A merge recorded on 'local' whose latency_p95 changed by `change` (±0.5 % at 98 %). */
function merge(sha: string, change: number, day: number): HistoryRecord {
  const r = recordFromResults(demo, { repository: 'local', branch: 'local', sha, configHash: configHash('t') });
  const metrics = r.metrics.map((m) =>
    m.name === 'latency_p95'
      ? { ...m, estimate: change, interval: { lower: change - 0.005, upper: change + 0.005, level: 0.98 } }
      : m,
  );
  return { ...r, runId: `run-${sha}`, time: new Date(Date.UTC(2026, 10, day, 12)).toISOString(), metrics };
}

function run(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      cwd: dir,
      env: { ...process.env, GITHUB_ACTIONS: '', GITHUB_BASE_REF: '', NO_COLOR: '1', ...env },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => done({ code, output }));
  });
}

/** A folder history holding `records`, and a config on the loopback server with these targets. */
function prepare(dir: string, records: HistoryRecord[], targets: string[]): void {
  mkdirSync(join(dir, 'history', 'records'), { recursive: true });
  const lines = records.map((r) => JSON.stringify(r));
  writeFileSync(join(dir, 'history', 'records', '2026-11.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(dir, 'perf-gate.yml'),
    [
      'backend:',
      '  kind: url',
      `  baseline: { url: ${server!.url} }`,
      `  candidate: { url: ${server!.url} }`,
      ...SHORT_LOAD,
      `targets: ${JSON.stringify(targets)}`,
      ...SHORT_GATE,
      '',
    ].join('\n'),
  );
}

async function gateWithHistory(name: string, changes: number[]) {
  const dir = join(work, name);
  prepare(
    dir,
    changes.map((c, i) => merge(`${i + 1}`.repeat(7), c, i + 2)),
    ['error_rate <= 1%', 'latency_p95 drift since 2026-11-01 worsens <= 5%'],
  );
  const { code, output } = await run(dir, ['run', '--config', 'perf-gate.yml', '--history', './history']);
  const results = JSON.parse(readFileSync(join(dir, 'perf-gate-report', 'results.json'), 'utf8')) as Results;
  return { code, output, results, drift: results.targets.find((t) => t.expression.includes('drift'))! };
}

describe('a drift target in a run with a folder history', () => {
  it('fails the run when the recorded merges crept past the bound, and the report shows the drift', {
    timeout: 120_000,
  }, async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const { code, output, results, drift } = await gateWithHistory('creep', [0.03, 0.03, 0.03]);
    expect(code, output.slice(-3000)).toBe(1);
    expect(results.verdict).toBe('fail');
    expect(drift.status).toBe('fail');
    expect(drift.estimate!).toBeCloseTo(1.03 ** 3 - 1, 6);
    expect(drift.reason).toMatchObject({ kind: 'drift', changes: 3, since: '2026-11-01' });
    expect(readFileSync(join(work, 'creep', 'perf-gate-report', 'report.md'), 'utf8')).toContain(
      'latency_p95 drift since 2026-11-01 worsens <= 5%',
    );
  });

  it('passes the target when the recorded merges did not creep', { timeout: 120_000 }, async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const { code, output, drift } = await gateWithHistory('flat', [0.01, -0.01, 0]);
    expect(drift.status, output.slice(-3000)).toBe('pass');
    expect(code).toBe(0);
  });
});

describe('a release gate with a history', () => {
  it('shows the drift since the previous release tag with its largest contributors, without a drift target', {
    timeout: 120_000,
  }, async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const dir = join(work, 'release');
    mkdirSync(dir, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@e',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@e',
        },
      }).trim();
    git('init', '-q', '-b', 'main');
    const commit = (message: string) => {
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    };
    const released = commit('1.0');
    git('tag', 'v1.0.0');
    const second = commit('two');
    const third = commit('three');
    commit('1.1');
    git('tag', 'v1.1.0');
    // Gated on main: the previous release, then two changes of +2 % and +4 % on latency_p95.
    const onMain = (sha: string, change: number, day: number) => ({
      ...merge(sha, change, day),
      repository: 'acme/search',
      branch: 'main',
    });
    prepare(
      dir,
      [onMain(released, 0.1, 2), onMain(second, 0.02, 3), onMain(third, 0.04, 4)],
      ['error_rate <= 1%', 'latency_p95 worsens <= 50%'],
    );
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ repository: { default_branch: 'main' } }));
    const { code, output } = await run(dir, ['run', '--config', 'perf-gate.yml', '--history', './history'], {
      GITHUB_REF: 'refs/tags/v1.1.0',
      GITHUB_REF_TYPE: 'tag',
      GITHUB_REF_NAME: 'v1.1.0',
      GITHUB_REPOSITORY: 'acme/search',
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
    });
    expect([0, 1], output.slice(-3000)).toContain(code);
    const results = JSON.parse(readFileSync(join(dir, 'perf-gate-report', 'results.json'), 'utf8')) as Results;
    expect(results.releaseDrift).toMatchObject({ since: 'v1.0.0', sha: released, branch: 'main' });
    const p95 = results.releaseDrift!.metrics.find((m) => m.metric === 'latency_p95')!;
    expect(p95.changes).toBe(2);
    expect(p95.change).toBeCloseTo(1.02 * 1.04 - 1, 6);
    expect(p95.contributors[0]!.sha).toBe(third);
    const report = readFileSync(join(dir, 'perf-gate-report', 'report.md'), 'utf8');
    expect(report).toContain('**Drift since the previous release, `v1.0.0`**');
    expect(report).toContain(`\`${third.slice(0, 7)}\` +4.0 %`);
  });
});
