/** Shared fixtures for the database tests: fresh databases on one test cluster, temporary migration folders. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withDatabase } from '../../src/database/database-url.js';
import type { TestCluster } from './postgres.js';

let counter = 0;

/** Creates an empty database with a unique name and returns its URL. */
export async function freshDatabase(cluster: TestCluster, prefix = 'mig'): Promise<{ name: string; url: string }> {
  counter += 1;
  const name = `${prefix}_${process.pid}_${counter}`;
  await sql(cluster.url, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  return { name, url: withDatabase(cluster.url, name) };
}

/** Writes `files` (name -> SQL) into a new temporary folder. */
export function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-migrations-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function tableExists(url: string, table: string): Promise<boolean> {
  const rows = await sql<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [table]);
  return rows[0]?.t != null;
}

/** Rejects with a clear message when `promise` has not settled within `ms`: a hang detector, not a timing assertion. */
export async function withinBound<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms (deadlock?)`)), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error `promise` rejects with; the test fails if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}
