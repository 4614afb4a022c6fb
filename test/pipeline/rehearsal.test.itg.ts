import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withApplicationName } from '../../src/database/database-url.js';
import { runMigrationCommand } from '../../src/database/migration-command.js';
import { parseWorkload } from '../../src/load/workload.js';
import { MemoryLogger } from '../../src/log.js';
import { type RehearsalRecord, rehearseMigrations } from '../../src/pipeline/rehearsal.js';
import { freshDatabase, migrationsDir, sql } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const available = requireService('PostgreSQL', probePostgres());
const require = createRequire(import.meta.url);
const serverScript = fileURLToPath(new URL('../fixtures/rehearsal/event-server.mjs', import.meta.url));

/** Half writes, half reads: write locks only show under writes. */
const workload = parseWorkload(
  {
    requests: [
      { method: 'POST', path: '/events', weight: 1 },
      { method: 'GET', path: '/events/recent', weight: 1 },
    ],
  },
  'rehearsal test',
);

function show(label: string, record: RehearsalRecord): void {
  const w = (x: RehearsalRecord['before']) =>
    `${x.requests} requests, ${x.failed} failed, p50 ${x.latencyMs.p50.toFixed(1)} ms, p99 ${x.latencyMs.p99.toFixed(1)} ms, max ${x.latencyMs.max.toFixed(1)} ms`;
  process.stdout.write(
    `\n----- ${label} -----\nmigration ${record.migration.durationMs.toFixed(0)} ms${record.migration.error ? ` (failed: ${record.migration.error.split('\n')[0]})` : ''}\n` +
      `blocked max ${record.blockedMaxMs.toFixed(0)} ms in ${record.blockedSessions} session(s); migration waited max ${record.migrationWaitedMaxMs.toFixed(0)} ms\n` +
      `waits: ${record.waits.map((x) => `${x.side} ${x.command} ${x.mode} on ${x.relation} ${x.durationMs.toFixed(0)} ms`).join('; ') || 'none'}\n` +
      `tables: ${record.tables.map((t) => `${t.relation} ${t.rows} rows ${(t.bytes / 1e6).toFixed(1)} MB`).join('; ')}\n` +
      `before: ${w(record.before)}\nduring: ${w(record.during)}\nafter:  ${w(record.after)}\n`,
  );
}

describe.skipIf(!available)('migration rehearsal under load, real PostgreSQL and a real backend process', () => {
  let cluster: TestCluster;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await cluster?.stop();
  });

  async function backendOn(prefix: string, rows: number) {
    const db = await freshDatabase(cluster, prefix);
    await sql(db.url, 'CREATE TABLE events (id bigserial PRIMARY KEY, payload text)');
    await sql(db.url, `INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, ${rows}) g`);
    await sql(db.url, 'ANALYZE events');
    const child = spawn(process.execPath, [serverScript], {
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /listening (\d+)/.exec(text);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`event-server exited with ${code}`)));
    });
    return { db, baseUrl: `http://127.0.0.1:${port}` };
  }

  const common = {
    workload,
    rate: 100,
    timeoutMs: 20_000,
    sliceMs: 300,
    beforeMs: 1_500,
    afterMs: 900,
    log: new MemoryLogger(),
  };

  it('CREATE INDEX on a table taking writes: the writes wait behind it (RowExclusiveLock), and the slices during it show the wait as latency', async () => {
    const { db, baseUrl } = await backendOn('rehidx', 1_500_000);
    const dir = migrationsDir({ '022_index.sql': 'CREATE INDEX events_payload_idx ON events (payload);\n' });
    const record = await rehearseMigrations({
      ...common,
      databaseUrl: db.url,
      baseUrl,
      migrations: { kind: 'sql', dir },
    });
    show('CREATE INDEX (plain)', record);
    expect(record.migration.error).toBeUndefined();
    expect(record.migration.applied.map((a) => a.name)).toEqual(['022_index.sql']);
    const blockedWrites = record.waits.filter((w) => w.side === 'blocked-by-migration' && w.command === 'INSERT');
    expect(blockedWrites.length).toBeGreaterThan(0);
    expect(blockedWrites.every((w) => w.relation === 'events' && w.mode === 'RowExclusiveLock')).toBe(true);
    // Reads are not blocked by the SHARE lock of a plain index build.
    expect(record.waits.filter((w) => w.command === 'SELECT')).toEqual([]);
    expect(record.blockedMaxMs).toBeGreaterThan(100);
    // The longest request during the migration waited at least as long as the longest lock wait seen.
    expect(record.during.latencyMs.max).toBeGreaterThanOrEqual(record.blockedMaxMs * 0.9);
    expect(record.during.latencyMs.max).toBeGreaterThan(record.before.latencyMs.max);
    expect(record.tables.map((t) => t.relation)).toContain('events');
    expect(record.tables.find((t) => t.relation === 'events')!.rows).toBeGreaterThan(1_000_000);
    expect(record.before.requests).toBeGreaterThan(50);
    // One time axis for the report's timeline: the sampler starts inside the migration, and every wait,
    // placed at the sampler's start plus its own startMs, lies within the migration's span.
    const { startMs, durationMs } = record.migration;
    expect(record.sampling.startMs).toBeGreaterThanOrEqual(startMs);
    expect(record.sampling.startMs).toBeLessThan(startMs + durationMs);
    for (const wait of blockedWrites) {
      expect(record.sampling.startMs + wait.startMs).toBeGreaterThanOrEqual(startMs);
      expect(record.sampling.startMs + wait.startMs + wait.durationMs).toBeLessThanOrEqual(startMs + durationMs + 100);
    }
    expect(record.slices.some((slice) => slice.phase === 'during')).toBe(true);
  });

  it('the same index built CONCURRENTLY: no request waits on the migration', async () => {
    const { db, baseUrl } = await backendOn('rehconc', 1_500_000);
    const dir = migrationsDir({
      '022_index.sql':
        '-- perf-gate: no-transaction\nCREATE INDEX CONCURRENTLY events_payload_idx ON events (payload);\n',
    });
    const record = await rehearseMigrations({
      ...common,
      databaseUrl: db.url,
      baseUrl,
      migrations: { kind: 'sql', dir },
    });
    show('CREATE INDEX CONCURRENTLY', record);
    expect(record.migration.error).toBeUndefined();
    expect(record.migration.durationMs).toBeGreaterThan(300);
    expect(record.during.requests).toBeGreaterThan(20);
    expect(record.waits.filter((w) => w.side === 'blocked-by-migration')).toEqual([]);
    expect(record.blockedMaxMs).toBe(0);
  });

  it('a column with a volatile default rewrites the table: reads wait too (AccessShareLock)', async () => {
    const { db, baseUrl } = await backendOn('rehrewrite', 600_000);
    const dir = migrationsDir({ '022_score.sql': 'ALTER TABLE events ADD COLUMN score float DEFAULT random();\n' });
    const record = await rehearseMigrations({
      ...common,
      databaseUrl: db.url,
      baseUrl,
      migrations: { kind: 'sql', dir },
    });
    show('ADD COLUMN ... DEFAULT random()', record);
    expect(record.migration.error).toBeUndefined();
    const reads = record.waits.filter((w) => w.side === 'blocked-by-migration' && w.command === 'SELECT');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((w) => w.mode === 'AccessShareLock' && w.relation === 'events')).toBe(true);
  });

  /**
   * A migration command, as a team's script is: node with the pg driver, connecting with DATABASE_URL.
   * `ownName` makes it connect under an application_name of its own, as a script that sets one would.
   */
  function commandMigration(databaseUrl: string, statement: string, ownName?: string) {
    const script = join(mkdtempSync(join(tmpdir(), 'perf-gate-rehearsal-cmd-')), 'migrate.cjs');
    writeFileSync(
      script,
      [
        `const pg = require(${JSON.stringify(require.resolve('pg'))});`,
        'const url = new URL(process.env.DATABASE_URL);',
        ownName ? `url.searchParams.set('application_name', ${JSON.stringify(ownName)});` : '',
        'const client = new pg.Client({ connectionString: url.toString() });',
        `client.connect().then(() => client.query(${JSON.stringify(statement)})).then(() => client.end(), (e) => { console.error(e.message); process.exit(1); });`,
      ].join('\n'),
    );
    const applicationName = 'perf-gate-rehearsal-test';
    return {
      kind: 'command' as const,
      name: `node ${script}`,
      applicationName,
      run: async () => {
        await runMigrationCommand({
          command: [process.execPath, script],
          databaseUrl: withApplicationName(databaseUrl, applicationName),
          log: new MemoryLogger(),
          env: { PGAPPNAME: applicationName },
        });
      },
    };
  }

  it('a migration command (a script with its own driver) building a plain index: its sessions are found by application_name and the blocked writes are counted', async () => {
    const { db, baseUrl } = await backendOn('rehcmd', 1_500_000);
    const record = await rehearseMigrations({
      ...common,
      databaseUrl: db.url,
      baseUrl,
      migrations: commandMigration(db.url, 'CREATE INDEX events_payload_idx ON events (payload)'),
    });
    show('command: CREATE INDEX (plain)', record);
    expect(record.migration.error).toBeUndefined();
    expect(record.migration.unattributed).toBeUndefined();
    expect(record.migration.applied).toHaveLength(1);
    expect(record.migration.applied[0]!.name).toMatch(/^node .*migrate\.cjs$/);
    const writes = record.waits.filter((w) => w.side === 'blocked-by-migration' && w.command === 'INSERT');
    expect(writes.length).toBeGreaterThan(0);
    expect(record.blockedMaxMs).toBeGreaterThan(50);
    expect(record.tables.map((t) => t.relation)).toContain('events');
    // The command's own bookkeeping is not a table the change touches.
    expect(record.tables.map((t) => t.relation)).not.toContain('perf_gate_migrations');
  });

  it('a migration command that names its own sessions: its waits cannot be watched, and the record says so instead of reporting none', async () => {
    const { db, baseUrl } = await backendOn('rehcmdname', 300_000);
    const record = await rehearseMigrations({
      ...common,
      databaseUrl: db.url,
      baseUrl,
      migrations: commandMigration(db.url, 'CREATE INDEX events_payload_idx ON events (payload)', 'my-own-migrator'),
    });
    expect(record.migration.error).toBeUndefined();
    expect(record.migration.unattributed).toMatch(/no database session named 'perf-gate-rehearsal-test' was seen/);
    expect(record.waits).toEqual([]);
  });
});
