/**
 * `database.postgres: "NN"`, the major version production runs: the throwaway server comes from that
 * version's binaries or not at all (never PGlite in its place), and a given database must run it.
 * Against this machine's PostgreSQL 15 binaries and a real server.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchPostgresBinaries } from '../../src/database/postgres-binaries.js';
import { startThrowawayPostgres } from '../../src/database/throwaway.js';
import { InfrastructureError } from '../../src/errors.js';
import { MemoryLogger } from '../../src/log.js';
import { runCli } from '../helpers/cli-run.js';
import { inputErrorOf, parse, withSections } from '../helpers/config-text.js';
import { freshDatabase } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const available = requireService('PostgreSQL', probePostgres());

describe('database.postgres in the config', () => {
  it('reads a major version, as text or a number, and refuses anything else naming the key', () => {
    expect(parse(withSections({ database: { postgres: '16' } })).database.postgresMajor).toBe(16);
    expect(parse(withSections({ database: { postgres: 15 } })).database.postgresMajor).toBe(15);
    expect(parse(withSections({})).database.postgresMajor).toBeUndefined();
    for (const bad of ['16.2', 'latest', '9'])
      expect(inputErrorOf(() => parse(withSections({ database: { postgres: bad } })))).toMatch(
        /^config key 'database\.postgres': got .*; expected the PostgreSQL major version production runs, such as "16"/,
      );
  });
});

describe.skipIf(!available)('the pinned version on this machine', () => {
  let cluster: TestCluster;
  let dir = '';
  beforeAll(async () => {
    cluster = await startTestCluster();
    dir = mkdtempSync(join(tmpdir(), 'perf-gate-pg-version-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the binaries of the version asked for, and lists what it found when there are none', () => {
    const local = searchPostgresBinaries(process.env, {}).binaries!;
    expect(local.major).toBeGreaterThanOrEqual(10);
    expect(searchPostgresBinaries(process.env, { major: local.major! }).binaries?.dir).toBe(local.dir);
    const none = searchPostgresBinaries(process.env, { major: 99 });
    expect(none.binaries).toBeUndefined();
    expect(none.found.map((f) => f.major)).toContain(local.major);
  });

  it('a throwaway server of a version the machine lacks: exit 3 naming what it has and how to get it, no PGlite instead', async () => {
    const local = searchPostgresBinaries(process.env, {}).binaries!;
    const attempt = startThrowawayPostgres({ log: new MemoryLogger(), major: 99, prefer: 'pglite' });
    await expect(attempt).rejects.toThrow(InfrastructureError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `no PostgreSQL 99 server binaries on this machine \\(found: ${local.major} in .*apt-get install postgresql-99.*PGlite is not used`,
      ),
    );
  });

  it('a given database of another version: migrate exits 2 naming the key, the version it runs and the one asked for', async () => {
    const { url } = await freshDatabase(cluster, 'pgver');
    writeFileSync(join(dir, '001_t.sql'), 'CREATE TABLE t (id int);\n');
    const config = join(dir, 'perf-gate.yml');
    const local = searchPostgresBinaries(process.env, {}).binaries!.major!;
    const other = local === 16 ? 17 : 16;
    writeFileSync(
      config,
      [
        'database:',
        `  url: ${url}`,
        `  postgres: "${other}"`,
        '  migrations: { dir: . }',
        'backend: { kind: url, url: "http://127.0.0.1:9" }',
        'load: { workload: { requests: [{ path: / }] } }',
        'targets: ["error_rate <= 1%"]',
        '',
      ].join('\n'),
    );
    const refused = await runCli(['migrate', '--config', config, '--state', join(dir, 'state.json')]);
    expect(refused.code).toBe(2);
    expect(refused.log).toMatch(
      new RegExp(`config key 'database.postgres': "${other}", but the database at .* runs PostgreSQL ${local}`),
    );
    // The same database with its own version pinned migrates.
    writeFileSync(config, readFileSync(config, 'utf8').replace(`postgres: "${other}"`, `postgres: "${local}"`));
    const accepted = await runCli(['migrate', '--config', config, '--state', join(dir, 'state2.json')]);
    expect(accepted.code, accepted.log).toBe(0);
  });
});
