/**
 * The database stage through the CLI's own entry (`main`), as users and the action call it: dry runs
 * in every mode touch nothing, the production guard is the same at every entry point, and the stage
 * header says what the stage does.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { closeQuietly, connectClient } from '../../src/database/connection.js';
import { parseDatabaseUrl } from '../../src/database/database-url.js';
import { runCli, runMigrate } from '../helpers/cli-run.js';
import { freshDatabase, sql, tableExists } from '../helpers/databases.js';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const reference = join(root, 'test/fixtures/migrations/reference');
const available = requireService('PostgreSQL', probePostgres());
const work = mkdtempSync(join(tmpdir(), 'perf-gate-stage-db-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ENV_KEYS = [
  'PERF_GATE_CONFIG',
  'PERF_GATE_DRY_RUN',
  'PERF_GATE_STATE',
  'PERF_GATE_REPORT_DIR',
  'PERF_GATE_DATABASE_URL',
];
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

let counter = 0;
/** A folder with perf-gate.yml (JSON is YAML) whose database section is `database`; a state path and a report folder that do not exist yet. */
function workspace(database: Record<string, unknown>) {
  counter += 1;
  const folder = mkdtempSync(join(work, `ws${counter}-`));
  const config = join(folder, 'perf-gate.yml');
  writeFileSync(
    config,
    JSON.stringify({
      database,
      backend: {
        kind: 'command',
        command: ['node', '-e', "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)"],
      },
      load: { rate: 10, roundDuration: '1s', pairs: 2, workload: { requests: [{ path: '/' }] } },
      gate: { minPairs: 2 },
      targets: ['latency_p50 worsens <= 10%'],
    }),
  );
  return { folder, config, state: join(folder, 'state', 'state.json'), report: join(folder, 'report') };
}

/** A command that leaves a file behind when it runs: proof that a dry run did not run it. */
function markerCommand(): { command: string[]; marker: string } {
  const marker = join(mkdtempSync(join(work, 'marker-')), 'the-command-ran');
  return { command: [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], "ran")', marker], marker };
}

function show(label: string, text: string): void {
  process.stdout.write(`\n----- ${label} -----\n${text}\n`);
}

describe.skipIf(!available)('a dry run touches nothing (real PostgreSQL)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function untouched(db: { name: string; url: string }, ws: ReturnType<typeof workspace>) {
    expect(await tableExists(db.url, 'documents'), 'a migration ran').toBe(false);
    expect(await tableExists(db.url, 'perf_gate_migrations'), 'the tracking table was created').toBe(false);
    const copies = await sql(cluster.url, 'SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${db.name}_perf_gate_baseline_%`,
    ]);
    expect(copies, 'a baseline copy was made').toEqual([]);
    expect(existsSync(ws.state), 'a state file was written').toBe(false);
    expect(existsSync(ws.report), 'a report folder was made').toBe(false);
  }

  // The action passes the config and the dry run through the environment; the issue found the bug with flags.
  it.for([
    { form: 'in stage mode, as the action calls it (PERF_GATE_CONFIG, PERF_GATE_DRY_RUN)', flags: false },
    { form: '--config FILE --dry-run, the flag form the issue was found with', flags: true },
  ])('migrate $form: no migration, no baseline copy, no state', async ({ flags }) => {
    const db = await freshDatabase(cluster, 'dry');
    const ws = workspace({
      url: db.url,
      migrations: { dir: reference },
      baseline: { strategy: 'template-copy', before: '022' },
    });
    const where = ['--state', ws.state, '--report-dir', ws.report];
    if (!flags)
      Object.assign(process.env, {
        PERF_GATE_CONFIG: ws.config,
        PERF_GATE_DRY_RUN: 'true',
        PERF_GATE_STATE: ws.state,
        PERF_GATE_REPORT_DIR: ws.report,
      });
    const { code, log } = await runCli(flags ? ['migrate', '--config', ws.config, '--dry-run', ...where] : ['migrate']);
    show(
      'migrate in stage mode, dry run',
      log
        .split('\n')
        .filter((l) => l.startsWith('dry run') || l.startsWith('group'))
        .join('\n'),
    );
    expect(code, log).toBe(0);
    await untouched(db, ws);
    expect(log).toContain('dry run: 3 migration(s) would be applied, 0 already applied; nothing was changed');
    expect(log).toMatch(
      /dry run: would apply up to 021_chunks\.sql first, then copy '[^']+' to '[^']+_perf_gate_baseline_<run id>' for the baseline before 022/,
    );
  });

  it('run --dry-run plans the database stage and stops before the backends boot', async () => {
    const db = await freshDatabase(cluster, 'dry');
    const ws = workspace({ url: db.url, migrations: { dir: reference } });
    const { code, log } = await runCli([
      'run',
      '--config',
      ws.config,
      '--dry-run',
      '--state',
      ws.state,
      '--report-dir',
      ws.report,
    ]);
    expect(code, log).toBe(0);
    await untouched(db, ws);
    expect(log).toContain('dry run: 3 migration(s) would be applied');
    expect(log).toContain('dry run: stopping before the backends boot');
    expect(log).not.toMatch(/backend 'candidate'|started/);
  });

  it('stage mode with a migration command and no URL: no throwaway server starts and the command does not run', async () => {
    const { command, marker } = markerCommand();
    const ws = workspace({ migrations: { command } });
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
    show('stage mode, command, no URL, dry run', log);
    expect(code, log).toBe(0);
    expect(existsSync(marker), 'the migration command ran').toBe(false);
    expect(log).toContain('dry run: would start a throwaway PostgreSQL server');
    expect(log).not.toMatch(/throwaway (PostgreSQL|PGlite) .* on 127\.0\.0\.1:\d+/);
    expect(existsSync(ws.state)).toBe(false);
  });

  it('migrate --dir --dry-run lists the files and creates nothing', async () => {
    const db = await freshDatabase(cluster, 'dry');
    const ws = workspace({});
    const { code, stdout } = await runCli(['migrate', '--dir', reference, '--database-url', db.url, '--dry-run']);
    expect(code).toBe(0);
    expect(stdout).toContain('-- 020_documents.sql');
    await untouched(db, ws);
  });

  it('a production-looking baseline URL is refused before anything is migrated', async () => {
    const db = await freshDatabase(cluster, 'sep');
    const ws = workspace({
      url: db.url,
      migrations: { dir: reference },
      baseline: { strategy: 'separate-url', url: 'postgres://u:hunter22@db-prod.invalid/app' },
    });
    const { code, log } = await runMigrate(ws);
    expect(await tableExists(db.url, 'documents'), 'the candidate database was migrated first').toBe(false);
    expect(code, log).toBe(2);
    expect(log).toContain('database.baseline.url: refusing');
    expect(log).not.toContain('hunter22');
  });

  it('node-postgres connects to the ?host= and ?port= of a URL, not to its host part, and parseDatabaseUrl says so', async () => {
    const url = `postgres://postgres@db-preview.invalid:1/postgres?host=127.0.0.1&port=${cluster.port}`;
    const client = await connectClient(url, { purpose: 'the test' });
    try {
      const rows = await client.query<{ port: number }>('SELECT inet_server_port() AS port');
      expect(rows.rows[0]!.port).toBe(cluster.port);
    } finally {
      await closeQuietly(client);
    }
    expect(parseDatabaseUrl(url, 'database-url')).toMatchObject({ host: '127.0.0.1', port: cluster.port });
  });
});

describe('migrate --command --dry-run (no database needed)', () => {
  it('says what would run, with the password masked, and does not run it', async () => {
    const { command, marker } = markerCommand();
    const { code, stdout, log } = await runCli([
      'migrate',
      '--database-url',
      'postgres://app:hunter22@127.0.0.1:1/preview',
      '--dry-run',
      ...command.flatMap((a) => ['--command', a]),
    ]);
    show('migrate --command --dry-run', stdout);
    expect(code, log).toBe(0);
    expect(existsSync(marker), 'the migration command ran').toBe(false);
    expect(stdout).toContain(`would run ${process.execPath} -e`);
    expect(stdout).toContain('DATABASE_URL=postgres://app:***@127.0.0.1:1/preview; not run (dry run)');
    expect(stdout + log).not.toContain('hunter22');
  });
});

describe('one production guard at every entry point', () => {
  const urls = [
    'postgres://u@db-live.invalid/app',
    'postgres://u@db-prd.invalid/app',
    'postgres://u:hunter22@db-preview.invalid/app?host=db-prod.invalid',
  ];
  it.each(urls)(
    '%s is refused with exit 2 by migrate --dir, migrate --command, verify-idempotent, stage mode and run',
    async (url) => {
      const ws = workspace({});
      const { command, marker } = markerCommand();
      const entries: [string, string[]][] = [
        ['migrate --dir', ['migrate', '--dir', reference, '--database-url', url]],
        ['migrate --command', ['migrate', '--database-url', url, ...command.flatMap((a) => ['--command', a])]],
        ['verify-idempotent', ['verify-idempotent', '--dir', reference, '--database-url', url]],
        [
          'migrate (stage mode)',
          ['migrate', '--config', ws.config, '--database-url', url, '--state', ws.state, '--report-dir', ws.report],
        ],
        ['run', ['run', '--config', ws.config, '--database-url', url, '--state', ws.state, '--report-dir', ws.report]],
      ];
      for (const [entry, argv] of entries) {
        const { code, log } = await runCli(argv);
        expect({ entry, code }).toEqual({ entry, code: 2 });
        expect(log, entry).toContain('matches the production pattern');
        expect(log, entry).not.toContain('hunter22');
      }
      expect(existsSync(marker), 'the migration command ran').toBe(false);
    },
  );
});

describe('the migrate stage header says what the stage does', () => {
  it('a given URL without migrations is not "throwaway server, migrations, baseline copy"', async () => {
    const ws = workspace({ url: 'postgres://app@127.0.0.1:1/preview' });
    const { code, log } = await runMigrate(ws);
    expect(code, log).toBe(0);
    const header = log.split('\n').find((l) => l.startsWith('group: migrate'));
    show('stage header, URL given, no migrations', header ?? '(none)');
    expect(header).toBe('group: migrate: the given database, no migrations');
  });

  it('names each part only when the config asks for it', async () => {
    const { migrateStageTitle } = await import('../../src/pipeline/stages/migrate.js');
    const title = (database: Record<string, unknown>) => {
      const ws = workspace(database);
      return migrateStageTitle(loadConfig({ path: ws.config, packageRoot: root }));
    };
    expect(title({ migrations: { dir: reference }, baseline: { strategy: 'template-copy', before: '022' } })).toBe(
      'migrate: throwaway server, migrations, baseline copy',
    );
    expect(title({ url: 'postgres://a@h/app', migrations: { command: ['./migrate'] } })).toBe(
      'migrate: the given database, migration command',
    );
    expect(
      title({ url: 'postgres://a@h/app', baseline: { strategy: 'separate-url', url: 'postgres://a@h/old' } }),
    ).toBe('migrate: the given database, no migrations, separate baseline database');
  });
});
