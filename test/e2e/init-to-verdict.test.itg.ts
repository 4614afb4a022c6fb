/**
 * A team's first hour, end to end through the bundled CLI, with no edit between the commands:
 * `init --probe start` in a copy of a project, then `validate`, then `run`, which must reach a verdict
 * (pass, fail or inconclusive: not an error). Two projects:
 * - examples/fastapi, a small FastAPI + asyncpg + prometheus_client service with Alembic migrations, a
 *   fly.toml and a workload file: init writes a `kind: command` backend started by uvicorn, and Alembic
 *   run by perf-gate with the baseline at the revision before head;
 * - the Node reference backend (examples/backend-rag), which has a Dockerfile: init writes a
 *   `kind: image` backend, and the images are built as the workflow init writes would build them.
 * `run --budget` shortens the measuring (a flag, not an edit) so the test fits in CI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseResultsJson, validateResults } from '../../src/report/results-schema.js';
import { probeDocker } from '../helpers/docker.js';
import { probePostgres } from '../helpers/postgres.js';
import { DEBIAN_PYTHON, probePython } from '../helpers/python.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const bundle = join(root, 'dist/index.js');
const work = mkdtempSync(join(tmpdir(), 'perf-gate-first-hour-'));
const postgresAvailable = requireService('postgres', probePostgres());
const pythonAvailable = requireService('Python with FastAPI, uvicorn, asyncpg and prometheus_client', probePython());
const dockerAvailable = requireService('docker', probeDocker());

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      cwd,
      env: { ...process.env, GITHUB_ACTIONS: '', CI: '', NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A copy of an example folder, as a team's repository would hold it (no perf-gate files yet). */
function copyProject(name: string): string {
  const dir = join(mkdtempSync(join(work, 'project-')), name.split('/').at(-1)!);
  cpSync(join(root, name), dir, {
    recursive: true,
    filter: (src) => !/(__pycache__|perf-gate\.yml$|perf-gate-report)/.test(src),
  });
  return dir;
}

/** init --probe start, validate, run: each must succeed in turn, and the run must reach a verdict. */
async function firstHour(dir: string, env: NodeJS.ProcessEnv) {
  const init = await cli(dir, ['init', '--probe', 'start'], env);
  expect(init.code, init.stderr.slice(-3000)).toBe(0);
  const config = readFileSync(join(dir, 'perf-gate.yml'), 'utf8');
  const validate = await cli(dir, ['validate'], env);
  expect(validate.code, validate.stdout + validate.stderr.slice(-2000)).toBe(0);
  const run = await cli(dir, ['run', '--budget', '75s'], env);
  const resultsPath = join(dir, 'perf-gate-report', 'results.json');
  expect(existsSync(resultsPath), run.stderr.slice(-3000)).toBe(true);
  // Throws, naming the field, when the file does not match the published schema.
  const results = validateResults(parseResultsJson(readFileSync(resultsPath, 'utf8')), resultsPath);
  expect(['pass', 'fail', 'inconclusive'], run.stderr.slice(-3000)).toContain(results.verdict);
  expect(run.code).toBe(results.verdict === 'fail' ? 1 : 0);
  return { init, config, results };
}

describe('init → validate → run without an edit', () => {
  it.runIf(postgresAvailable && pythonAvailable)(
    'the FastAPI example: init starts it, proposes its own metrics, and the written config reaches a verdict',
    async () => {
      const dir = copyProject('examples/fastapi');
      // The team's python3 is the one with its packages installed: here, Debian's.
      const env = { PATH: `${DEBIAN_PYTHON.replace(/\/python3$/, '')}:${process.env.PATH ?? ''}` };
      const { init, config, results } = await firstHour(dir, env);
      expect(init.stdout).toContain(
        'detected: python, fastapi, uvicorn, app app.main:app, no Dockerfile, fly.toml (port 8000, health check /health), Alembic migrations, workload bench/queries.jsonl, Prometheus client',
      );
      // Every histogram and the counter pair of the service, and nothing of the interpreter's.
      expect(init.stdout).toMatch(/proposed \d+ server metric\(s\) from \/metrics of the service init started/);
      for (const family of [
        'catalog_request_duration_seconds',
        'catalog_db_query_duration_seconds',
        'catalog_empty_results_total',
      ])
        expect(config).toContain(`metric: ${family}`);
      expect(config).not.toMatch(/metric: (python|process)_/);
      expect(config).toContain('command: [python3, -m, uvicorn, app.main:app, --host, 127.0.0.1, --port, "{port}"]');
      // Alembic runs with the service's interpreter; the baseline at the revision before head.
      expect(config).toMatch(/alembic:[^\n]*\n\s+revision: head[^\n]*\n\s+command: \[python3, -m, alembic\]/);
      expect(config).toMatch(/strategy: template-copy\n\s+before: head /);
      // The proposed targets are judged like the written ones: each has a row with data.
      const judged = results.targets.map((t) => t.metric);
      expect(judged).toEqual(expect.arrayContaining(['latency_p95', 'error_rate', 'catalog_request_duration_mean']));
      for (const target of results.targets) expect(target.status, JSON.stringify(target)).not.toBe('no-data');
      // The Alembic upgrade was rehearsed on the baseline's copy under traffic, its sessions recognised.
      expect(results.rehearsal?.migrations.map((m) => m.name)).toEqual([
        'python3 -m alembic -c alembic.ini upgrade head',
      ]);
      expect(results.rehearsal?.error).toBeUndefined();
      expect(results.rehearsal?.unattributed).toBeUndefined();
    },
    600_000,
  );

  it.runIf(postgresAvailable && pythonAvailable)(
    'a service that does not start: init --probe start names the stage and the logs, leaves nothing running, and keeps the config',
    async () => {
      const dir = copyProject('examples/fastapi');
      writeFileSync(
        join(dir, 'app/main.py'),
        'from fastapi import FastAPI\n\nraise RuntimeError("settings: CATALOG_REGION is not set")\napp = FastAPI()\n',
      );
      const env = { PATH: `${DEBIAN_PYTHON.replace(/\/python3$/, '')}:${process.env.PATH ?? ''}` };
      const init = await cli(dir, ['init', '--probe', 'start'], env);
      expect(init.code, init.stderr.slice(-3000)).toBe(3);
      const logs = /its logs are in (\S+)/.exec(init.stderr)?.[1];
      expect(init.stderr).toContain('init --probe start: the boot stage failed');
      expect(logs, init.stderr.slice(-3000)).toBeDefined();
      // The service's own error is in the backend log perf-gate kept.
      const logText = readdirSync(logs!)
        .filter((f) => /^backend-.*\.log$/.test(f))
        .map((f) => readFileSync(join(logs!, f), 'utf8'))
        .join('\n');
      expect(logText).toContain('CATALOG_REGION is not set');
      expect(readFileSync(join(dir, 'perf-gate.yml'), 'utf8')).toContain('metrics: []');
      expect(spawnSync('pgrep', ['-f', `uvicorn app.main:app`]).status).toBe(1);
      rmSync(logs!, { recursive: true, force: true });
    },
    300_000,
  );

  it.runIf(postgresAvailable && dockerAvailable)(
    'the Node reference backend: init writes an image backend, and with the images built the config reaches a verdict',
    async () => {
      const dir = copyProject('examples/backend-rag');
      // What the written workflow's build step does for each branch.
      const build = spawnSync(
        process.execPath,
        [join(root, 'examples/backend-rag/build-image.mjs'), '--tag', 'app:candidate'],
        { encoding: 'utf8', timeout: 300_000 },
      );
      expect(build.status, build.stderr).toBe(0);
      const tagged = spawnSync('docker', ['tag', 'app:candidate', 'app:baseline'], { encoding: 'utf8' });
      expect(tagged.status, tagged.stderr).toBe(0);
      const { init, config } = await firstHour(dir, {});
      expect(init.stdout).toContain(
        'detected: node, server.mjs, Dockerfile, SQL migrations in migrations, workload queries.jsonl, Prometheus client',
      );
      expect(config).toContain('kind: image');
      expect(config).toContain('metric: rag_pipeline_duration_seconds');
      expect(config).toContain('before: "022"');
    },
    600_000,
  );
});
