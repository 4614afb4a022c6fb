/**
 * A throwaway PostgreSQL for one perf-gate run: a real cluster from the server binaries when they
 * exist, otherwise PGlite (PostgreSQL compiled to WebAssembly) behind a loopback socket.
 *
 * The cluster lives in a temporary folder, listens on 127.0.0.1 only, requires a random password
 * (scram-sha-256) even there, runs with fsync off (its data is worthless after the run), and is
 * removed by stop().
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { findFreePort } from '../backend/port-check.js';
import { InfrastructureError } from '../errors.js';
import type { Logger } from '../log.js';
import { findPostgresBinaries, type PostgresBinaries, searchPostgresBinaries } from './postgres-binaries.js';

export interface ThrowawayPostgres {
  /** Superuser URL to the `postgres` database (contains the password: register it as a secret). */
  url: string;
  kind: 'cluster' | 'pglite';
  serverVersion: string;
  /**
   * Cluster only: what stopThrowawayFromHandle needs to stop it from ANOTHER process (the action's
   * `if: always()` cleanup step). Serialisable; no secrets. Empty for PGlite, which dies with its process.
   */
  handle: ThrowawayHandle;
  stop(): Promise<void>;
}

export interface ThrowawayHandle {
  /** The temporary folder perf-gate created (data directory in `<dataDir>/data`). */
  dataDir?: string;
  binDir?: string;
  pid?: number;
}

export interface ThrowawayOptions {
  log: Logger;
  /** 'cluster' (default) falls back to PGlite when no server binaries are found. */
  prefer?: 'cluster' | 'pglite';
  /** Parent folder for the temporary data folder (e.g. a tmpfs); default the OS temp folder. */
  dataDir?: string;
  /** The major version production runs (database.postgres): only binaries of it, never PGlite. */
  major?: number;
  /** max_connections of the cluster; at least 100. Default 200. */
  maxConnections?: number;
  /**
   * Cluster only: called synchronously as soon as the server process exists, before it is ready,
   * so the caller can record the handle and a signal arriving during start-up loses nothing.
   */
  onServerStarted?: (handle: ThrowawayHandle) => void;
}

export async function startThrowawayPostgres(options: ThrowawayOptions): Promise<ThrowawayPostgres> {
  if (options.major !== undefined) {
    const { binaries, found } = searchPostgresBinaries(process.env, { major: options.major });
    if (!binaries) {
      const seen = found.map((f) => `${f.major ?? 'unknown version'} in ${f.dir}`).join(', ') || 'none';
      throw new InfrastructureError(
        `database.postgres "${options.major}": no PostgreSQL ${options.major} server binaries on this machine (found: ${seen}); ` +
          `install them (Debian/Ubuntu: apt-get install postgresql-${options.major}), point PG_BIN at them, or give database.url of a PostgreSQL ${options.major} server. ` +
          'PGlite is not used in their place: it is not the version production runs.',
      );
    }
    return startCluster(binaries, options);
  }
  if (options.prefer === 'pglite') return startPglite(options);
  const binaries = findPostgresBinaries();
  if (!binaries) {
    options.log.warning(
      'no PostgreSQL server binaries found (PG_BIN, pg_config --bindir, /usr/lib/postgresql, PATH); falling back to ' +
        'PGlite, which runs every connection in one session: locking and pool effects will not show',
    );
    return startPglite(options);
  }
  return startCluster(binaries, options);
}

/** initdb refuses to run as root; as root we run the server as the `postgres` system user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new InfrastructureError(
      'running as root, and initdb refuses root, but there is no "postgres" system user to run the server as; ' +
        'create one (useradd --system postgres) or run perf-gate as an ordinary user',
    );
  }
}

/** A postgresql.conf string value: single-quoted with quotes doubled. */
function confString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function startCluster(bin: PostgresBinaries, options: ThrowawayOptions): Promise<ThrowawayPostgres> {
  const { log } = options;
  const user = serverUser();
  const root = mkdtempSync(join(options.dataDir ?? tmpdir(), 'perf-gate-pg-'));
  const data = join(root, 'data');
  const logFile = join(root, 'server.log');
  const password = randomBytes(24).toString('base64url');
  log.addSecret(password);
  const removeRoot = () => rmSync(root, { recursive: true, force: true });
  try {
    if (user) chownSync(root, user.uid, user.gid);
    const pwFile = join(root, 'pw');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(pwFile, user.uid, user.gid);
    const init = spawnSync(
      bin.initdb,
      [
        '-D',
        data,
        '-U',
        'postgres',
        `--pwfile=${pwFile}`,
        '--auth-local=scram-sha-256',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...(user ?? {}), cwd: root, encoding: 'utf8' },
    );
    rmSync(pwFile, { force: true });
    if (init.status !== 0) {
      throw new InfrastructureError(
        `initdb (${bin.initdb}) failed with exit code ${init.status}: ${(init.stderr || init.stdout || String(init.error)).trim()}` +
          (user && options.dataDir ? `; the postgres user must be able to enter ${options.dataDir}` : ''),
      );
    }
    const maxConnections = Math.max(100, options.maxConnections ?? 200);
    let lastError = '';
    // A free port can be taken between our probe and the server's bind: try a few.
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const port = await findFreePort();
      writeFileSync(
        join(data, 'perf-gate.conf'),
        [
          `port = ${port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = ${confString(root)}`,
          // Durability buys nothing for a database deleted after the run, and costs benchmark noise.
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          `max_connections = ${maxConnections}`,
          "password_encryption = 'scram-sha-256'",
          '',
        ].join('\n'),
      );
      if (user) chownSync(join(data, 'perf-gate.conf'), user.uid, user.gid);
      if (attempt === 1) appendFileSync(join(data, 'postgresql.conf'), "\ninclude 'perf-gate.conf'\n");
      const logFd = openSync(logFile, 'a');
      if (user) chownSync(logFile, user.uid, user.gid);
      // Detached and unref'd: the server must outlive this process when a later step does the cleanup,
      // and must not keep this process alive; a terminal's Ctrl-C should not reach it half-way either.
      const server = spawn(join(bin.dir, 'postgres'), ['-D', data], {
        ...(user ?? {}),
        cwd: root,
        stdio: ['ignore', logFd, logFd],
        detached: true,
      });
      server.unref();
      closeSync(logFd);
      options.onServerStarted?.({ dataDir: root, binDir: bin.dir, pid: server.pid });
      const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
      const ready = await waitUntilReady(server, url, 60_000);
      if (ready.ok) {
        log.info(`throwaway PostgreSQL ${ready.version} (${bin.dir}, found via ${bin.source}) on 127.0.0.1:${port}`);
        return {
          url,
          kind: 'cluster',
          serverVersion: ready.version,
          handle: { dataDir: root, binDir: bin.dir, pid: server.pid },
          stop: async () => {
            await stopServer(server);
            removeRoot();
          },
        };
      }
      await stopServer(server);
      lastError = ready.reason;
      const serverLog = safeRead(logFile);
      if (!/could not bind|address already in use/i.test(serverLog)) break;
    }
    throw new InfrastructureError(`throwaway PostgreSQL did not start: ${lastError}\n${tail(safeRead(logFile), 20)}`);
  } catch (error) {
    removeRoot();
    throw error;
  }
}

/**
 * Stops a throwaway cluster started by another process, from its handle: fast shutdown via the
 * postmaster.pid in the data directory (so a recycled pid is never signalled), then removes the folder.
 * Refuses a folder that is not one of ours, since the handle comes from a state file on disk.
 */
export async function stopThrowawayFromHandle(handle: ThrowawayHandle & { kind?: string }, log: Logger): Promise<void> {
  if (!handle.dataDir) return;
  const root = handle.dataDir;
  const data = join(root, 'data');
  if (!existsSync(root)) return;
  if (!basename(root).startsWith('perf-gate-pg-') || !existsSync(join(data, 'PG_VERSION'))) {
    throw new InfrastructureError(`refusing to remove ${root}: not a perf-gate throwaway cluster folder`);
  }
  const pid = serverPid(handle);
  if (pid !== undefined) {
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + 15_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
    while (isAlive(pid) && Date.now() < deadline + 5_000) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(root, { recursive: true, force: true });
  log.info(`stopped the throwaway PostgreSQL server and removed ${root}`);
}

/**
 * The running server of a handle: from postmaster.pid, or, while the server is still starting and
 * has not written that file yet, the recorded pid when it is a postgres process using this folder.
 */
function serverPid(handle: ThrowawayHandle): number | undefined {
  const data = join(handle.dataDir!, 'data');
  const fromFile = Number(safeRead(join(data, 'postmaster.pid')).split('\n', 1)[0]);
  if (fromFile > 0 && isAlive(fromFile)) return fromFile;
  if (handle.pid && isAlive(handle.pid) && safeRead(`/proc/${handle.pid}/cmdline`).split('\0').includes(data))
    return handle.pid;
  return undefined;
}

/** What is left of a throwaway cluster after cleanup: its server still running, or its folder. */
export function throwawayRemains(handle: ThrowawayHandle): string[] {
  if (!handle.dataDir) return [];
  const left: string[] = [];
  const pid = existsSync(handle.dataDir) ? serverPid(handle) : undefined;
  if (pid !== undefined) left.push(`the throwaway PostgreSQL server (pid ${pid}) is still running`);
  if (existsSync(handle.dataDir)) left.push(`the throwaway PostgreSQL folder ${handle.dataDir} still exists`);
  return left;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitUntilReady(
  server: ChildProcess,
  url: string,
  timeoutMs: number,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  server.once('exit', (code, signal) => {
    exited = `the server exited (code ${code}, signal ${signal})`;
  });
  let last = '';
  while (Date.now() < deadline) {
    if (exited) return { ok: false, reason: exited };
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const result = await client.query<{ server_version: string }>('SHOW server_version');
      await client.end();
      return { ok: true, version: result.rows[0]!.server_version };
    } catch (error) {
      await client.end().catch(() => undefined);
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ok: false, reason: `not ready after ${timeoutMs} ms (${last})` };
}

/** SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, close sessions, exit. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.kill('SIGQUIT'), 15_000);
    server.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.kill('SIGINT');
  });
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * PGlite fallback. PGlite is single-user Postgres: the socket server multiplexes every client
 * connection onto ONE session, one query at a time. Advisory locks, row locks, connection-pool
 * sizing and concurrent transactions therefore cannot show their real effects here; numbers measured
 * on it say nothing about DB pool waits. It exists so the pipeline still runs where no server binaries do.
 */
async function startPglite(options: ThrowawayOptions): Promise<ThrowawayPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  let folder: string | undefined;
  if (options.dataDir) folder = mkdtempSync(join(options.dataDir, 'perf-gate-pglite-'));
  const db = await PGlite.create(folder ? { dataDir: folder } : {});
  const port = await findFreePort();
  // maxConnections: the socket server's default is 1, which would make a second pg client queue
  // and time out; pools in the backend under test open several.
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 });
  await server.start();
  const version =
    (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  options.log.info(`throwaway PGlite (PostgreSQL ${version}) on 127.0.0.1:${port}; one session for all connections`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    kind: 'pglite',
    serverVersion: version,
    handle: {},
    stop: async () => {
      await server.stop();
      await db.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}
