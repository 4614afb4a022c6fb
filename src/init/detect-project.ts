/**
 * What `perf-gate init` can tell about the project in a folder, from its files alone: the stack and
 * how to start it on a port of perf-gate's choosing, a Dockerfile, fly.toml's internal port and
 * health check, where the migrations live (NNN_name.sql files or Alembic), a workload file, and
 * whether the service exposes Prometheus metrics. Reading only; starter-files.ts writes the config.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export type Framework = 'fastapi' | 'flask' | 'django' | 'express' | 'fastify';
export type PythonServer = 'uvicorn' | 'gunicorn' | 'hypercorn';

export interface DetectedProject {
  language: 'python' | 'node' | 'go' | 'unknown';
  framework?: Framework;
  /** Python: the ASGI/WSGI server in the dependencies. */
  server?: PythonServer;
  /** The application object, "module:attribute" (FastAPI/Flask/ASGI), or the Django settings' WSGI module. */
  appModule?: string;
  /** Node: the package's start script or main file. */
  nodeStart?: { script: 'start' } | { main: string };
  dockerfile: boolean;
  /** A folder of NNN_name.sql files, relative to the project root. */
  sqlMigrationsDir?: string;
  /** The version (the digits, as written) of the newest NNN_name.sql file there: the likely migration under test. */
  newestSqlMigration?: string;
  /**
   * Alembic (an alembic.ini at the root), started with the service's own interpreter: how many revision
   * files its versions folder holds, and whether its env.py reads DATABASE_URL (perf-gate's database).
   */
  alembic?: { command: string[]; revisions: number; envReadsDatabaseUrl: boolean; scriptLocation: string };
  /** The port the service listens on in production (fly.toml, Dockerfile EXPOSE, framework default). */
  port: number;
  /** Where `port` came from, for the summary line. */
  portSource: 'fly.toml' | 'Dockerfile' | 'default';
  flyToml: boolean;
  /** fly.toml's HTTP health check path, when it has one. */
  healthPath?: string;
  /** A JSONL file of requests ({"method","path"} per line), relative to the root. */
  workloadFile?: string;
  /** A Prometheus client library is a dependency: the service probably serves /metrics. */
  prometheusClient: boolean;
}

/** Files larger than this are not read: a project file worth reading is small. */
const MAX_READ_BYTES = 512 * 1024;

function read(root: string, file: string): string {
  try {
    const path = join(root, file);
    if (statSync(path).size > MAX_READ_BYTES) return '';
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function list(root: string, dir: string): string[] {
  try {
    return readdirSync(join(root, dir));
  } catch {
    return [];
  }
}

const SQL_MIGRATION = /^\d+_[\w-]+\.sql$/;

function findSqlMigrations(root: string): string | undefined {
  const candidates = [
    'migrations',
    'db/migrations',
    'sql/migrations',
    'database/migrations',
    'backend/migrations',
    'migrations/sql',
  ];
  return candidates.find((dir) => list(root, dir).some((f) => SQL_MIGRATION.test(f)));
}

/** The digits of the highest-numbered NNN_name.sql file in `dir` (numeric order: 100 after 099). */
function newestSqlMigration(root: string, dir: string): string | undefined {
  const versions = list(root, dir)
    .filter((f) => SQL_MIGRATION.test(f))
    .map((f) => f.slice(0, f.indexOf('_')));
  return versions.sort((a, b) => Number(a) - Number(b) || a.localeCompare(b)).pop();
}

/** A dependency name as a whole word in requirements.txt / pyproject.toml / Pipfile text. */
function hasPythonDependency(text: string, name: string): boolean {
  return new RegExp(`(^|[\\s"'\\[,])${name}($|[\\s"'=<>~!\\[;,])`, 'im').test(text);
}

/** Where Python services usually keep the application object, in order of likelihood. */
const PYTHON_APP_FILES = [
  'main.py',
  'app.py',
  'app/main.py',
  'src/main.py',
  'api/main.py',
  'server.py',
  'app/__init__.py',
  'asgi.py',
  'wsgi.py',
];

/**
 * The "module:attribute" of the application object: a module-level `name = FastAPI(` (or Flask(,
 * Starlette(), the form uvicorn, gunicorn and hypercorn all take.
 */
function findPythonApp(root: string, appConstructor: RegExp): string | undefined {
  const files = [...PYTHON_APP_FILES];
  for (const dir of list(root, 'src')) files.push(`src/${dir}/main.py`, `src/${dir}/app.py`);
  for (const file of files) {
    const match = new RegExp(`^([A-Za-z_][A-Za-z0-9_]*)\\s*(?::[^=]+)?=\\s*${appConstructor.source}`, 'm').exec(
      read(root, file),
    );
    if (!match) continue;
    const module = file
      .replace(/^src\//, '')
      .replace(/\/__init__\.py$/, '')
      .replace(/\.py$/, '')
      .replace(/\//g, '.');
    return `${module}:${match[1]}`;
  }
  return undefined;
}

function findDjangoWsgi(root: string): string | undefined {
  for (const entry of list(root, '.')) {
    if (existsSync(join(root, entry, 'wsgi.py')) && existsSync(join(root, entry, 'settings.py')))
      return `${entry}.wsgi:application`;
  }
  return undefined;
}

/** The first *.jsonl file near the root whose first line is a request perf-gate can send. */
function findWorkloadFile(root: string): string | undefined {
  for (const dir of ['.', 'bench', 'perf', 'load', 'loadtest', 'benchmarks', 'workload']) {
    for (const name of list(root, dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()) {
      const path = join(root, dir, name);
      const first = read(root, relative(root, path)).split('\n', 1)[0] ?? '';
      try {
        const request = JSON.parse(first) as { method?: unknown; path?: unknown };
        if (typeof request.method === 'string' && typeof request.path === 'string' && request.path.startsWith('/'))
          return relative(root, path);
      } catch {
        // not a request file
      }
    }
  }
  return undefined;
}

/** alembic.ini's script_location (default "alembic"), its revision files, and whether env.py reads DATABASE_URL. */
function readAlembic(root: string): NonNullable<DetectedProject['alembic']> {
  const location = /^\s*script_location\s*=\s*(\S+)/m.exec(read(root, 'alembic.ini'))?.[1] ?? 'alembic';
  // "%(here)s/migrations" is the ini file's own folder, which is the root here.
  const scriptLocation = location.replace(/^%\(here\)s\/?/, '') || '.';
  const revisions = list(root, join(scriptLocation, 'versions')).filter(
    (f) => f.endsWith('.py') && f !== '__init__.py',
  ).length;
  return {
    command: ['python3', '-m', 'alembic'],
    revisions,
    envReadsDatabaseUrl: read(root, join(scriptLocation, 'env.py')).includes('DATABASE_URL'),
    scriptLocation,
  };
}

/** A Node entry file at the usual places: a service is a Node one with or without its own package.json. */
function nodeMain(root: string): string | undefined {
  return ['server.js', 'server.mjs', 'index.js', 'index.mjs', 'app.js', 'src/server.js', 'src/index.js'].find((f) =>
    existsSync(join(root, f)),
  );
}

/** The entry file and the source files beside it and in lib/ and src/ (at most 50): where an import would be. */
function nodeSources(root: string, start: DetectedProject['nodeStart']): string[] {
  const files = start && 'main' in start ? [start.main] : [];
  for (const dir of ['.', 'lib', 'src'])
    for (const name of list(root, dir).sort())
      if (/\.(?:m|c)?[jt]s$/.test(name)) files.push(dir === '.' ? name : `${dir}/${name}`);
  return [...new Set(files)].slice(0, 50);
}

interface FlyFacts {
  port?: number;
  healthPath?: string;
}

/** fly.toml's internal port and the path of its first HTTP check ([[http_service.checks]] or [[services.http_checks]]). */
function readFlyToml(text: string): FlyFacts {
  const port = /^\s*internal_port\s*=\s*(\d+)/m.exec(text);
  const check = /\[\[(?:http_service\.checks|services\.http_checks)\]\][^[]*?^\s*path\s*=\s*["']([^"']+)["']/ms.exec(
    text,
  );
  return { port: port ? Number(port[1]) : undefined, healthPath: check?.[1] };
}

export function detectProject(root: string): DetectedProject {
  const python = [
    'pyproject.toml',
    'requirements.txt',
    'requirements/base.txt',
    'requirements/prod.txt',
    'Pipfile',
    'setup.cfg',
  ]
    .map((f) => read(root, f))
    .join('\n');
  const pkgText = read(root, 'package.json');
  const dockerfileText = read(root, 'Dockerfile');
  const project: DetectedProject = {
    language: 'unknown',
    dockerfile: existsSync(join(root, 'Dockerfile')),
    port: 8080,
    portSource: 'default',
    flyToml: existsSync(join(root, 'fly.toml')),
    workloadFile: findWorkloadFile(root),
    prometheusClient: false,
  };
  const sqlDir = findSqlMigrations(root);
  if (sqlDir) {
    project.sqlMigrationsDir = sqlDir;
    const newest = newestSqlMigration(root, sqlDir);
    if (newest) project.newestSqlMigration = newest;
  }
  if (python.trim() !== '') {
    project.language = 'python';
    project.port = 8000;
    if (hasPythonDependency(python, 'fastapi')) project.framework = 'fastapi';
    else if (hasPythonDependency(python, 'flask')) project.framework = 'flask';
    else if (hasPythonDependency(python, 'django')) project.framework = 'django';
    // gunicorn first: with uvicorn also listed, uvicorn is gunicorn's worker class, not the server.
    for (const server of ['gunicorn', 'hypercorn', 'uvicorn'] as const) {
      if (hasPythonDependency(python, server)) {
        project.server = server;
        break;
      }
    }
    // FastAPI brings uvicorn through "fastapi[standard]"; a bare fastapi dependency still needs a server.
    if (!project.server && project.framework === 'fastapi') project.server = 'uvicorn';
    if (project.framework === 'fastapi') project.appModule = findPythonApp(root, /FastAPI\(/);
    else if (project.framework === 'flask') project.appModule = findPythonApp(root, /Flask\(/);
    else if (project.framework === 'django') project.appModule = findDjangoWsgi(root);
    if (project.framework === 'flask') project.port = 5000;
    project.prometheusClient =
      hasPythonDependency(python, 'prometheus[-_]client') ||
      hasPythonDependency(python, 'prometheus-fastapi-instrumentator');
    if (existsSync(join(root, 'alembic.ini'))) project.alembic = readAlembic(root);
  } else if (pkgText || (!existsSync(join(root, 'go.mod')) && nodeMain(root))) {
    // A stray index.js beside a go.mod does not make a Go service a Node one; a package.json does.
    project.language = 'node';
    project.port = 3000;
    let pkg: {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
      scripts?: Record<string, string>;
      main?: string;
    } = {};
    try {
      pkg = JSON.parse(pkgText) as typeof pkg;
    } catch {
      // an unreadable package.json: still a Node project, with nothing more known
    }
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    if ('fastify' in deps) project.framework = 'fastify';
    else if ('express' in deps) project.framework = 'express';
    project.prometheusClient = 'prom-client' in deps;
    if (pkg.scripts?.start) project.nodeStart = { script: 'start' };
    else if (typeof pkg.main === 'string' && pkg.main !== '') project.nodeStart = { main: pkg.main };
    else {
      const main = nodeMain(root);
      if (main) project.nodeStart = { main };
    }
    // A service without a package.json of its own (it resolves packages from a parent's) still imports prom-client.
    project.prometheusClient ||= nodeSources(root, project.nodeStart).some((file) =>
      /(?:from\s+|require\(\s*|import\(\s*)['"]prom-client['"]/.test(read(root, file)),
    );
  } else if (existsSync(join(root, 'go.mod'))) {
    project.language = 'go';
  }
  const expose = /^\s*EXPOSE\s+(\d+)/im.exec(dockerfileText);
  if (expose) {
    project.port = Number(expose[1]);
    project.portSource = 'Dockerfile';
  }
  const fly = readFlyToml(read(root, 'fly.toml'));
  if (fly.port) {
    project.port = fly.port;
    project.portSource = 'fly.toml';
  }
  if (fly.healthPath) project.healthPath = fly.healthPath;
  return project;
}

/** One line for the user: what init found. */
export function describeDetected(p: DetectedProject): string {
  const start = p.appModule
    ? `app ${p.appModule}`
    : p.nodeStart
      ? 'script' in p.nodeStart
        ? 'npm start'
        : p.nodeStart.main
      : undefined;
  return [
    p.language,
    p.framework,
    p.server,
    start,
    p.dockerfile ? 'Dockerfile' : 'no Dockerfile',
    p.flyToml ? `fly.toml (port ${p.port}${p.healthPath ? `, health check ${p.healthPath}` : ''})` : undefined,
    p.sqlMigrationsDir
      ? `SQL migrations in ${p.sqlMigrationsDir}`
      : p.alembic
        ? 'Alembic migrations'
        : 'no migrations found',
    p.workloadFile ? `workload ${p.workloadFile}` : undefined,
    p.prometheusClient ? 'Prometheus client' : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
