/**
 * Backend output for people: the tail shown when a boot fails, and the full log saved to the
 * report folder before a container is removed (removal deletes Docker's copy).
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import { errorMessage } from '../errors.js';
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
