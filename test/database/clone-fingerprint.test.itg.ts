import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineDatabaseName, cloneDatabase } from '../../src/database/clone.js';
import { verifyIdempotent } from '../../src/database/fingerprint.js';
import { runMigrations } from '../../src/database/migrate.js';
import { runMigrationCommand } from '../../src/database/migration-command.js';
import { InfrastructureError, InputError } from '../../src/errors.js';
import { MemoryLogger } from '../../src/log.js';
import { freshDatabase, migrationsDir, sql } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const referenceDir = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/migrations/reference');
const available = requireService('PostgreSQL', probePostgres());
const show = (label: string, text: string) => process.stdout.write(`\n----- ${label} -----\n${text}\n`);

describe('baselineDatabaseName', () => {
  it("stays within PostgreSQL's 63-byte identifier limit", () => {
    expect(baselineDatabaseName('rag')).toBe('rag_baseline');
    expect(new TextEncoder().encode(baselineDatabaseName('x'.repeat(80))).length).toBe(63);
  });
});

describe.skipIf(!available)('clone, fingerprint and command mode on a real PostgreSQL', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('copies the preview database with CREATE DATABASE ... TEMPLATE, ending our own idle sessions, and drops the copy', async () => {
    const db = await freshDatabase(cluster, 'Preview "Db"');
    await runMigrations({ databaseUrl: db.url, dir: referenceDir, log: new MemoryLogger() });
    // Our own idle pool connection on the template: must be ended, not block the copy.
    const ours = new pg.Client({ connectionString: db.url, application_name: 'perf-gate-backend-pool' });
    ours.on('error', () => undefined);
    await ours.connect();
    const log = new MemoryLogger();
    const copy = await cloneDatabase({ sourceUrl: db.url, log });
    show('template clone', log.lines.join('\n'));
    expect(copy.name).toBe(`${db.name}_baseline`);
    expect((await sql(copy.url, 'SELECT count(*)::int AS n FROM perf_gate_migrations'))[0]).toEqual({ n: 3 });
    expect(log.lines.some((l) => l.startsWith('ending 1 idle perf-gate session(s)'))).toBe(true);
    await copy.drop();
    expect(await sql(cluster.url, 'SELECT 1 FROM pg_database WHERE datname = $1', [`${db.name}_baseline`])).toEqual([]);

    // Someone else's session is reported, never killed.
    const theirs = new pg.Client({ connectionString: db.url, application_name: 'psql' });
    await theirs.connect();
    try {
      const error = await cloneDatabase({ sourceUrl: db.url, log: new MemoryLogger() }).catch((e: Error) => e);
      show('clone blocked by another session', (error as Error).message);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect((error as Error).message).toMatch(/1 session\(s\) are connected \(pid \d+ "psql" idle/);
    } finally {
      await theirs.end();
    }
  });

  it('verifyIdempotent passes for the idempotent 022 and leaves no trace', async () => {
    const db = await freshDatabase(cluster);
    await runMigrations({ databaseUrl: db.url, dir: referenceDir, log: new MemoryLogger() });
    const log = new MemoryLogger();
    const result = await verifyIdempotent({
      databaseUrl: db.url,
      dir: referenceDir,
      files: ['022'],
      log,
      data: 'content',
    });
    show('idempotent 022', log.lines.join('\n'));
    expect(result.idempotent).toBe(true);
    expect(result.rolledBack).toBe(true);
    expect(result.before).toBe(result.after);
  });

  it('verifyIdempotent fails with a readable diff for a repeated INSERT and a CREATE INDEX with a generated name', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({
      '001_table.sql': 'CREATE TABLE IF NOT EXISTS events (id int, kind text);\n',
      '002_not_idempotent.sql': "INSERT INTO events VALUES (1, 'seed');\nCREATE INDEX ON events (kind);\n",
    });
    await runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() });
    const error = await verifyIdempotent({ databaseUrl: db.url, dir, log: new MemoryLogger() }).catch((e: Error) => e);
    show('non-idempotent migration', (error as Error).message);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(
      '+ index public.events_kind_idx1: CREATE INDEX events_kind_idx1 ON public.events USING btree (kind)',
    );
    expect((error as Error).message).toContain('~ rows public.events: 1 row(s) -> 2 row(s)');
    // The check rolled its rerun back: still one row, one index.
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM events')).toEqual([{ n: 1 }]);

    const plain = await verifyIdempotent({
      databaseUrl: db.url,
      dir: referenceDir,
      log: new MemoryLogger(),
      throwOnDifference: false,
    }).catch((e: Error) => e);
    expect(plain).toBeInstanceOf(InputError); // reference files not applied here: a clear refusal
  });

  it('reports a rerun that fails (CREATE TABLE without IF NOT EXISTS) as not idempotent, with file and line', async () => {
    const db = await freshDatabase(cluster);
    await runMigrations({ databaseUrl: db.url, dir: referenceDir, log: new MemoryLogger() });
    const error = await verifyIdempotent({
      databaseUrl: db.url,
      dir: referenceDir,
      files: ['020_documents.sql'],
      log: new MemoryLogger(),
    }).catch((e: Error) => e);
    show('rerun fails', (error as Error).message);
    expect((error as Error).message).toContain('not idempotent: 020_documents.sql; running it again failed:');
    expect((error as Error).message).toContain('relation "documents" already exists (SQLSTATE 42P07)');
  });

  it('command mode: runs the team script with DATABASE_URL, streams masked output, fails on non-zero exit', async () => {
    const db = await freshDatabase(cluster);
    const url = db.url.replace('postgres@', 'postgres:Sup3rSecret@');
    const script = [
      'import os, sys',
      "print('migrating', os.environ['DATABASE_URL'])",
      "print('warning on stderr', file=sys.stderr)",
      'sys.exit(int(sys.argv[1]))',
    ].join('\n');
    const log = new MemoryLogger();
    await runMigrationCommand({ command: ['python3', '-c', script, '0'], databaseUrl: url, log });
    show('command mode', log.lines.join('\n'));
    expect(log.lines).toContain('migrating ***');
    expect(log.lines).toContain('warning on stderr');
    expect(log.lines.join('\n')).not.toContain('Sup3rSecret');
    const error = await runMigrationCommand({
      command: ['python3', '-c', script, '7'],
      databaseUrl: url,
      log: new MemoryLogger(),
    }).catch((e: Error) => e);
    show('command mode failure', (error as Error).message);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toContain('exited with code 7');
    const missing = await runMigrationCommand({
      command: ['no-such-migrator-xyz'],
      databaseUrl: url,
      log: new MemoryLogger(),
    }).catch((e: Error) => e);
    expect((missing as Error).message).toContain('could not start');
  });

  it('command mode idempotency: a script that inserts on every run is caught', async () => {
    const db = await freshDatabase(cluster);
    await sql(db.url, 'CREATE TABLE seen (id serial)');
    const command = [
      'python3',
      '-c',
      "import subprocess, os; subprocess.run(['psql', os.environ['DATABASE_URL'], '-qc', 'INSERT INTO seen DEFAULT VALUES'], check=True)",
    ];
    const result = await verifyIdempotent({
      databaseUrl: db.url,
      command,
      log: new MemoryLogger(),
      throwOnDifference: false,
    });
    expect(result.idempotent).toBe(false);
    expect(result.diff).toEqual(['~ rows public.seen: 0 row(s) -> 1 row(s)']);
  });
});
