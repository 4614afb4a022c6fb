import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, assert, describe, expect, it } from 'vitest';
import type { PerfGateConfig } from '../../src/config/config.js';
import { parseConfig } from '../../src/config/load.js';
import { describeDetected, detectProject } from '../../src/init/detect-project.js';
import { startCommand, starterConfig } from '../../src/init/starter-files.js';

const made: string[] = [];

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-detect-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A variant's backend, narrowed to the kind the test expects (a wrong kind fails the test). */
function backendOf<K extends 'command' | 'image'>(config: PerfGateConfig, variant: 'baseline' | 'candidate', kind: K) {
  const backend = config.backend[variant];
  assert(backend.kind === kind, `${variant} backend is kind ${backend.kind}, expected ${kind}`);
  return backend as Extract<PerfGateConfig['backend']['candidate'], { kind: K }>;
}

/** The config init writes, through the same validator `perf-gate validate` uses. */
function validated(dir: string) {
  const text = starterConfig(detectProject(dir));
  return {
    text,
    config: parseConfig(text, { source: join(dir, 'perf-gate.yml'), baseDir: dir, env: {}, overrides: {} }),
  };
}

describe('detectProject and the command init writes', () => {
  it('FastAPI in app/main.py: uvicorn on {port}, the app object found, Prometheus metrics scraped', () => {
    const dir = project({
      'requirements.txt': 'fastapi==0.110\nuvicorn[standard]>=0.29\nasyncpg\nprometheus-client\n',
      'app/main.py': 'from fastapi import FastAPI\n\napi: FastAPI = FastAPI(title="search")\n',
    });
    const p = detectProject(dir);
    expect(p).toMatchObject({
      language: 'python',
      framework: 'fastapi',
      server: 'uvicorn',
      appModule: 'app.main:api',
      prometheusClient: true,
      port: 8000,
    });
    expect(startCommand(p)).toEqual({
      command: ['python3', '-m', 'uvicorn', 'app.main:api', '--host', '127.0.0.1', '--port', '{port}'],
      known: true,
    });
    const { text, config } = validated(dir);
    expect(text).toContain('command: [python3, -m, uvicorn, app.main:api, --host, 127.0.0.1, --port, "{port}"]');
    expect(backendOf(config, 'candidate', 'command').command).toEqual([
      'python3',
      '-m',
      'uvicorn',
      'app.main:api',
      '--host',
      '127.0.0.1',
      '--port',
      '{port}',
    ]);
    expect(config.backend.candidate.metricsPath).toBe('/metrics');
    expect(describeDetected(p)).toBe(
      'python, fastapi, uvicorn, app app.main:api, no Dockerfile, no migrations found, Prometheus client',
    );
  });

  it('gunicorn with uvicorn workers binds 127.0.0.1:{port}; pyproject dependencies count', () => {
    const dir = project({
      'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["fastapi>=0.110", "gunicorn", "uvicorn"]\n',
      'main.py': 'import fastapi\napp = fastapi.FastAPI()\n',
    });
    const p = detectProject(dir);
    // "fastapi.FastAPI(" is not the bare constructor: the app is not found, and the command says to check it.
    expect(p.appModule).toBeUndefined();
    expect(startCommand(p)).toEqual({
      command: [
        'python3',
        '-m',
        'gunicorn',
        'main:app',
        '--worker-class',
        'uvicorn.workers.UvicornWorker',
        '--bind',
        '127.0.0.1:{port}',
      ],
      known: false,
    });
    expect(validated(dir).text).toContain('--bind, "127.0.0.1:{port}"]   # <- how to start the service');
  });

  it('Flask without a server dependency runs `flask run`; Django runs manage.py runserver on {port}', () => {
    const flask = project({
      'requirements.txt': 'Flask\n',
      'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    });
    expect(startCommand(detectProject(flask)).command).toEqual([
      'python3',
      '-m',
      'flask',
      '--app',
      'app',
      'run',
      '--port',
      '{port}',
    ]);
    expect(detectProject(flask).port).toBe(5000);
    const django = project({
      'requirements.txt': 'django>=5\n',
      'manage.py': '',
      'shop/settings.py': '',
      'shop/wsgi.py': '',
    });
    expect(detectProject(django).appModule).toBe('shop.wsgi:application');
    expect(startCommand(detectProject(django)).command).toEqual([
      'python3',
      'manage.py',
      'runserver',
      '127.0.0.1:{port}',
      '--noreload',
    ]);
    expect(backendOf(validated(django).config, 'baseline', 'command').command).toContain('127.0.0.1:{port}');
  });

  it("the baseline is cut before the project's newest SQL migration, in numeric order, not a fixed version", () => {
    const dir = project({
      'requirements.txt': 'fastapi\nuvicorn\n',
      'db/migrations/001_init.sql': 'SELECT 1;\n',
      'db/migrations/099_late.sql': 'SELECT 1;\n',
      'db/migrations/100_latest.sql': 'SELECT 1;\n',
      'db/migrations/README.md': 'not a migration\n',
    });
    const p = detectProject(dir);
    expect(p).toMatchObject({ sqlMigrationsDir: 'db/migrations', newestSqlMigration: '100' });
    const { text, config } = validated(dir);
    expect(config.database.baseline).toEqual({ strategy: 'template-copy', before: '100' });
    expect(text).toMatch(/before: "100" +# <- the first migration the baseline must NOT have/);
  });

  it('a dependency named like another one is not it (flask-cors is not Flask)', () => {
    const dir = project({ 'requirements.txt': 'flask-cors\nrequests\n' });
    expect(detectProject(dir).framework).toBeUndefined();
  });

  it('fly.toml gives the internal port and the health check path; a request file near the root becomes the workload', () => {
    const dir = project({
      'requirements.txt': 'fastapi\n',
      'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'fly.toml':
        'app = "rag"\n[http_service]\n  internal_port = 8081\n  [[http_service.checks]]\n    interval = "10s"\n    method = "GET"\n    path = "/healthz"\n',
      'bench/queries.jsonl': '{"method":"POST","path":"/api/search","body":{"query":"a"}}\n',
      'bench/notes.jsonl': '{"not":"a request"}\n',
      'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
      'migrations/env.py': 'import os\nurl = os.environ["DATABASE_URL"]\n',
      'migrations/versions/0001_a.py': '',
      'migrations/versions/0002_b.py': '',
    });
    const p = detectProject(dir);
    expect(p).toMatchObject({
      port: 8081,
      portSource: 'fly.toml',
      healthPath: '/healthz',
      workloadFile: 'bench/queries.jsonl',
      alembic: {
        command: ['python3', '-m', 'alembic'],
        revisions: 2,
        envReadsDatabaseUrl: true,
        scriptLocation: 'migrations',
      },
    });
    expect(validated(dir).text).not.toContain('does not read DATABASE_URL');
    const { config } = validated(dir);
    expect(config.backend.candidate.healthPath).toBe('/healthz');
    expect(config.load.workload.file).toBe('bench/queries.jsonl');
    expect(config.database.migrations).toMatchObject({
      kind: 'alembic',
      revision: 'head',
      command: ['python3', '-m', 'alembic'],
      iniFile: 'alembic.ini',
      rehearse: { enabled: true },
    });
    expect(config.database.baseline).toEqual({ strategy: 'template-copy', before: 'head' });
    // One revision, and an env.py that connects on its own: a shared baseline, and the line to fix marked.
    const single = project({
      'requirements.txt': 'fastapi\nalembic\n',
      'alembic.ini': '[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://localhost/app\n',
      'alembic/env.py': 'from alembic import context\nconfig = context.config\n',
      'alembic/versions/0001_init.py': '',
    });
    const written = validated(single);
    expect(written.config.database.baseline).toEqual({ strategy: 'shared' });
    expect(written.text).toContain('# <- alembic/env.py does not read DATABASE_URL');
    expect(written.text).toContain('1 revision(s) in alembic/versions: none before the newest');
  });

  it('Node: the start script when there is one, else package.json main, else a server file; PORT by convention', () => {
    const script = project({
      'package.json': JSON.stringify({
        scripts: { start: 'node dist/server.js' },
        dependencies: { fastify: '^4', 'prom-client': '^15' },
      }),
    });
    expect(detectProject(script)).toMatchObject({
      framework: 'fastify',
      nodeStart: { script: 'start' },
      prometheusClient: true,
    });
    expect(startCommand(detectProject(script)).command).toEqual(['npm', 'start']);
    const main = project({ 'package.json': JSON.stringify({ main: 'lib/app.js' }) });
    expect(startCommand(detectProject(main)).command).toEqual(['node', 'lib/app.js']);
    const file = project({ 'package.json': '{}', 'server.mjs': '' });
    expect(startCommand(detectProject(file)).command).toEqual(['node', 'server.mjs']);
    expect(backendOf(validated(file).config, 'candidate', 'command').portEnv).toBe('PORT');
  });

  it('Node without a package.json of its own: the server file starts it, and a prom-client import beside it counts', () => {
    const dir = project({
      'server.mjs': "import { createApp } from './lib/http-app.mjs';\n",
      'lib/metrics.mjs': "import client from 'prom-client';\n",
      'lib/notes.mjs': '// prom-client is mentioned, not imported\n',
    });
    expect(detectProject(dir)).toMatchObject({
      language: 'node',
      nodeStart: { main: 'server.mjs' },
      prometheusClient: true,
    });
    expect(startCommand(detectProject(dir)).command).toEqual(['node', 'server.mjs']);
    const plain = project({ 'index.js': "const http = require('node:http');\n" });
    expect(detectProject(plain)).toMatchObject({ language: 'node', prometheusClient: false });
    // A Go service with a stray script at its root stays a Go service.
    expect(detectProject(project({ 'go.mod': 'module example.com/svc\n', 'app.js': '' })).language).toBe('go');
  });

  it('a Dockerfile EXPOSE gives the container port when fly.toml does not', () => {
    const dir = project({ 'requirements.txt': 'fastapi\n', Dockerfile: 'FROM python:3.12-slim\nEXPOSE 9000\n' });
    expect(detectProject(dir)).toMatchObject({ port: 9000, portSource: 'Dockerfile', dockerfile: true });
    expect(backendOf(validated(dir).config, 'candidate', 'image').port).toBe(9000);
  });

  it('an unknown folder gets a placeholder command marked for editing, and the config still validates', () => {
    const dir = project({ 'README.md': 'hello\n' });
    const p = detectProject(dir);
    expect(p.language).toBe('unknown');
    expect(validated(dir).text).toContain(
      'command: [./start-server, --port, "{port}"]   # <- how to start the service',
    );
  });
});
