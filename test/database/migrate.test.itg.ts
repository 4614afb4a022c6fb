import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/database/migrate.js';
import { InfrastructureError, InputError } from '../../src/errors.js';
import { MemoryLogger } from '../../src/log.js';
import { failureOf, freshDatabase, migrationsDir, sql, tableExists, withinBound } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const referenceDir = join(here, '../fixtures/migrations/reference');
const available = requireService('PostgreSQL', probePostgres());

/** Prints what a scenario showed the user, so the report can quote real output. */
function show(label: string, text: string): void {
  process.stdout.write(`\n----- ${label} -----\n${text}\n`);
}

describe.skipIf(!available)('runMigrations on a real PostgreSQL', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('applies the reference files once; a second run applies nothing and says so', async () => {
    const db = await freshDatabase(cluster);
    const first = await runMigrations({ databaseUrl: db.url, dir: referenceDir, log: new MemoryLogger() });
    expect(first.applied.map((a) => a.name)).toEqual([
      '020_documents.sql',
      '021_chunks.sql',
      '022_phase1_pipeline.sql',
    ]);
    expect(first.applied.every((a) => /^sha256:[0-9a-f]{64}$/.test(a.checksum))).toBe(true);
    expect(first.serverVersion).toMatch(/^15\./);

    const log = new MemoryLogger();
    const second = await runMigrations({ databaseUrl: db.url, dir: referenceDir, log });
    expect(second.applied).toEqual([]);
    expect(second.skipped.map((s) => s.name)).toHaveLength(3);
    const upToDate = log.lines.find((l) => l.startsWith('database is up to date'));
    expect(upToDate).toBe('database is up to date: 3 migration(s) already applied, nothing to apply');
    show('second run', log.lines.join('\n'));

    const rows = await sql(
      db.url,
      'SELECT version, name, checksum, applied_at, duration_ms FROM perf_gate_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.name)).toEqual(first.applied.map((a) => a.name));
    expect(rows.map((r) => r.checksum)).toEqual(first.applied.map((a) => a.checksum));
  });

  it('stops at `to` and leaves later files pending', async () => {
    const db = await freshDatabase(cluster);
    const summary = await runMigrations({ databaseUrl: db.url, dir: referenceDir, to: '021', log: new MemoryLogger() });
    expect(summary.applied.map((a) => a.name)).toEqual(['020_documents.sql', '021_chunks.sql']);
    expect(summary.pending.map((p) => p.name)).toEqual(['022_phase1_pipeline.sql']);
    expect(await tableExists(db.url, 'pipeline_runs')).toBe(false);
    const error = await failureOf(
      runMigrations({ databaseUrl: db.url, dir: referenceDir, to: '023', log: new MemoryLogger() }),
    );
    expect(error).toBeInstanceOf(InputError);
    show('to: 023', error.message);
  });

  it('eight runners at once: each file is applied exactly once and none fails', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({
      '001_slow.sql': 'CREATE TABLE counter (n int);\nINSERT INTO counter VALUES (1);\nSELECT pg_sleep(0.3);\n',
      '002_more.sql': 'INSERT INTO counter VALUES (2);\n',
      '003_last.sql': 'INSERT INTO counter VALUES (3);\n',
    });
    const logs = Array.from({ length: 8 }, () => new MemoryLogger());
    const results = await Promise.allSettled(logs.map((log) => runMigrations({ databaseUrl: db.url, dir, log })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const summaries = results.map(
      (r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof runMigrations>>>).value,
    );
    const appliedNames = summaries.flatMap((s) => s.applied.map((a) => a.name)).sort();
    expect(appliedNames).toEqual(['001_slow.sql', '002_more.sql', '003_last.sql']);
    expect(summaries.filter((s) => s.applied.length === 0)).toHaveLength(7);
    expect(await sql(db.url, 'SELECT n FROM counter ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(summaries.some((s) => s.lockWaitMs > 0)).toBe(true);
    show(
      'a waiting runner',
      logs.map((l) => l.lines.join('\n')).find((t) => t.includes('waiting for the lock')) ?? '(none waited)',
    );
  });

  it('a runner killed mid-migration leaves nothing half-applied; the next run completes', async () => {
    const db = await freshDatabase(cluster);
    // The test's own knob (not part of any migration): how long the slow file sleeps.
    await sql(db.url, 'CREATE TABLE sleep_control (seconds int); INSERT INTO sleep_control VALUES (30)');
    const dir = migrationsDir({
      '001_base.sql': 'CREATE TABLE base (id int);\n',
      '002_slow.sql':
        'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT pg_sleep((SELECT seconds FROM sleep_control));\nINSERT INTO half VALUES (2);\n',
      '003_after.sql': 'CREATE TABLE after_slow (id int);\n',
    });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, '../fixtures/database/run-migrations-child.ts')],
      {
        env: { ...process.env, PERF_GATE_TEST_DATABASE_URL: db.url, PERF_GATE_TEST_MIGRATIONS_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let childOutput = '';
    child.stdout.on('data', (d) => (childOutput += d));
    child.stderr.on('data', (d) => (childOutput += d));
    // Wait until the child is inside the slow migration, then kill it without any chance to clean up.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = await sql(
        cluster.url,
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'perf-gate-migrate' AND wait_event = 'PgSleep'",
        [db.name],
      );
      if (rows.length > 0) break;
      if (Date.now() > deadline) throw new Error(`child never reached the slow migration: ${childOutput}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(childOutput).not.toContain('done');
    await sql(db.url, 'UPDATE sleep_control SET seconds = 0');

    const log = new MemoryLogger();
    // The killed attempt was sleeping 30 s inside its transaction; finishing well inside that proves the killed runner's transaction was
    // rolled back (the server noticed the dead client) rather than waited out.
    const summary = await withinBound(
      runMigrations({ databaseUrl: db.url, dir, log }),
      20_000,
      'the run after the kill',
    );
    expect(summary.skipped.map((s) => s.name)).toEqual(['001_base.sql']);
    expect(summary.applied.map((a) => a.name)).toEqual(['002_slow.sql', '003_after.sql']);
    // Exactly one copy of the file's effects: the killed attempt left no rows behind.
    expect(await sql(db.url, 'SELECT id FROM half ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    show('run after the kill', log.lines.join('\n'));
  }, 120_000);

  it('a runner whose lock session is killed mid-file stops with exit 3; a second runner never applies the file beside it', async () => {
    const db = await freshDatabase(cluster);
    // The test's own tables (not part of any migration): how long the slow file sleeps, and one row per
    // completed execution of it.
    await sql(
      db.url,
      'CREATE TABLE sleep_control (seconds int); INSERT INTO sleep_control VALUES (20); CREATE TABLE runs (pid int)',
    );
    const dir = migrationsDir({
      '001_base.sql': 'CREATE TABLE base (id int);\n',
      '002_slow.sql':
        '-- perf-gate: no-transaction\nINSERT INTO runs (pid) SELECT pg_backend_pid() FROM pg_sleep((SELECT seconds FROM sleep_control));\n',
    });
    const cli = (): { exit: Promise<number | null>; output: () => string } => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(here, '../../src/index.ts'), 'migrate', '--dir', dir, '--database-url', db.url],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      return { exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))), output: () => output };
    };
    const sleepers = async () =>
      (
        await sql<{ n: number }>(
          cluster.url,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'",
          [db.name],
        )
      )[0]!.n;

    const first = cli();
    const deadline = Date.now() + 60_000;
    while ((await sleepers()) === 0) {
      if (Date.now() > deadline) throw new Error(`the first runner never reached 002_slow.sql: ${first.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // End whichever session holds the migration lock, as a proxy's idle timeout or an operator would.
    const holders = await sql<{ pid: number }>(
      cluster.url,
      "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1",
      [db.name],
    );
    expect(holders).toHaveLength(1);
    await sql(cluster.url, 'SELECT pg_terminate_backend($1)', [holders[0]!.pid]);
    // The first runner's statement has read its 20 s already; a second execution sleeps 2 s.
    await sql(db.url, 'UPDATE sleep_control SET seconds = 2');

    const second = cli();
    let bothInside = 0;
    const settled = Promise.all([first.exit, second.exit]);
    let done = false;
    void settled.then(() => (done = true));
    while (!done) {
      bothInside = Math.max(bothInside, await sleepers());
      await new Promise((r) => setTimeout(r, 50));
    }
    const [firstExit, secondExit] = await settled;
    show('first runner, its lock session killed', first.output().trim());
    expect(bothInside, 'runners inside 002_slow.sql at the same time').toBeLessThanOrEqual(1);
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM runs')).toEqual([{ n: 1 }]);
    expect(firstExit).toBe(3);
    expect(first.output()).toContain('the migrating session was ended, and the migration lock with it');
    expect(secondExit).toBe(0);
    expect((await sql(db.url, 'SELECT name FROM perf_gate_migrations ORDER BY version')).map((r) => r.name)).toEqual([
      '001_base.sql',
      '002_slow.sql',
    ]);
  }, 120_000);

  it('a file that releases the migration lock stops the run before the next file, exit 3', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({
      '001_a.sql': 'CREATE TABLE a (id int);\n',
      '002_unlock.sql': 'SELECT pg_advisory_unlock_all();\n',
      '003_c.sql': 'CREATE TABLE c (id int);\n',
    });
    const error = await failureOf(runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() }));
    show('lock released by a file', error.message);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).exitCode).toBe(3);
    expect(error.message).toContain('lost the lock on migrations (public.perf_gate_migrations)');
    expect(error.message).toContain('before 003_c.sql');
    expect(await tableExists(db.url, 'c')).toBe(false);
  });

  it('a failing file rolls back whole; earlier stay applied, later are not tried; the error has file, line:column and the PG message', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({
      '001_ok.sql': 'CREATE TABLE ok (id int);\n',
      '002_bad.sql': 'CREATE TABLE bad (id int);\nINSERT INTO bad VALUES (1);\nSELECT nope FROM bad;\n',
      '003_later.sql': 'CREATE TABLE later (id int);\n',
    });
    const error = await failureOf(runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() }));
    show('failing file', error.message);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).exitCode).toBe(3);
    expect(error.message).toContain(
      'migration 002_bad.sql failed at line 3, column 8: column "nope" does not exist (SQLSTATE 42703)',
    );
    expect(error.message).toContain('not tried: 003_later.sql');
    expect(await tableExists(db.url, 'ok')).toBe(true);
    expect(await tableExists(db.url, 'bad')).toBe(false);
    expect(await tableExists(db.url, 'later')).toBe(false);
    expect((await sql(db.url, 'SELECT name FROM perf_gate_migrations')).map((r) => r.name)).toEqual(['001_ok.sql']);
  });

  it('an applied file that was edited stops the run before anything is applied, naming both checksums', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({ '001_a.sql': 'CREATE TABLE a (id int);\n' });
    const first = await runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() });
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (id bigint);\n');
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (id int);\n');
    const error = await failureOf(runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() }));
    show('edited file', error.message);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('001_a.sql was changed after it was applied');
    expect(error.message).toContain(first.applied[0]!.checksum);
    expect(error.message).toMatch(/file now sha256:[0-9a-f]{64}/);
    expect(await tableExists(db.url, 'b')).toBe(false);
  });

  it('refuses a no-transaction file with two statements before running anything', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({
      '001_table.sql': 'CREATE TABLE t (id int);\n',
      '002_index.sql':
        '-- perf-gate: no-transaction\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);\nCREATE INDEX CONCURRENTLY t_id2_idx ON t (id);\n',
    });
    const error = await failureOf(runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() }));
    show('no-transaction with two statements', error.message);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('must hold exactly one statement, found 2');
    expect(await tableExists(db.url, 't')).toBe(false);
    expect(await tableExists(db.url, 'perf_gate_migrations')).toBe(false);
  });

  it('runs CREATE INDEX CONCURRENTLY while another runner waits for the lock, without deadlock', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({
      '001_table.sql':
        'CREATE TABLE items (id int, v int);\nINSERT INTO items SELECT g, g % 97 FROM generate_series(1, 200000) g;\nSELECT pg_sleep(0.5);\n',
      '002_index.sql':
        '-- perf-gate: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS items_v_idx ON items (v);\n',
    });
    const firstLog = new MemoryLogger();
    const secondLog = new MemoryLogger();
    const first = runMigrations({ databaseUrl: db.url, dir, log: firstLog });
    await new Promise((r) => setTimeout(r, 150));
    const second = runMigrations({ databaseUrl: db.url, dir, log: secondLog });
    const [a, b] = await withinBound(
      Promise.all([first, second]),
      60_000,
      'two runners with CREATE INDEX CONCURRENTLY',
    );
    expect(a.applied.map((x) => x.name)).toEqual(['001_table.sql', '002_index.sql']);
    expect(b.applied).toEqual([]);
    expect(secondLog.lines.some((l) => l.startsWith('waiting for the lock'))).toBe(true);
    const index = await sql(db.url, "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = 'items_v_idx'::regclass");
    expect(index).toEqual([{ indisvalid: true }]);
    show('CIC: waiting runner', secondLog.lines.join('\n'));
  });

  it('names an index left INVALID by a failed CREATE INDEX CONCURRENTLY and says to drop it', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({
      '001_table.sql': 'CREATE TABLE dup (v int);\nINSERT INTO dup VALUES (1), (1);\n',
      '002_unique.sql': '-- perf-gate: no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY dup_v_key ON dup (v);\n',
    });
    const error = await failureOf(runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() }));
    show('invalid index after failed CIC', error.message);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.message).toContain('002_unique.sql');
    expect(error.message).toContain('invalid index "public"."dup_v_key"');
    expect(error.message).toContain('DROP INDEX CONCURRENTLY "public"."dup_v_key"');
    // IF NOT EXISTS on the rerun would silently keep the invalid index: the validity check catches it.
    writeFileSync(
      join(dir, '002_unique.sql'),
      '-- perf-gate: no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dup_v_key ON dup (v);\n',
    );
    const again = await failureOf(runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() }));
    show('IF NOT EXISTS over an invalid index', again.message);
    expect(again.message).toContain('is INVALID after the run (pg_index.indisvalid = false)');
    expect((await sql(db.url, 'SELECT name FROM perf_gate_migrations')).map((r) => r.name)).toEqual(['001_table.sql']);
  });

  it('dry run lists pending files with their SQL and touches nothing', async () => {
    const db = await freshDatabase(cluster);
    const log = new MemoryLogger();
    const summary = await runMigrations({ databaseUrl: db.url, dir: referenceDir, dryRun: true, log });
    expect(summary.dryRun).toBe(true);
    expect(summary.pending.map((p) => p.name)).toEqual([
      '020_documents.sql',
      '021_chunks.sql',
      '022_phase1_pipeline.sql',
    ]);
    expect(log.lines).toContain(`group: would apply 020_documents.sql ${summary.pending[0]!.checksum}`);
    expect(log.lines).toContain('CREATE TABLE documents (');
    expect(await tableExists(db.url, 'perf_gate_migrations')).toBe(false);
    expect(await tableExists(db.url, 'documents')).toBe(false);
    show('dry run (first lines)', log.lines.slice(0, 4).join('\n'));
  });

  it('refuses a file that manages its own transaction', async () => {
    const db = await freshDatabase(cluster);
    const dir = migrationsDir({ '001_tx.sql': 'BEGIN;\nCREATE TABLE x (id int);\nCOMMIT;\n' });
    const error = await failureOf(runMigrations({ databaseUrl: db.url, dir, log: new MemoryLogger() }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('contains "BEGIN"');
    expect(await tableExists(db.url, 'x')).toBe(false);
  });
});
