/** The report folder: created before any stage, so a bad --report-dir stops the run before anything starts. */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { errorMessage, InfrastructureError, InputError } from '../errors.js';

export function makeReportDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    // mkdir succeeds on a folder that already exists, writable or not: ask, so a read-only folder
    // stops the run here rather than after the benchmark.
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EEXIST: the path is a file; ENOTDIR: a file sits where one of its parent folders should be.
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new InputError(
        `report folder '${dir}' (--report-dir, or report.dir in the config): ${code === 'EEXIST' ? 'is a file' : 'a file is in its path'}; expected a folder perf-gate can create or write into`,
      );
    }
    // EACCES/EPERM/EROFS: the folder the user named is not writable, an input to fix (exit 2), not a fault of the runner.
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new InputError(
        `report folder '${dir}' (--report-dir, or report.dir in the config): cannot be created or written (${code}); expected a folder perf-gate can create or write into`,
      );
    }
    throw new InfrastructureError(
      `report folder '${dir}' (--report-dir, or report.dir in the config): cannot be created: ${errorMessage(error)}`,
    );
  }
}
