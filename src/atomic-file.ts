/**
 * The one way perf-gate writes a file that another process may read while a run goes on
 * (results.json, rounds.json, the run state, the backend state, the reports): into a temporary file
 * in the same folder, then rename(2) over the target. A rename within one file system replaces the
 * name in a single step (POSIX), so a reader sees the old file or the new one, never half of one,
 * and a run killed mid-write leaves the previous version in place.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file; 0o600 unless said otherwise (run files may hold hostnames, ports, ids). */
  mode?: number;
}

let sequence = 0;

/** A temporary name beside `path`: same folder (so the rename stays on one file system), unique per write. */
function temporaryPath(path: string): string {
  sequence += 1;
  return `${path}.${process.pid}.${sequence}.tmp`;
}

export function writeFileAtomic(path: string, text: string, options: AtomicWriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = temporaryPath(path);
  try {
    writeFileSync(temp, text, { mode: options.mode ?? 0o600 });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export async function writeFileAtomicAsync(
  path: string,
  text: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = temporaryPath(path);
  try {
    await writeFile(temp, text, { mode: options.mode ?? 0o600 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** JSON as every run file is written: two-space indent and a final newline. */
export function jsonFileText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(path, jsonFileText(value), options);
}
