/**
 * Backend output for people: the tail shown when a boot fails, and the full log saved to the
 * report folder before a container is removed (removal deletes Docker's copy).
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { errorMessage } from '../errors.js';
import type { SecretMasker } from '../log.js';
import type { DockerCli } from './docker-cli.js';

/** Lines shown in the failure group; enough for a stack trace plus the start-up log. */
export const FAILURE_TAIL_LINES = 200;

/** The last `count` lines of `text` (a trailing newline does not count as an empty line). */
export function lastLines(text: string, count: number): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return [];
  return lines.slice(-count);
}

/** Tail of a local process's log file; reads at most the last 1 MiB. */
export async function tailFile(path: string, count: number): Promise<string[]> {
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 1024 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return lastLines(buffer.toString('utf8'), count);
    } finally {
      await handle.close();
    }
  } catch (error) {
    return [`(log file ${path} could not be read: ${errorMessage(error)})`];
  }
}

export async function readLogFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** Copies a container's whole output to `path`. Returns false when the container is gone. */
export async function saveContainerLogs(docker: DockerCli, container: string, path: string): Promise<boolean> {
  let text: string;
  try {
    text = await docker.logs(container);
  } catch (error) {
    if (/no such container/i.test(errorMessage(error))) return false;
    throw error;
  }
  await writeFile(path, text, { mode: 0o600 });
  return true;
}

/** backend-baseline.log, backend-candidate.log: the files boot writes into the report folder. */
const BACKEND_LOG = /^backend-[A-Za-z0-9_-]+\.log$/;

/**
 * Rewrites every backend log in `reportDir` through `masker`, line by line (a log can be large), once
 * the backends have stopped writing. The report folder is uploaded as an artifact, and a backend
 * prints what it likes (its DATABASE_URL, its environment). Returns the files rewritten.
 */
export async function maskBackendLogs(reportDir: string, masker: SecretMasker): Promise<string[]> {
  const names = await readdir(reportDir).catch(() => [] as string[]);
  const masked: string[] = [];
  for (const name of names.filter((n) => BACKEND_LOG.test(n))) {
    const path = join(reportDir, name);
    const temp = `${path}.${process.pid}.masking`;
    const out = createWriteStream(temp, { mode: 0o600 });
    try {
      const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!out.write(`${masker.mask(line)}\n`)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      await rename(temp, path);
      masked.push(path);
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    }
  }
  return masked;
}
