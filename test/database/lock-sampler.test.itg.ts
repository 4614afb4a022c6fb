import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockSampler, summarizeLockWaits } from '../../src/database/lock-sampler.js';
import { freshDatabase, sql } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const available = requireService('PostgreSQL', probePostgres());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!available)('LockSampler on a real PostgreSQL', () => {
  let cluster: TestCluster;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await cluster?.stop();
  });

  async function session(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  }

  async function setUp(prefix: string) {
    const db = await freshDatabase(cluster, prefix);
    await sql(db.url, 'CREATE TABLE events (id serial PRIMARY KEY, payload text)');
    await sql(db.url, "INSERT INTO events (payload) SELECT 'row ' || g FROM generate_series(1, 1000) g");
    const migration = await session(db.url);
    const pid = (await migration.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const sampler = new LockSampler({ monitor: await session(db.url), migrationPid: pid, intervalMs: 20 });
    return { db, migration, pid, sampler };
  }

  it('a plain CREATE INDEX holding its lock: the blocked INSERT is one wait with its duration, mode and relation; a SELECT is not blocked', async () => {
    const { db, migration, sampler } = await setUp('lockidx');
    const writer = await session(db.url);
    const reader = await session(db.url);
    await migration.query('BEGIN');
    await migration.query('CREATE INDEX events_payload_idx ON events (payload)');
    await sampler.start();
    const insert = writer.query("INSERT INTO events (payload) VALUES ('blocked')");
    const select = reader.query('SELECT count(*) FROM events');
    await select;
    await sleep(400);
    await migration.query('COMMIT');
    await insert;
    const waits = await sampler.stop();
    expect(waits).toHaveLength(1);
    const [wait] = waits;
    expect(wait).toMatchObject({
      side: 'blocked-by-migration',
      relation: 'events',
      mode: 'RowExclusiveLock',
      command: 'INSERT',
      ongoing: false,
    });
    // Waited from the INSERT until the COMMIT: about 400 ms, counted from the server's waitstart.
    expect(wait!.durationMs).toBeGreaterThan(300);
    expect(wait!.durationMs).toBeLessThan(1_500);
    expect(summarizeLockWaits(waits)).toEqual({
      blockedMaxMs: wait!.durationMs,
      blockedSessions: 1,
      migrationWaitedMaxMs: 0,
    });
    expect(sampler.sampleCount).toBeGreaterThan(5);
  });

  it('a migration command known only by its application_name: its sessions are found as they come and go, and a name no session has finds nothing', async () => {
    const db = await freshDatabase(cluster, 'lockapp');
    await sql(db.url, 'CREATE TABLE events (id serial PRIMARY KEY, payload text)');
    const sampler = new LockSampler({
      monitor: await session(db.url),
      applicationName: 'perf-gate-rehearsal-test',
      intervalMs: 20,
    });
    const nobody = new LockSampler({ monitor: await session(db.url), applicationName: 'no-such-app', intervalMs: 20 });
    await sampler.start();
    await nobody.start();
    await sleep(100);
    // The command connects after the sampler started, the way a script or Alembic does.
    const migration = await session(`${db.url}?application_name=perf-gate-rehearsal-test`);
    await migration.query('BEGIN');
    await migration.query('CREATE INDEX events_payload_idx ON events (payload)');
    const writer = await session(db.url);
    const insert = writer.query("INSERT INTO events (payload) VALUES ('blocked')");
    await sleep(300);
    await migration.query('COMMIT');
    await insert;
    const waits = await sampler.stop();
    expect(waits.map((w) => [w.side, w.relation, w.mode, w.command])).toEqual([
      ['blocked-by-migration', 'events', 'RowExclusiveLock', 'INSERT'],
    ]);
    expect(sampler.samplesWithMigration).toBeGreaterThan(3);
    expect(sampler.touchedRelations()).toContain('events');
    expect(await nobody.stop()).toEqual([]);
    expect(nobody.samplesWithMigration).toBe(0);
  });

  it('a column with a volatile default (a table rewrite under ACCESS EXCLUSIVE) blocks reads too', async () => {
    const { db, migration, sampler } = await setUp('lockrewrite');
    const reader = await session(db.url);
    await migration.query('BEGIN');
    await migration.query('ALTER TABLE events ADD COLUMN score float DEFAULT random()');
    await sampler.start();
    const select = reader.query('SELECT count(*) FROM events');
    await sleep(250);
    await migration.query('COMMIT');
    await select;
    const waits = await sampler.stop();
    expect(waits.map((w) => [w.side, w.relation, w.mode, w.command])).toEqual([
      ['blocked-by-migration', 'events', 'AccessShareLock', 'SELECT'],
    ]);
  });

  it('CREATE INDEX CONCURRENTLY under the same writes: no session waits on the migration', async () => {
    const { db, migration, sampler } = await setUp('lockconc');
    // Enough rows that the build takes a while, so the writes below really run during it.
    await sql(db.url, 'INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 300000) g');
    const writer = await session(db.url);
    await sampler.start();
    let built = false;
    const build = migration
      .query('CREATE INDEX CONCURRENTLY events_payload_idx ON events (payload)')
      .then(() => (built = true));
    let writesDuringBuild = 0;
    while (!built) {
      await writer.query("INSERT INTO events (payload) VALUES ('during')");
      if (!built) writesDuringBuild += 1;
    }
    await build;
    const waits = await sampler.stop();
    expect(writesDuringBuild).toBeGreaterThan(5);
    expect(waits.filter((w) => w.side === 'blocked-by-migration')).toEqual([]);
  });

  it('the migration queued behind a long writing transaction is a migration-blocked wait, still ongoing when sampling stops', async () => {
    const { db, migration, sampler } = await setUp('lockmig');
    const writer = await session(db.url);
    await writer.query('BEGIN');
    await writer.query("INSERT INTO events (payload) VALUES ('open transaction')");
    await sampler.start();
    const build = migration.query('CREATE INDEX events_payload_idx ON events (payload)').catch((e: Error) => e);
    await sleep(300);
    const waits = await sampler.stop();
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({
      side: 'migration-blocked',
      relation: 'events',
      mode: 'ShareLock',
      command: 'CREATE',
      ongoing: true,
    });
    expect(waits[0]!.durationMs).toBeGreaterThan(200);
    await writer.query('COMMIT');
    expect(await build).not.toBeInstanceOf(Error);
  });
});
