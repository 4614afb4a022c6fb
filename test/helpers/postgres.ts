/**
 * A real, throwaway PostgreSQL cluster for integration tests: initdb into a temporary folder,
 * started with pg_ctl on a free loopback port, removed afterwards. As root, the server runs as the
 * `postgres` user because initdb refuses to run as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/backend/port-check.js';
import type { ServiceProbe } from './services.js';

export interface TestCluster {
  /** Superuser URL to the `postgres` database. */
  url: string;
  port: number;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  /** Stops the server (`pg_ctl stop -m immediate`, as a crash or an operator would), keeping its data. */
  stopServer(): void;
  /** Starts the stopped server again on the same port, with the same data. */
  startServer(): void;
  stop(): Promise<void>;
}

export function findPostgresBin(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join('/usr/lib/postgresql', v, 'bin'));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

export function probePostgres(): ServiceProbe {
  const bin = findPostgresBin();
  return bin
    ? { available: true, reason: '' }
    : { available: false, reason: 'no PostgreSQL server binaries (initdb, pg_ctl) found; set PG_BIN' };
}

/** A free loopback port, for tests that start their own servers. */
export const freePort = (): Promise<number> => findFreePort();

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function startTestCluster(): Promise<TestCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(probePostgres().reason);
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-test-pg-'));
  const data = join(dir, 'data');
  const user = postgresUser();
  if (user) chownSync(dir, user.uid, user.gid);
  const run = (file: string, args: string[]) => {
    const result = spawnSync(join(bin, file), args, { ...(user ?? {}), cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${file} failed: ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
  start();
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    port,
    urlFor,
    stopServer: () => run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']),
    startServer: start,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
