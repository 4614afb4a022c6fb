/** Reads a migration directory from disk into MigrationFile values (the only I/O of the planning step). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import {
  classifyMigrationFileName,
  describeMigrationFile,
  type MigrationFile,
  orderMigrationFiles,
} from './migration-plan.js';

export async function loadMigrationDirectory(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new InputError(`migrations-dir: cannot read ${JSON.stringify(dir)}: ${(error as Error).message}`);
  }
  const files: MigrationFile[] = [];
  for (const name of names.sort()) {
    const kind = classifyMigrationFileName(name);
    if (kind === 'ignore') continue;
    // describeMigrationFile rejects a badly named .sql file: silently skipping "22-add-index.sql" hides a migration.
    const content = await readFile(join(dir, name), 'utf8');
    files.push(describeMigrationFile(name, content, dir));
  }
  return orderMigrationFiles(files, dir);
}
