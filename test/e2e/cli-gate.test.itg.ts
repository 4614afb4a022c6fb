/**
 * The gate end to end through the bundled CLI (dist/index.js), as users and the action run it:
 * a real PostgreSQL server, the reference backend as processes or Docker containers, real load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configHash, recordFromResults } from '../../src/history/record.js';
import type { MigrationLintResult, MigrationRehearsalResult, Results } from '../../src/report/results.js';
import { probeDocker } from '../helpers/docker.js';
import { probePostgres } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const bundle = join(root, 'dist/index.js');
const work = mkdtempSync(join(tmpdir(), 'perf-gate-e2e-'));

function gate(args: string[], timeoutMs = 300_000) {
  const result = spawnSync(process.execPath, [bundle, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, GITHUB_ACTIONS: '', NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function readResults(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
    verdict: string;
    targets: { expression: string; status: string }[];
    rounds: unknown[];
    error?: { stage: string; exitCode: number };
    migrationLint?: MigrationLintResult;
    rehearsal?: MigrationRehearsalResult;
  };
}

function demoFixture(): Results {
  return JSON.parse(readFileSync(join(root, 'test/fixtures/results/demo.results.json'), 'utf8')) as Results;
}

function managedContainers(): string {
  return spawnSync('docker', ['ps', '-a', '--filter', 'label=perf-gate.managed', '--format', '{{.Names}}'], {
    encoding: 'utf8',
  }).stdout.trim();
}

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error('dist/index.js is missing: run npm run build');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('perf-gate CLI end to end', () => {
  it('prints help with every stage command and exits 0', () => {
    const { code, stdout } = gate(['--help']);
    expect(code).toBe(0);
    for (const command of ['run', 'demo', 'migrate', 'boot', 'bench', 'compare', 'cleanup', 'validate'])
      expect(stdout).toContain(`  ${command}`);
  });

  it('demo: the embedded default passes on the reference backend and leaves nothing running', (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const reportDir = join(work, 'demo-report');
    // A history folder holding one earlier run on this kind of runner: the demo places itself among it and adds itself.
    const historyDir = join(work, 'history');
    const month = new Date().toISOString().slice(0, 7);
    const earlier = recordFromResults(demoFixture(), {
      repository: 'local',
      branch: 'local',
      sha: 'abcdef1234',
      configHash: configHash('earlier'),
    });
    earlier.time = new Date(Date.now() - 3_600_000).toISOString();
    earlier.runner = { ...earlier.runner, cpuModel: cpus()[0]!.model.trim(), cpuCount: cpus().length };
    mkdirSync(join(historyDir, 'records'), { recursive: true });
    writeFileSync(join(historyDir, 'records', `${month}.jsonl`), `${JSON.stringify(earlier)}\n`);
    const { code, stdout, stderr } = gate(['demo', '--report-dir', reportDir, '--history', historyDir]);
    expect(code, stderr.slice(-3000)).toBe(0);
    const comment = readFileSync(join(reportDir, 'report.md'), 'utf8');
    expect(comment).toContain('Trend on `local`: where this run lands');
    expect(comment).toContain('x-axis ["abcdef1", "this run"]');
    const recorded = readFileSync(join(historyDir, 'records', `${month}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    expect(recorded).toHaveLength(2);
    expect(JSON.parse(recorded[1]!)).toMatchObject({ branch: 'local', verdict: 'pass', mode: 'gate' });
    const results = readResults(reportDir);
    expect(results.verdict).toBe('pass');
    expect(results.targets.map((t) => t.expression)).toEqual([
      'pipeline_time improves >= 20%',
      'db_query_time improves >= 30%',
      'early_exit_rate >= 30%',
      'pool_wait_p95 < 10ms',
      'error_rate <= 1%',
      'migration_blocked_max < 1s',
    ]);
    expect(results.targets.every((t) => t.status === 'pass')).toBe(true);
    expect(readFileSync(join(reportDir, 'report.md'), 'utf8').split('\n')[0]).toBe(
      '### ✅ perf-gate: all 6 targets met',
    );
    // The rehearsal target is judged on the rehearsal's own figure, which results.json also keeps.
    const blocked = results.targets.at(-1) as unknown as { estimate: number; ci: null; reason: { kind: string } };
    expect(blocked).toMatchObject({ ci: null, reason: { kind: 'rehearsal' } });
    expect(blocked.estimate).toBe(results.rehearsal!.blockedMaxMs);
    expect(stdout).toContain('pipeline_time improves >= 20%');
    // Migration 022 was linted and rehearsed under the baseline's traffic: its plain CREATE INDEX
    // statements are squawk findings on their lines; the search workload only reads, so nothing waits.
    const lint = results.migrationLint!;
    expect(
      lint.findings.filter((f) => f.rule === 'require-concurrent-index-creation').map((f) => `${f.file}:${f.line}`),
    ).toEqual([
      'examples/backend-rag/migrations/022_search_indexes.sql:8',
      'examples/backend-rag/migrations/022_search_indexes.sql:13',
    ]);
    const rehearsal = results.rehearsal!;
    expect(rehearsal.migrations.map((m) => m.name)).toEqual(['022_search_indexes.sql']);
    expect(rehearsal.error).toBeUndefined();
    expect(rehearsal.during.requests).toBeGreaterThan(0);
    expect(rehearsal.tables.map((t) => t.relation).sort()).toEqual(['documents', 'golden_answers']);
    // Everything the run started is gone: backend processes and the throwaway server.
    const state = JSON.parse(readFileSync(join(reportDir, 'backend-state.json'), 'utf8')) as {
      entries: { pid?: number }[];
    };
    for (const entry of state.entries) {
      if (entry.pid) expect(() => process.kill(entry.pid!, 0)).toThrow();
    }
    expect(stderr).not.toMatch(/cleanup: .* failed/);
    // The throwaway server's password (kept only in the 0600 state file) is in no log and no report file.
    const runState = JSON.parse(readFileSync(join(work, '.perf-gate/state.json'), 'utf8')) as { secrets: string[] };
    expect(runState.secrets.length).toBeGreaterThan(0);
    const written = [stdout, stderr, ...readdirSync(reportDir).map((f) => readFileSync(join(reportDir, f), 'utf8'))];
    for (const secret of runState.secrets) for (const text of written) expect(text.includes(secret)).toBe(false);
  }, 240_000);

  it('a failing migration stops the gate before any backend starts: exit 3 and an error report', (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const reportDir = join(work, 'failing-report');
    const { code, stderr } = gate([
      'run',
      '--config',
      join(root, 'test/fixtures/e2e/failing-migration.yml'),
      '--report-dir',
      reportDir,
    ]);
    expect(code).toBe(3);
    expect(stderr).toContain('002_broken.sql');
    expect(stderr).toContain('column "missing_column" does not exist');
    const results = readResults(reportDir);
    expect(results.verdict).toBe('error');
    expect(results.error?.stage).toBe('migrate');
    expect(results.rounds).toHaveLength(0);
    expect(existsSync(join(reportDir, 'backend-state.json'))).toBe(false);
    expect(readFileSync(join(reportDir, 'report.md'), 'utf8')).toContain('perf-gate could not finish: migrate failed');
  });

  it('docker: image-mode backends, a missed target exits 1, no container is left', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    if (!requireService('Docker engine', probeDocker())) return ctx.skip();
    // @ts-expect-error: a plain .mjs module without type declarations
    const { buildBackendRagImage } = await import('../../examples/backend-rag/build-image.mjs');
    buildBackendRagImage();
    const reportDir = join(work, 'docker-report');
    const { code, stderr } = gate([
      'run',
      '--config',
      join(root, 'test/fixtures/e2e/docker-gate.yml'),
      '--report-dir',
      reportDir,
    ]);
    expect(code, stderr.slice(-3000)).toBe(1);
    const results = readResults(reportDir);
    expect(results.verdict).toBe('fail');
    expect(results.targets.find((t) => t.expression === 'throughput improves >= 50%')?.status).toBe('fail');
    expect(results.targets.find((t) => t.expression === 'pipeline_time improves >= 20%')?.status).toBe('pass');
    expect(readFileSync(join(reportDir, 'report.md'), 'utf8').split('\n')[0]).toBe(
      '### ❌ perf-gate: 1 of 2 targets missed',
    );
    expect(existsSync(join(reportDir, 'backend-baseline.log'))).toBe(true);
    expect(managedContainers()).toBe('');
  });
});
