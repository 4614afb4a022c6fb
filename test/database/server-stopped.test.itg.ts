/**
 * PostgreSQL stops in the middle of a migration (a crash, a failover, an operator's restart): the
 * CLI must stop with exit 3 and say the server went away, the file it was applying must be rolled
 * back whole, and the next run must apply it once, as if the interrupted attempt never happened.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, migrationsDir, sql, tableExists } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = requireService('PostgreSQL', probePostgres());

function migrateCli(url: string, dir: string): { exit: Promise<number | null>; output: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, '../../src/index.ts'), 'migrate', '--dir', dir, '--database-url', url],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return { exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))), output: () => output };
}

describe.skipIf(!available)('PostgreSQL stopped mid-migration', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('exit 3 naming the lost server, the file rolled back whole, and the next run applies it once', async () => {
    const db = await freshDatabase(cluster, 'stopped');
    await sql(db.url, 'CREATE TABLE sleep_control (seconds int); INSERT INTO sleep_control VALUES (30)');
    const dir = migrationsDir({
      '001_base.sql': 'CREATE TABLE base (id int);\n',
      '002_slow.sql':
        'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT pg_sleep((SELECT seconds FROM sleep_control));\nINSERT INTO half VALUES (2);\n',
      '003_after.sql': 'CREATE TABLE after_slow (id int);\n',
    });

    const first = migrateCli(db.url, dir);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = await sql(
        cluster.url,
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'",
        [db.name],
      );
      if (rows.length > 0) break;
      if (Date.now() > deadline) throw new Error(`the runner never reached 002_slow.sql: ${first.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    cluster.stopServer();
    const began = Date.now();
    const code = await first.exit;
    const output = first.output();
    process.stdout.write(`\n----- migrate while the server stops -----\n${output.trim()}\n`);
    expect(code, output).toBe(3);
    // It notices at once rather than waiting out the 30 s sleep or hanging on a dead socket.
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(output).toMatch(/002_slow\.sql/);
    expect(output).toMatch(/terminat|connection|shut ?down|ECONNRESET|ECONNREFUSED/i);
    expect(output).not.toMatch(/TypeError|at .*\.ts:\d+/);

    cluster.startServer();
    await sql(db.url, 'UPDATE sleep_control SET seconds = 0');
    // Nothing of the interrupted file survived the crash.
    expect(await tableExists(db.url, 'half')).toBe(false);
    expect((await sql(db.url, 'SELECT name FROM perf_gate_migrations ORDER BY version')).map((r) => r.name)).toEqual([
      '001_base.sql',
    ]);

    const second = migrateCli(db.url, dir);
    expect(await second.exit, second.output()).toBe(0);
    expect(await sql(db.url, 'SELECT id FROM half ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    expect((await sql(db.url, 'SELECT name FROM perf_gate_migrations ORDER BY version')).map((r) => r.name)).toEqual([
      '001_base.sql',
      '002_slow.sql',
      '003_after.sql',
    ]);
  }, 120_000);
});
