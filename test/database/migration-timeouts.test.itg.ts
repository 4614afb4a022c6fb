import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/database/migrate.js';
import { InfrastructureError, InputError } from '../../src/errors.js';
import { MemoryLogger } from '../../src/log.js';
import { failureOf, freshDatabase, migrationsDir, sql, withinBound } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const available = requireService('PostgreSQL', probePostgres());

describe.skipIf(!available)('migration session timeouts on a real PostgreSQL', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function withEvents(url: string) {
    await sql(url, 'CREATE TABLE events (id serial PRIMARY KEY, payload text)');
    await sql(url, "INSERT INTO events (payload) SELECT 'row ' || g FROM generate_series(1, 1000) g");
  }

  it('a CREATE INDEX queued behind an open writing transaction fails at lock_timeout: exit 3, nothing recorded, the next run applies it', async () => {
    const db = await freshDatabase(cluster, 'lockto');
    await withEvents(db.url);
    const dir = migrationsDir({ '022_index.sql': 'CREATE INDEX events_payload_idx ON events (payload);\n' });
    // A writer that keeps its transaction open: it holds ROW EXCLUSIVE on events, which conflicts
    // with the SHARE lock a plain CREATE INDEX needs.
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query("INSERT INTO events (payload) VALUES ('held')");
      const started = performance.now();
      const error = await failureOf(
        withinBound(
          runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger(), sessionTimeouts: { lockTimeoutMs: 300 } }),
          10_000,
          'the migration to give up',
        ),
      );
      const waited = performance.now() - started;
      expect(error).toBeInstanceOf(InfrastructureError);
      expect(error.message).toContain('migration 022_index.sql failed');
      expect(error.message).toContain('SQLSTATE 55P03');
      expect(error.message).toContain('longer than lock_timeout allows');
      expect(error.message).toContain('rolled back: nothing of it was applied');
      // It gave up near 300 ms, not at the end of the writer's transaction (which never came).
      expect(waited).toBeGreaterThanOrEqual(300);
      expect(waited).toBeLessThan(5_000);
      expect(await sql(db.url, "SELECT 1 FROM pg_indexes WHERE indexname = 'events_payload_idx'")).toEqual([]);
      expect(await sql(db.url, 'SELECT name FROM perf_gate_migrations')).toEqual([]);
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      await writer.end();
    }
    const retry = await runMigrations({
      databaseUrl: db.url,
      dir,
      log: new MemoryLogger(),
      sessionTimeouts: { lockTimeoutMs: 300 },
    });
    expect(retry.applied.map((a) => a.name)).toEqual(['022_index.sql']);
  });

  it('without a lock_timeout the same migration waits for the writer (the hang the setting prevents)', async () => {
    const db = await freshDatabase(cluster, 'nolockto');
    await withEvents(db.url);
    const dir = migrationsDir({ '022_index.sql': 'CREATE INDEX events_payload_idx ON events (payload);\n' });
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    await writer.query('BEGIN');
    await writer.query("INSERT INTO events (payload) VALUES ('held')");
    const migration = runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() });
    let settled = false;
    void migration.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(settled).toBe(false);
    await writer.query('COMMIT');
    await writer.end();
    const summary = await withinBound(migration, 10_000, 'the migration after the writer committed');
    expect(summary.applied.map((a) => a.name)).toEqual(['022_index.sql']);
  });

  it('a statement past statement_timeout is cancelled and rolled back, and the message says which limit', async () => {
    const db = await freshDatabase(cluster, 'stmtto');
    const dir = migrationsDir({ '023_slow.sql': 'CREATE TABLE slow_marker (id int);\nSELECT pg_sleep(5);\n' });
    const error = await failureOf(
      runMigrations({
        databaseUrl: db.url,
        dir,
        log: new MemoryLogger(),
        sessionTimeouts: { statementTimeoutMs: 200 },
      }),
    );
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.message).toContain('SQLSTATE 57014');
    expect(error.message).toContain('statement_timeout');
    expect(await sql(db.url, "SELECT to_regclass('slow_marker') AS t")).toEqual([{ t: null }]);
  });

  it('refuses a timeout that is not a whole number of milliseconds, naming the setting and the value', async () => {
    const db = await freshDatabase(cluster, 'badto');
    const dir = migrationsDir({ '001_a.sql': 'CREATE TABLE a (id int);\n' });
    const error = await failureOf(
      runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger(), sessionTimeouts: { lockTimeoutMs: 1.5 } }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'migration lock_timeout: got 1.5; expected an integer number of milliseconds from 0 to 2147483647',
    );
    // Refused before connecting: not even the tracking table was created.
    expect(await sql(db.url, "SELECT to_regclass('a') AS a, to_regclass('perf_gate_migrations') AS tracking")).toEqual([
      { a: null, tracking: null },
    ]);
  });
});
