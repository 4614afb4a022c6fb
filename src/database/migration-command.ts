/**
 * Command mode: the team migrates with its own script (`python migrations/migration_022.py`), and
 * perf-gate runs it with DATABASE_URL set. argv only, never a shell, so nothing in the command or
 * the URL is ever interpreted by one.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { InfrastructureError, InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { maskerFor } from './connection.js';
import { databaseSecrets } from './database-url.js';

export interface MigrationCommandOptions {
  /** Program and arguments, e.g. ["python", "migrations/migration_022.py"]. */
  command: string[];
  databaseUrl: string;
  log: Logger;
  cwd?: string;
  /** Extra environment; DATABASE_URL is set last so it always names the target. */
  env?: Record<string, string>;
  /** Kill the command after this long (SIGTERM, then SIGKILL 10 s later). Default: no limit. */
  timeoutMs?: number;
  /** Stops the command the same way when the run is interrupted. */
  signal?: AbortSignal;
}

export interface MigrationCommandResult {
  exitCode: number;
  durationMs: number;
}

/** The command as a reader sees it: arguments quoted where needed, database passwords masked. */
export function describeMigrationCommand(command: string[], databaseUrls: string[]): string {
  return maskerFor(...databaseUrls).mask(
    command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' '),
  );
}

export async function runMigrationCommand(options: MigrationCommandOptions): Promise<MigrationCommandResult> {
  const { command, log } = options;
  if (command.length === 0 || !command[0])
    throw new InputError('migrations-command: empty command; expected e.g. ["python", "migrate.py"]');
  for (const secret of databaseSecrets(options.databaseUrl)) log.addSecret(secret);
  const masker = maskerFor(options.databaseUrl);
  const shown = describeMigrationCommand(command, [options.databaseUrl]);
  log.info(`running migration command: ${shown}`);
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, DATABASE_URL: options.databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: false,
  });
  // Both streams line by line, masked: a script that prints its connection string must not leak it.
  const pump = (stream: NodeJS.ReadableStream, write: (line: string) => void) =>
    new Promise<void>((resolve) => {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => write(masker.mask(line)));
      lines.on('close', () => resolve());
    });
  const out = pump(child.stdout!, (line) => log.info(line));
  const err = pump(child.stderr!, (line) => log.info(line));
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.timeoutMs) {
    timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, options.timeoutMs);
  }
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  );
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', stop);
  await Promise.all([out, err]);
  const durationMs = performance.now() - started;
  if (exit.spawnError) {
    throw new InfrastructureError(
      masker.mask(
        `migration command ${shown} could not start: ${exit.spawnError.message}` +
          ((exit.spawnError as { code?: string }).code === 'ENOENT'
            ? ` (is ${command[0]} installed and on PATH?)`
            : ''),
      ),
    );
  }
  if (exit.code !== 0) {
    const how = timedOut
      ? `was stopped after the ${options.timeoutMs} ms time limit`
      : exit.signal
        ? `was killed by ${exit.signal}`
        : `exited with code ${exit.code}`;
    throw new InfrastructureError(masker.mask(`migration command ${shown} ${how}; its output is in the log above`));
  }
  log.info(`migration command finished in ${(durationMs / 1000).toFixed(1)} s`);
  return { exitCode: 0, durationMs };
}
