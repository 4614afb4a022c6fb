/**
 * What `perf-gate init` can tell about the project in the current folder, from files alone:
 * the language and framework, whether a Dockerfile exists, where SQL migrations live, and which
 * port the service probably listens on. Reading only; the decisions are in starter-files.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DetectedProject {
  language: 'python' | 'node' | 'go' | 'unknown';
  framework?: 'fastapi' | 'flask' | 'django' | 'express' | 'fastify';
  dockerfile: boolean;
  /** A folder of NNN_name.sql files, relative to the project root. */
  sqlMigrationsDir?: string;
  /** A migration command the project already uses (Alembic, a script). */
  migrationCommand?: string[];
  port: number;
  flyToml: boolean;
}

function read(root: string, file: string): string {
  try {
    return readFileSync(join(root, file), 'utf8');
  } catch {
    return '';
  }
}

const SQL_MIGRATION = /^\d+_[\w-]+\.sql$/;

function findSqlMigrations(root: string): string | undefined {
  const candidates = ['migrations', 'db/migrations', 'sql/migrations', 'database/migrations', 'backend/migrations'];
  return candidates.find((dir) => {
    try {
      return readdirSync(join(root, dir)).some((f) => SQL_MIGRATION.test(f));
    } catch {
      return false;
    }
  });
}

export function detectProject(root: string): DetectedProject {
  const python = read(root, 'pyproject.toml') + read(root, 'requirements.txt');
  const pkg = read(root, 'package.json');
  const project: DetectedProject = {
    language: 'unknown',
    dockerfile: existsSync(join(root, 'Dockerfile')),
    port: 8080,
    flyToml: existsSync(join(root, 'fly.toml')),
    sqlMigrationsDir: findSqlMigrations(root),
  };
  if (python) {
    project.language = 'python';
    if (/fastapi/i.test(python)) project.framework = 'fastapi';
    else if (/flask/i.test(python)) project.framework = 'flask';
    else if (/django/i.test(python)) project.framework = 'django';
    project.port = 8000;
    if (existsSync(join(root, 'alembic.ini'))) project.migrationCommand = ['alembic', 'upgrade', 'head'];
  } else if (pkg) {
    project.language = 'node';
    if (/"fastify"/.test(pkg)) project.framework = 'fastify';
    else if (/"express"/.test(pkg)) project.framework = 'express';
    project.port = 3000;
  } else if (existsSync(join(root, 'go.mod'))) {
    project.language = 'go';
  }
  const fly = read(root, 'fly.toml');
  const internalPort = /internal_port\s*=\s*(\d+)/.exec(fly);
  if (internalPort) project.port = Number(internalPort[1]);
  return project;
}
