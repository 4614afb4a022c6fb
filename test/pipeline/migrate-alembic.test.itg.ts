/**
 * Alembic as perf-gate runs it (`migrations: { alembic: ... }`): the candidate upgraded to its revision,
 * the baseline on a copy taken at the revision before the one under test. Real Alembic (Debian's
 * python3-alembic, with SQLAlchemy and psycopg2) on real PostgreSQL 15, through the CLI's `migrate` stage,
 * on the FastAPI example's own Alembic project.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runMigrate } from '../helpers/cli-run.js';
import { freshDatabase, sql } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { DEBIAN_PYTHON } from '../helpers/python.js';
import { requireService, type ServiceProbe } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const example = join(root, 'examples/fastapi');

function probeAlembic(): ServiceProbe {
  const result = spawnSync(DEBIAN_PYTHON, ['-c', 'import alembic, sqlalchemy, psycopg2'], { encoding: 'utf8' });
  return result.status === 0
    ? { available: true, reason: '' }
    : {
        available: false,
        reason: `${DEBIAN_PYTHON} cannot import alembic, sqlalchemy, psycopg2 (${result.stderr.trim().split('\n').at(-1)}); apt-get install python3-alembic python3-psycopg2`,
      };
}

const available = requireService('PostgreSQL', probePostgres()) && requireService('Alembic', probeAlembic());
const work = mkdtempSync(join(tmpdir(), 'perf-gate-alembic-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The example's Alembic project in a folder of its own, with a config around it. */
function workspace(database: Record<string, unknown>, alembic: Record<string, unknown> = {}) {
  const folder = mkdtempSync(join(work, 'ws-'));
  cpSync(join(example, 'alembic.ini'), join(folder, 'alembic.ini'));
  cpSync(join(example, 'migrations'), join(folder, 'migrations'), {
    recursive: true,
    filter: (src) => !src.includes('__pycache__'),
  });
  const config = join(folder, 'perf-gate.yml');
  writeFileSync(
    config,
    JSON.stringify({
      database: { ...database, migrations: { alembic: { command: [DEBIAN_PYTHON, '-m', 'alembic'], ...alembic } } },
      backend: { kind: 'command', command: ['node', '-e', 'setInterval(() => {}, 1000)'] },
      load: { rate: 10, roundDuration: '1s', pairs: 2, workload: { requests: [{ path: '/' }] } },
      gate: { minPairs: 2 },
      targets: ['latency_p50 worsens <= 10%'],
    }),
  );
  return { folder, config, state: join(folder, 'state.json'), report: join(folder, 'report') };
}

interface MigrateState {
  database: { candidateUrl: string; baselineUrl: string; createdDatabases: string[] };
}

async function revisionAndIndex(url: string) {
  const [version] = await sql(url, 'SELECT version_num FROM alembic_version');
  const [index] = await sql(
    url,
    "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'products_category_price'",
  );
  const [rows] = await sql(url, 'SELECT count(*)::int AS n FROM products');
  return { revision: version?.version_num, index: index?.n, rows: rows?.n };
}

describe.skipIf(!available)('Alembic migrations run by perf-gate', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('template-copy: the baseline is copied at the revision before head, the candidate upgraded to head', async () => {
    const db = await freshDatabase(cluster, 'alembic');
    const ws = workspace({ url: db.url, baseline: { strategy: 'template-copy' } });
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(0);
    expect(log).toContain('alembic upgrade head-1 (baseline schema)');
    expect(log).toContain('alembic upgrade head (candidate schema)');
    const state = JSON.parse(readFileSync(ws.state, 'utf8')) as MigrateState;
    expect(await revisionAndIndex(state.database.baselineUrl)).toEqual({ revision: '0002', index: 0, rows: 200_000 });
    expect(await revisionAndIndex(state.database.candidateUrl)).toEqual({ revision: '0003', index: 1, rows: 200_000 });
    expect((await runCli(['cleanup', '--state', ws.state])).code).toBe(0);
  });

  it('an explicit revision and baseline cut: the candidate at 0002, the baseline at 0001', async () => {
    const db = await freshDatabase(cluster, 'alembic_rev');
    const ws = workspace(
      { url: db.url, baseline: { strategy: 'template-copy', before: '0002' } },
      { revision: '0002' },
    );
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(0);
    const state = JSON.parse(readFileSync(ws.state, 'utf8')) as MigrateState;
    const [baseline] = await sql(state.database.baselineUrl, 'SELECT version_num FROM alembic_version');
    expect(baseline?.version_num).toBe('0001');
    const [candidate] = await sql(state.database.candidateUrl, 'SELECT version_num FROM alembic_version');
    expect(candidate?.version_num).toBe('0002');
    expect((await runCli(['cleanup', '--state', ws.state])).code).toBe(0);
  });

  it('a candidate revision Alembic does not know fails after the baseline copy; cleanup drops the copy', async () => {
    const db = await freshDatabase(cluster, 'alembic_bad');
    const ws = workspace(
      { url: db.url, baseline: { strategy: 'template-copy', before: '0002' } },
      { revision: 'ffff' },
    );
    const databases = async () =>
      (await sql(db.url, 'SELECT datname FROM pg_database ORDER BY 1')).map((r) => r.datname);
    const before = await databases();
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(3);
    expect(log).toContain('alembic upgrade ffff (candidate schema)');
    expect(log).toMatch(/ffff/);
    // The copy was taken before the failing upgrade, and the state names it for cleanup.
    const state = JSON.parse(readFileSync(ws.state, 'utf8')) as MigrateState;
    expect(state.database.createdDatabases).toHaveLength(1);
    expect(await databases()).toContain(state.database.createdDatabases[0]);
    expect((await runCli(['cleanup', '--state', ws.state])).code).toBe(0);
    expect(await databases()).toEqual(before);
  });

  it('a database already at the revision under test cannot give the baseline an earlier schema: exit 2, not an A/A gate', async () => {
    const db = await freshDatabase(cluster, 'alembic_head');
    const first = workspace({ url: db.url });
    expect((await runMigrate(first)).code).toBe(0);
    const ws = workspace({ url: db.url, baseline: { strategy: 'template-copy' } });
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(2);
    expect(log).toContain(
      "config key 'database.baseline.before': the baseline's copy is at Alembic revision 0003, the candidate's too",
    );
    expect((await runCli(['cleanup', '--state', ws.state])).code).toBe(0);
  });

  it('an env.py that migrates some other database: exit 2 naming DATABASE_URL', async () => {
    const db = await freshDatabase(cluster, 'alembic_env');
    const ws = workspace({ url: db.url });
    // Connects nowhere and applies nothing, as an env.py reading only alembic.ini's sqlalchemy.url would here.
    writeFileSync(join(ws.folder, 'migrations/env.py'), 'from alembic import context\n');
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(2);
    expect(log).toContain("has no alembic_version table; Alembic's env.py must connect with DATABASE_URL");
    expect(log).not.toContain(new URL(db.url).password || 'no password in this URL');
  });

  it('the dry run says both upgrades and the copy, and runs nothing', async () => {
    const db = await freshDatabase(cluster, 'alembic_dry');
    const ws = workspace({ url: db.url, baseline: { strategy: 'template-copy' } });
    const { code, log } = await runCli(['migrate', '--config', ws.config, '--dry-run']);
    expect(code, log).toBe(0);
    expect(log).toContain(`-m alembic -c alembic.ini upgrade head-1 in ${ws.folder}`);
    expect(log).toContain('copy the database for the baseline at head-1; no copy made');
    expect(log).toContain(`-m alembic -c alembic.ini upgrade head in ${ws.folder}`);
    expect(await sql(db.url, "SELECT to_regclass('alembic_version') AS t")).toEqual([{ t: null }]);
  });
});
