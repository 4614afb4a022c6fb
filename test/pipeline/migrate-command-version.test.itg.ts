/**
 * The seed's own set-up: SQL migrations up to 021, then migration 022 as a script of the team's own
 * (`migrations: { dir, command, version: "022" }`), with the baseline on a copy taken before the script
 * runs. Real PostgreSQL 15, through the CLI's `migrate` stage.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runMigrate } from '../helpers/cli-run.js';
import { freshDatabase, sql, tableExists } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const reference = join(root, 'test/fixtures/migrations/reference');
const available = requireService('PostgreSQL', probePostgres());
const work = mkdtempSync(join(tmpdir(), 'perf-gate-command-version-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A migration script like the seed's migration_022.py: connects with DATABASE_URL and changes the schema. */
function migrationScript(folder: string): string[] {
  const script = join(folder, 'migration_022.cjs');
  writeFileSync(
    script,
    [
      `const { Client } = require(${JSON.stringify(join(root, 'node_modules/pg'))});`,
      'const client = new Client({ connectionString: process.env.DATABASE_URL });',
      "client.connect().then(() => client.query('CREATE TABLE IF NOT EXISTS phase1_marker (id int)')).then(() => client.end());",
    ].join('\n'),
  );
  return [process.execPath, script];
}

function workspace(database: Record<string, unknown>) {
  const folder = mkdtempSync(join(work, 'ws-'));
  const config = join(folder, 'perf-gate.yml');
  writeFileSync(
    config,
    JSON.stringify({
      database: { ...database, migrations: { dir: reference, command: migrationScript(folder), version: '022' } },
      backend: { kind: 'command', command: ['node', '-e', 'setInterval(() => {}, 1000)'] },
      load: { rate: 10, roundDuration: '1s', pairs: 2, workload: { requests: [{ path: '/' }] } },
      gate: { minPairs: 2 },
      targets: ['latency_p50 worsens <= 10%'],
    }),
  );
  return { config, state: join(folder, 'state.json'), report: join(folder, 'report') };
}

describe.skipIf(!available)('SQL migrations, then a migration command at its declared version', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('applies the SQL files before 022 to both, copies for the baseline, then runs the command for the candidate only', async () => {
    const db = await freshDatabase(cluster, 'cmdver');
    const ws = workspace({ url: db.url, baseline: { strategy: 'template-copy' } });
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(0);
    // 022_phase1_pipeline.sql is the command's version: the command is that migration, so the file is not applied.
    expect(log).toContain('022_phase1_pipeline.sql in');
    expect(log).toContain("are at or after the command's version 022; not applied");
    const state = JSON.parse(readFileSync(ws.state, 'utf8')) as {
      database: { candidateUrl: string; baselineUrl: string; migration: { command: { exitCode: number } } };
    };
    const { candidateUrl, baselineUrl } = state.database;
    expect(baselineUrl).not.toBe(candidateUrl);
    expect(state.database.migration.command.exitCode).toBe(0);
    for (const url of [candidateUrl, baselineUrl]) {
      expect(await tableExists(url, 'documents'), '020 applied').toBe(true);
      expect(await tableExists(url, 'chunks'), '021 applied').toBe(true);
    }
    expect(await tableExists(candidateUrl, 'phase1_marker'), 'the command ran on the candidate').toBe(true);
    expect(await tableExists(baselineUrl, 'phase1_marker'), 'the baseline was copied before the command').toBe(false);
    const applied = await sql(candidateUrl, 'SELECT version FROM perf_gate_migrations ORDER BY version');
    expect(applied.map((r) => Number((r as { version: string }).version))).toEqual([20, 21]);
    expect((await runCli(['cleanup', '--state', ws.state])).code).toBe(0);
  });

  it('the dry run says the SQL files, the copy and the command, and does none of them', async () => {
    const db = await freshDatabase(cluster, 'cmdver');
    const ws = workspace({ url: db.url, baseline: { strategy: 'template-copy' } });
    const { code, log } = await runCli([
      'migrate',
      '--config',
      ws.config,
      '--dry-run',
      '--state',
      ws.state,
      '--report-dir',
      ws.report,
    ]);
    expect(code, log).toBe(0);
    expect(log).toContain(
      "dry run: would apply 2 SQL migration(s) before the command's version 022: 020_documents.sql, 021_chunks.sql",
    );
    expect(log).toContain('dry run: would copy the database for the baseline before 022; no copy made');
    expect(log).toMatch(/dry run: would run the migration command .*migration_022\.cjs \(version 022\)/);
    expect(await tableExists(db.url, 'documents')).toBe(false);
    expect(await tableExists(db.url, 'phase1_marker')).toBe(false);
  });

  it('a baseline cut before an earlier SQL file: the candidate gets the rest of the SQL files, then the command', async () => {
    const db = await freshDatabase(cluster, 'cmdver');
    const ws = workspace({ url: db.url, baseline: { strategy: 'template-copy', before: '021' } });
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(0);
    const { candidateUrl, baselineUrl } = (
      JSON.parse(readFileSync(ws.state, 'utf8')) as { database: { candidateUrl: string; baselineUrl: string } }
    ).database;
    expect(await tableExists(baselineUrl, 'documents')).toBe(true);
    expect(await tableExists(baselineUrl, 'chunks')).toBe(false);
    expect(await tableExists(candidateUrl, 'chunks')).toBe(true);
    expect(await tableExists(candidateUrl, 'phase1_marker')).toBe(true);
    expect((await runCli(['cleanup', '--state', ws.state])).code).toBe(0);
  });
});
