/**
 * Fault tests for a run that is stopped part-way: SIGTERM and SIGINT during migrate, boot, bench
 * and compare, a stage killed outright (SIGKILL), a backend killed under load, PostgreSQL stopped
 * mid-migration, and a cleanup that cannot remove what the run owns; with local-process and Docker
 * backends, a real PostgreSQL (a throwaway cluster, or a test cluster whose pg_database is checked)
 * and the perf-gate CLI as its own process. Each case asserts the exit code, the verdict and stage
 * in results.json, and that nothing the run started is left (processes, containers, databases, the
 * throwaway server).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResultsJson, validateResults } from '../../src/report/results-schema.js';
import { buildFixtureImage, fixtureServer } from '../helpers/backend-boot.js';
import { probeDocker } from '../helpers/docker.js';
import { FakeGitHubApi } from '../helpers/fake-github-api.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'perf-gate-interrupt-'));
const migrations = join(work, 'migrations');
const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Signal = keyof typeof SIGNAL_CODES;
type Stage = 'migrate' | 'boot' | 'bench' | 'compare';

interface CaseOptions {
  name: string;
  backend: 'process' | 'docker';
  /** The boot never gets healthy (the signal then comes while boot waits). */
  slowHealth?: boolean;
  /** The second migration sleeps (the signal then comes while it runs). */
  slowMigration?: boolean;
  pairs?: number;
  databaseUrl?: string;
}

let image = '';
let counter = 0;

/** Writes a config for one case and returns its path. */
function writeConfig(options: CaseOptions): string {
  const dir = join(work, options.name);
  mkdirSync(dir, { recursive: true });
  const env = { HEALTH_DELAY_MS: options.slowHealth ? '600000' : '0' };
  const backend =
    options.backend === 'process'
      ? { kind: 'command', command: ['node', fixtureServer], env }
      : { kind: 'image', image, network: 'host', env };
  const config = {
    database: {
      ...(options.databaseUrl ? { url: options.databaseUrl } : {}),
      migrations: { dir: options.slowMigration ? join(migrations, 'slow') : join(migrations, 'fast') },
      baseline: { strategy: 'template-copy', before: '002' },
    },
    backend: { ...backend, healthPath: '/health', metricsPath: '/metrics', healthTimeout: '900s' },
    load: {
      rate: 20,
      roundDuration: '1s',
      warmup: '0s',
      pairs: options.pairs ?? 30,
      maxPairs: options.pairs ?? 30,
      workload: { requests: [{ path: '/' }] },
    },
    gate: { minPairs: 2 },
    targets: ['latency_p50 worsens <= 50%'],
  };
  const path = join(dir, 'perf-gate.yml');
  writeFileSync(path, JSON.stringify(config, null, 2)); // JSON is YAML
  return path;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The CLI from source in its own process (`node --import tsx`, so the signal reaches perf-gate itself). */
function perfGate(args: string[], env: Record<string, string> = {}): Running {
  // cwd: the project, where `tsx` resolves; every path given to perf-gate is absolute.
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/index.ts'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GITHUB_ACTIONS: '', NO_COLOR: '1', ...env },
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  return { child, output: () => text, exited };
}

async function finished(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const run = perfGate(args, env);
  const code = await run.exited;
  return { code, output: run.output() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function readJson<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  // A results.json the run wrote must be one `perf-gate comment` accepts.
  if (path.endsWith('results.json')) validateResults(parseResultsJson(text), path);
  return JSON.parse(text) as T;
}

interface RunStateFile {
  runId: string;
  database?: { throwaway?: { dataDir?: string } };
}

interface BackendStateFile {
  entries: { kind: string; variant: string; pid?: number; pgid?: number; name?: string }[];
}

interface ResultsFile {
  verdict: string;
  rounds: unknown[];
  error?: { stage: string; message: string; exitCode: number; signal?: string };
  decision: { stoppingReason: string } | null;
  headline: string;
}

/** Waits until the run reached `stage` far enough to be interrupted there. */
async function reach(
  stage: Exclude<Stage, 'compare'>,
  run: Running,
  reportDir: string,
  backend: 'process' | 'docker',
  statePath: string,
  early = false,
): Promise<void> {
  if (early) {
    // The first backend is recorded and its `docker run` (or spawn) is under way: signal at once.
    await until(
      'the first backend recorded',
      () => (readJson<BackendStateFile>(join(reportDir, 'backend-state.json'))?.entries.length ?? 0) >= 1,
      120_000,
    );
  } else if (stage === 'migrate') {
    await until('the slow migration', () => run.output().includes('baseline database: copy'));
    await sleep(500);
  } else if (stage === 'boot') {
    await until('both backends started', () => {
      const entries = readJson<BackendStateFile>(join(reportDir, 'backend-state.json'))?.entries ?? [];
      if (entries.length < 2) return false;
      return (
        backend === 'process' ||
        dockerNames(`perf-gate.run-id=${readJson<RunStateFile>(statePath)!.runId}`).length === 2
      );
    });
    // Started, not yet healthy (health is held back for minutes).
    await sleep(backend === 'docker' ? 2500 : 1000);
  } else {
    await until('a few rounds on disk', () => (readJson<unknown[]>(join(reportDir, 'rounds.json'))?.length ?? 0) >= 4);
  }
}

function dockerNames(filter: string): string[] {
  const out = spawnSync('docker', ['ps', '-a', '--filter', `label=${filter}`, '--format', '{{.Names}}'], {
    encoding: 'utf8',
  });
  return out.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** Processes whose environment carries the run's id (every backend process perf-gate starts does). */
function processesOfRun(runId: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'utf8');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (environ.split('\0').includes(`PERF_GATE_RUN_ID=${runId}`) && !/\) [ZX] /.test(stat)) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Processes whose command line names the folder (a throwaway server's data directory). */
function processesUsing(folder: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(folder)) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

/** What the run left: backend processes (ps), containers (docker ps -a), the throwaway cluster. */
function leftovers(runId: string, throwawayDir: string | undefined, docker: boolean): string[] {
  const left: string[] = [];
  for (const pid of processesOfRun(runId)) left.push(`backend process ${pid}`);
  if (docker) for (const name of dockerNames(`perf-gate.run-id=${runId}`)) left.push(`container ${name}`);
  if (throwawayDir) {
    for (const pid of processesUsing(throwawayDir)) left.push(`throwaway server process ${pid}`);
    if (existsSync(throwawayDir)) left.push(`throwaway folder ${throwawayDir}`);
  }
  return left;
}

async function baselineCopies(cluster: TestCluster, database: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    const rows = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${database}_perf_gate_baseline_%`,
    ]);
    return rows.rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

async function createDatabase(cluster: TestCluster): Promise<{ name: string; url: string }> {
  counter += 1;
  const name = `interrupt_${process.pid}_${counter}`;
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return { name, url: cluster.urlFor(name) };
}

let cluster: TestCluster | undefined;
let postgresReady = false;
let dockerReady = false;

beforeAll(async () => {
  for (const [dir, second] of [
    ['fast', 'ALTER TABLE items ADD COLUMN note text;'],
    ['slow', 'SELECT pg_sleep(60);\nALTER TABLE items ADD COLUMN note text;'],
  ] as const) {
    mkdirSync(join(migrations, dir), { recursive: true });
    writeFileSync(join(migrations, dir, '001_items.sql'), 'CREATE TABLE items (id int PRIMARY KEY);\n');
    writeFileSync(join(migrations, dir, '002_note.sql'), `${second}\n`);
  }
  postgresReady = probePostgres().available;
  if (postgresReady) cluster = await startTestCluster();
  dockerReady = probeDocker().available;
  if (dockerReady) image = buildFixtureImage();
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface WholeGateCase {
  stage: Exclude<Stage, 'compare'>;
  signal: Signal;
  backend: 'process' | 'docker';
  /** Signal as soon as the first backend is recorded, while its container is being created. */
  early: boolean;
}

// Every stage with both signals for local processes; for Docker every stage with both signals across
// this table and the stage-mode one below.
const wholeGateCases: WholeGateCase[] = [
  ...(['migrate', 'boot', 'bench'] as const).flatMap((stage) =>
    (['SIGTERM', 'SIGINT'] as const).map((signal) => ({ stage, signal, backend: 'process' as const, early: false })),
  ),
  { stage: 'migrate', signal: 'SIGTERM', backend: 'docker', early: false },
  { stage: 'boot', signal: 'SIGTERM', backend: 'docker', early: false },
  { stage: 'boot', signal: 'SIGINT', backend: 'docker', early: true },
  { stage: 'bench', signal: 'SIGINT', backend: 'docker', early: false },
  { stage: 'bench', signal: 'SIGTERM', backend: 'docker', early: false },
];

describe('perf-gate run, interrupted', () => {
  it.for(wholeGateCases)(
    '$signal during $stage ($backend backends, signalled while starting: $early): exit 128+signo, an error naming both in results.json, nothing left',
    async ({ stage, signal, backend, early }, ctx) => {
      if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
      if (backend === 'docker' && !requireService('Docker engine', probeDocker())) return ctx.skip();
      const name = `run-${stage}-${signal}-${backend}${early ? '-early' : ''}`;
      // migrate runs against the test cluster, so its pg_database shows whether the baseline copy went.
      const database = stage === 'migrate' ? await createDatabase(cluster!) : undefined;
      const config = writeConfig({
        name,
        backend,
        slowHealth: stage === 'boot',
        slowMigration: stage === 'migrate',
        databaseUrl: database?.url,
      });
      const reportDir = join(work, name, 'report');
      const statePath = join(work, name, 'state.json');
      const run = perfGate(['run', '--config', config, '--report-dir', reportDir, '--state', statePath]);
      await reach(stage, run, reportDir, backend, statePath, early);
      const state = readJson<RunStateFile>(statePath)!;
      const throwawayDir = state.database?.throwaway?.dataDir;
      if (stage === 'migrate') expect(await baselineCopies(cluster!, database!.name)).toHaveLength(1);
      run.child.kill(signal);
      const code = await run.exited;
      const output = run.output();
      expect(code, output.slice(-3000)).toBe(SIGNAL_CODES[signal]);
      const results = readJson<ResultsFile>(join(reportDir, 'results.json'));
      expect(results, output.slice(-3000)).toBeDefined();
      expect(results!.verdict).toBe('error');
      expect(results!.error).toMatchObject({ stage, signal, exitCode: 3 });
      expect(results!.error!.message).toContain(`interrupted by ${signal} during the ${stage} stage`);
      if (stage === 'bench') {
        // The rounds measured before the signal are kept, in rounds.json and in the results.
        expect(results!.rounds.length).toBeGreaterThanOrEqual(4);
        expect(readJson<unknown[]>(join(reportDir, 'rounds.json'))!.length).toBeGreaterThanOrEqual(4);
      }
      expect(leftovers(state.runId, throwawayDir, backend === 'docker')).toEqual([]);
      if (database) expect(await baselineCopies(cluster!, database.name)).toEqual([]);
      // The cleanup step after it finds nothing left and says so with exit 0.
      const cleanup = await finished(['cleanup', '--state', statePath]);
      expect(cleanup.code, cleanup.output).toBe(0);
    },
  );
});

/** Runs the stage-mode stages before `stage` to completion, as the action's steps do. */
async function stagesBefore(stage: Stage, statePath: string, config: string, reportDir: string): Promise<void> {
  for (const earlier of ['migrate', 'boot', 'bench'] as const) {
    if (earlier === stage) return;
    const args =
      earlier === 'migrate'
        ? ['migrate', '--config', config, '--report-dir', reportDir, '--state', statePath]
        : [earlier, '--state', statePath];
    const { code, output } = await finished(args);
    expect(code, output.slice(-3000)).toBe(0);
  }
}

describe('stage mode, a stage that did not finish', () => {
  it('bench killed (SIGKILL) part-way: compare gives verdict error naming bench, exit 3, a failed Check; cleanup removes the backends', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const name = 'stage-bench-killed';
    const config = writeConfig({ name, backend: 'process', pairs: 12 });
    const reportDir = join(work, name, 'report');
    const statePath = join(work, name, 'state.json');
    await stagesBefore('bench', statePath, config, reportDir);
    const bench = perfGate(['bench', '--state', statePath]);
    await reach('bench', bench, reportDir, 'process', statePath);
    bench.child.kill('SIGKILL');
    await bench.exited;
    const measured = readJson<unknown[]>(join(reportDir, 'rounds.json'))!.length;
    expect(measured).toBeLessThan(24);

    const api = await FakeGitHubApi.start();
    try {
      const compare = await finished(
        ['compare', '--state', statePath, '--github-token', api.token],
        githubEnv(api, name),
      );
      expect(compare.code, compare.output.slice(-3000)).toBe(3);
      const results = readJson<ResultsFile>(join(reportDir, 'results.json'))!;
      expect(results.verdict).toBe('error');
      expect(results.error).toMatchObject({ stage: 'bench', exitCode: 3 });
      expect(results.error!.message).toContain('did not finish');
      expect(results.headline).not.toContain('targets met');
      expect(results.rounds).toHaveLength(measured);
      expect(compare.output).toContain('bench');
      expect(api.checkRuns.map((c) => c.conclusion)).toEqual(['failure']);
    } finally {
      await api.close();
    }

    const state = readJson<RunStateFile>(statePath)!;
    expect(processesOfRun(state.runId)).toHaveLength(2); // SIGKILL left the backends running
    const cleanup = await finished(['cleanup', '--state', statePath]);
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(leftovers(state.runId, undefined, false)).toEqual([]);
  });

  it('boot killed (SIGKILL) while waiting for health: cleanup removes both backends and exits 0', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const name = 'stage-boot-killed';
    const config = writeConfig({ name, backend: 'process', slowHealth: true });
    const reportDir = join(work, name, 'report');
    const statePath = join(work, name, 'state.json');
    await stagesBefore('boot', statePath, config, reportDir);
    const boot = perfGate(['boot', '--state', statePath]);
    await reach('boot', boot, reportDir, 'process', statePath);
    boot.child.kill('SIGKILL');
    await boot.exited;
    const state = readJson<RunStateFile>(statePath)!;
    expect(processesOfRun(state.runId)).toHaveLength(2);
    const throwawayDir = state.database?.throwaway?.dataDir;
    expect(throwawayDir).toBeDefined();

    const compare = await finished(['compare', '--state', statePath]);
    expect(compare.code, compare.output.slice(-3000)).toBe(3);
    expect(readJson<ResultsFile>(join(reportDir, 'results.json'))!.error).toMatchObject({ stage: 'boot' });

    const cleanup = await finished(['cleanup', '--state', statePath]);
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(leftovers(state.runId, throwawayDir, false)).toEqual([]);
  });

  it('cleanup exits 3 and lists what is still there when it cannot remove something it owns', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    // A baseline copy on a server that cleanup cannot reach (stopped): it is not dropped, so it is listed.
    const name = 'stage-cleanup-unreachable';
    const other = await startTestCluster();
    const database = `left_${process.pid}`;
    const statePath = join(work, name, 'state.json');
    mkdirSync(join(work, name), { recursive: true });
    const url = other.urlFor('postgres');
    await other.stop();
    writeFileSync(
      statePath,
      JSON.stringify({
        version: 1,
        runId: 'unreachable-1',
        configPath: null,
        overrides: {},
        reportDir: join(work, name, 'report'),
        startedAt: new Date().toISOString(),
        secrets: [],
        stages: {},
        database: { candidateUrl: url, baselineUrl: url, strategy: 'template-copy', createdDatabases: [database] },
      }),
    );
    const cleanup = await finished(['cleanup', '--state', statePath]);
    expect(cleanup.code, cleanup.output).toBe(3);
    expect(cleanup.output).toContain(`database ${database} was created by this run and not dropped`);
  });
});

interface StageCase {
  stage: Stage;
  signal: Signal;
  backend: 'process' | 'docker';
}

// Each stage once with each signal across the two tables; Docker where it has containers to lose.
const stageCases: StageCase[] = [
  { stage: 'migrate', signal: 'SIGINT', backend: 'process' },
  { stage: 'boot', signal: 'SIGTERM', backend: 'process' },
  { stage: 'bench', signal: 'SIGINT', backend: 'process' },
  { stage: 'compare', signal: 'SIGTERM', backend: 'process' },
  { stage: 'compare', signal: 'SIGINT', backend: 'process' },
  { stage: 'migrate', signal: 'SIGINT', backend: 'docker' },
  { stage: 'boot', signal: 'SIGINT', backend: 'docker' },
  { stage: 'compare', signal: 'SIGTERM', backend: 'docker' },
  { stage: 'compare', signal: 'SIGINT', backend: 'docker' },
];

function githubEnv(api: FakeGitHubApi, name: string): Record<string, string> {
  const dir = join(work, name);
  writeFileSync(join(dir, 'summary.md'), '');
  writeFileSync(join(dir, 'output.txt'), '');
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: api.baseUrl,
    GITHUB_REPOSITORY: 'acme/rag-backend',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: join(root, 'test/fixtures/events/pull_request.json'),
    GITHUB_SHA: '9f1c2b7d4e5a6f708192a3b4c5d6e7f8091a2b3c',
    GITHUB_WORKFLOW: 'perf',
    GITHUB_JOB: 'gate',
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_OUTPUT: join(dir, 'output.txt'),
  };
}

describe('stage mode, interrupted', () => {
  it.for(stageCases)(
    '$signal during $stage ($backend backends): the stage exits 128+signo, compare says error and names it, cleanup leaves nothing',
    async ({ stage, signal, backend }, ctx) => {
      if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
      if (backend === 'docker' && !requireService('Docker engine', probeDocker())) return ctx.skip();
      const name = `stage-${stage}-${signal}-${backend}`;
      const config = writeConfig({
        name,
        backend,
        slowHealth: stage === 'boot',
        slowMigration: stage === 'migrate',
        pairs: stage === 'compare' ? 2 : 30,
      });
      const reportDir = join(work, name, 'report');
      const statePath = join(work, name, 'state.json');
      let throwawayDir: string | undefined;
      if (stage === 'compare') {
        await stagesBefore('compare', statePath, config, reportDir);
        throwawayDir = readJson<RunStateFile>(statePath)!.database?.throwaway?.dataDir;
        // GitHub does not answer: compare waits on the Check run, and is stopped there.
        const api = await FakeGitHubApi.start();
        api.hold('createCheckRun', 1_000, { timeoutMs: 60_000 });
        try {
          const compare = perfGate(
            ['compare', '--state', statePath, '--github-token', api.token],
            githubEnv(api, name),
          );
          await until('the Check run request', () => api.requests.some((r) => r.route === 'createCheckRun'));
          compare.child.kill(signal);
          const code = await compare.exited;
          expect(code, compare.output().slice(-3000)).toBe(SIGNAL_CODES[signal]);
        } finally {
          await api.close();
        }
      } else {
        await stagesBefore(stage, statePath, config, reportDir);
        const args =
          stage === 'migrate'
            ? ['migrate', '--config', config, '--report-dir', reportDir, '--state', statePath]
            : [stage, '--state', statePath];
        const running = perfGate(args);
        await reach(stage, running, reportDir, backend, statePath);
        throwawayDir = readJson<RunStateFile>(statePath)!.database?.throwaway?.dataDir;
        running.child.kill(signal);
        const code = await running.exited;
        expect(code, running.output().slice(-3000)).toBe(SIGNAL_CODES[signal]);
        const compare = await finished(['compare', '--state', statePath]);
        expect(compare.code, compare.output.slice(-3000)).toBe(3);
      }
      const results = readJson<ResultsFile>(join(reportDir, 'results.json'))!;
      expect(results.verdict).toBe('error');
      expect(results.error).toMatchObject({ stage, signal, exitCode: 3 });
      const state = readJson<RunStateFile>(statePath)!;
      const cleanup = await finished(['cleanup', '--state', statePath]);
      expect(cleanup.code, cleanup.output).toBe(0);
      expect(leftovers(state.runId, throwawayDir, backend === 'docker')).toEqual([]);
    },
  );
});

/** The recorded backend of one variant, once its stage wrote it. */
function recordedBackend(reportDir: string, variant: 'baseline' | 'candidate'): BackendStateFile['entries'][number] {
  const entry = readJson<BackendStateFile>(join(reportDir, 'backend-state.json'))?.entries.find(
    (e) => e.variant === variant,
  );
  if (!entry) throw new Error(`no ${variant} backend recorded in ${reportDir}`);
  return entry;
}

describe('perf-gate run, a backend or the database fails under it', () => {
  it.for(['process', 'docker'] as const)(
    'the candidate (%s) is killed during bench: exit 3, verdict error at stage bench naming the candidate, rounds kept, nothing left',
    async (backend, ctx) => {
      if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
      if (backend === 'docker' && !requireService('Docker engine', probeDocker())) return ctx.skip();
      const name = `candidate-killed-${backend}`;
      const config = writeConfig({ name, backend });
      const reportDir = join(work, name, 'report');
      const statePath = join(work, name, 'state.json');
      const run = perfGate(['run', '--config', config, '--report-dir', reportDir, '--state', statePath]);
      await reach('bench', run, reportDir, backend, statePath);
      const state = readJson<RunStateFile>(statePath)!;
      const candidate = recordedBackend(reportDir, 'candidate');
      // A crash, as the kernel's OOM killer or a segfault would end it: no handler runs.
      if (backend === 'process') process.kill(candidate.pid!, 'SIGKILL');
      else expect(spawnSync('docker', ['kill', candidate.name!], { encoding: 'utf8' }).status).toBe(0);
      const code = await run.exited;
      const output = run.output();
      expect(code, output.slice(-3000)).toBe(3);
      const results = readJson<ResultsFile>(join(reportDir, 'results.json'))!;
      expect(results.verdict).toBe('error');
      expect(results.error).toMatchObject({ stage: 'bench', exitCode: 3 });
      expect(results.error!.message).toContain('candidate');
      expect(results.headline).not.toContain('targets met');
      expect(results.rounds.length).toBeGreaterThanOrEqual(4);
      expect(leftovers(state.runId, state.database?.throwaway?.dataDir, backend === 'docker')).toEqual([]);
      const cleanup = await finished(['cleanup', '--state', statePath]);
      expect(cleanup.code, cleanup.output).toBe(0);
    },
  );

  it('PostgreSQL stops during migrate: exit 3, verdict error at stage migrate, no backend started; once it is back, cleanup drops the baseline copy', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const own = await startTestCluster();
    try {
      const database = await createDatabase(own);
      const name = 'postgres-stopped-migrate';
      const config = writeConfig({ name, backend: 'process', slowMigration: true, databaseUrl: database.url });
      const reportDir = join(work, name, 'report');
      const statePath = join(work, name, 'state.json');
      const run = perfGate(['run', '--config', config, '--report-dir', reportDir, '--state', statePath]);
      await reach('migrate', run, reportDir, 'process', statePath);
      expect(await baselineCopies(own, database.name)).toHaveLength(1);
      own.stopServer();
      const code = await run.exited;
      const output = run.output();
      expect(code, output.slice(-3000)).toBe(3);
      const results = readJson<ResultsFile>(join(reportDir, 'results.json'))!;
      expect(results.verdict).toBe('error');
      expect(results.error).toMatchObject({ stage: 'migrate', exitCode: 3 });
      expect(results.error!.message).toMatch(/terminat|connection|shut ?down|ECONNRESET|ECONNREFUSED/i);
      expect(results.rounds).toEqual([]);
      expect(output).not.toMatch(/TypeError|at .*\.ts:\d+/);
      // No backend was started against a database that is not there.
      expect(readJson<BackendStateFile>(join(reportDir, 'backend-state.json'))?.entries ?? []).toEqual([]);
      const state = readJson<RunStateFile>(statePath)!;
      expect(processesOfRun(state.runId)).toEqual([]);

      // The copy could not be dropped while the server was down: cleanup says so, and drops it once it is back.
      const whileDown = await finished(['cleanup', '--state', statePath]);
      expect(whileDown.code, whileDown.output).toBe(3);
      expect(whileDown.output).toContain('was created by this run and not dropped');
      own.startServer();
      const cleanup = await finished(['cleanup', '--state', statePath]);
      expect(cleanup.code, cleanup.output).toBe(0);
      expect(await baselineCopies(own, database.name)).toEqual([]);
    } finally {
      await own.stop();
    }
  });
});

describe('cleanup that cannot remove what the run owns', () => {
  it('Docker engine unreachable: exit 3 naming the containers; with the engine back, cleanup removes them and exits 0', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    if (!requireService('Docker engine', probeDocker())) return ctx.skip();
    const name = 'cleanup-docker-unreachable';
    const config = writeConfig({ name, backend: 'docker' });
    const reportDir = join(work, name, 'report');
    const statePath = join(work, name, 'state.json');
    await stagesBefore('bench', statePath, config, reportDir);
    const state = readJson<RunStateFile>(statePath)!;
    const containers = dockerNames(`perf-gate.run-id=${state.runId}`);
    expect(containers).toHaveLength(2);

    const unreachable = await finished(['cleanup', '--state', statePath], {
      DOCKER_HOST: `unix://${join(work, name, 'no-engine.sock')}`,
    });
    expect(unreachable.code, unreachable.output).toBe(3);
    for (const container of containers) expect(unreachable.output).toContain(container);
    expect(dockerNames(`perf-gate.run-id=${state.runId}`)).toHaveLength(2);

    const cleanup = await finished(['cleanup', '--state', statePath]);
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(leftovers(state.runId, state.database?.throwaway?.dataDir, true)).toEqual([]);
  });

  it('backend processes of another user (cleanup run unprivileged): exit 3 naming them as still running, never "already exited"', async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    // Root starts the backends; the cleanup runs as `nobody`, which may not signal them (EPERM).
    const asOtherUser =
      process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0
        ? { available: true, reason: '' }
        : { available: false, reason: 'needs root and setpriv(1) to run cleanup as another user' };
    if (!requireService('root, to run cleanup as another user', asOtherUser)) return ctx.skip();
    const database = await createDatabase(cluster!);
    const name = 'cleanup-other-user';
    const config = writeConfig({ name, backend: 'process', databaseUrl: database.url });
    const reportDir = join(work, name, 'report');
    const statePath = join(work, name, 'state.json');
    await stagesBefore('bench', statePath, config, reportDir);
    const state = readJson<RunStateFile>(statePath)!;
    const running = processesOfRun(state.runId);
    expect(running).toHaveLength(2);

    // The shipped bundle, copied where `nobody` can read it (the checkout may sit under a private home).
    const shipped = join(work, name, 'dist');
    spawnSync('cp', ['-r', join(root, 'dist'), shipped]);
    spawnSync('chmod', ['-R', 'a+rwX', work]);
    const unprivileged = spawnSync(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        process.execPath,
        join(shipped, 'index.js'),
        'cleanup',
        '--state',
        statePath,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' }, cwd: work },
    );
    const said = `${unprivileged.stdout}${unprivileged.stderr}`;
    expect(unprivileged.status, said).toBe(3);
    expect(said).toContain('not permitted to signal process group');
    expect(said).toMatch(/left behind: (baseline|candidate): process group \d+ .* is still running/);
    expect(said).not.toMatch(/had already exited/);
    expect(processesOfRun(state.runId)).toEqual(running);

    const cleanup = await finished(['cleanup', '--state', statePath]);
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(leftovers(state.runId, undefined, false)).toEqual([]);
    expect(await baselineCopies(cluster!, database.name)).toEqual([]);
  });
});
