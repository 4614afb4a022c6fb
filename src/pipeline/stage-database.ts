/**
 * Stage 1: a preview database with the migrations applied, and the baseline's database.
 * No URL given: a throwaway server. Template copy: the baseline gets a copy of the preview database
 * taken just before the migration under test, so the baseline runs on the old schema and the
 * candidate on the new one, with the same data.
 */
import { assertNotProduction, databaseSecrets, maskDatabaseUrl, parseDatabaseUrl } from '../database/database-url.js';
import { loadMigrationDirectory } from '../database/migration-files.js';
import { runMigrations, type MigrationSummary } from '../database/migrate.js';
import { startThrowawayPostgres, type ThrowawayHandle } from '../database/throwaway.js';
import { cloneDatabase } from '../database/clone.js';
import { runMigrationCommand } from '../database/migration-command.js';
import { InputError } from '../errors.js';
import { resolve } from 'node:path';
import type { StageContext } from './context.js';
import type { DatabaseState } from './run-state.js';

function registerSecrets(ctx: StageContext, url: string): void {
  for (const secret of databaseSecrets(url)) {
    ctx.log.addSecret(secret);
    if (!ctx.state.secrets.includes(secret)) ctx.state.secrets.push(secret);
  }
}

export async function prepareDatabase(ctx: StageContext): Promise<DatabaseState> {
  const { config, log } = ctx;
  const db = config.database;
  let url = db.url;
  const database: Partial<DatabaseState> = { createdDatabases: [] };

  const noDatabaseNeeded = !url && !db.migrations && config.backend.baseline.kind === 'url' && config.backend.candidate.kind === 'url';
  if (noDatabaseNeeded) {
    // Both variants already run somewhere (a deployed app) and nothing is migrated: no database to start.
    log.info('no database: both backends are URLs and there are no migrations');
    const none: DatabaseState = { candidateUrl: '', baselineUrl: '', strategy: 'shared', createdDatabases: [] };
    ctx.state.database = none;
    ctx.saveState();
    return none;
  }

  if (url) {
    registerSecrets(ctx, url);
    parseDatabaseUrl(url, 'database-url');
    assertNotProduction(url, { pattern: new RegExp(db.productionPattern, 'i'), allow: db.allowProduction });
  } else {
    // The server is recorded the moment it exists, so a signal during its start-up loses nothing.
    const onServerStarted = (handle: ThrowawayHandle) => {
      ctx.state.database = { candidateUrl: '', baselineUrl: '', strategy: db.baseline.strategy, createdDatabases: [], throwaway: { kind: 'cluster', ...handle } };
      ctx.saveState();
    };
    const server = await startThrowawayPostgres({ log, prefer: ctx.preferPglite ? 'pglite' : 'cluster', onServerStarted });
    ctx.teardown.databaseServer = () => server.stop();
    url = server.url;
    registerSecrets(ctx, url);
    database.throwaway = { kind: server.kind, ...server.handle };
    database.serverVersion = server.serverVersion;
    log.info(`throwaway PostgreSQL (${server.kind === 'cluster' ? 'server' : 'PGlite'} ${server.serverVersion}) at ${maskDatabaseUrl(url)}`);
  }
  database.candidateUrl = url;
  database.baselineUrl = url;
  database.strategy = db.baseline.strategy;
  ctx.state.database = database as DatabaseState;
  ctx.saveState();

  const migrations = db.migrations;
  const migration: NonNullable<DatabaseState['migration']> = {};
  database.migration = migration;
  if (migrations?.command) {
    const result = await runMigrationCommand({ command: migrations.command, databaseUrl: url, log, cwd: config.baseDir });
    migration.command = { command: migrations.command, exitCode: result.exitCode };
  } else if (migrations?.dir) {
    const dir = resolve(config.baseDir, migrations.dir);
    const apply = (to: string | undefined, label: string): Promise<MigrationSummary> =>
      log.group(`migrations ${label}`, () => runMigrations({ databaseUrl: url!, dir, to, log, urlInputName: 'database-url' }));

    if (db.baseline.strategy === 'template-copy') {
      const before = db.baseline.before;
      const files = await loadMigrationDirectory(dir);
      if (!files.some((f) => Number(f.version) === Number(before))) {
        throw new InputError(`config key 'database.baseline.before': no migration with version ${before} in ${migrations.dir}; found ${files.map((f) => f.version).join(', ') || 'none'}`);
      }
      const earlier = files.filter((f) => Number(f.version) < Number(before)).at(-1);
      migration.baseline = earlier ? await apply(earlier.version, `up to ${earlier.version} (baseline schema)`) : undefined;
      const target = parseDatabaseUrl(url, 'database-url');
      const copyName = `${target.database}_perf_gate_baseline_${ctx.state.runId.replace(/[^a-z0-9]/gi, '').slice(-10).toLowerCase()}`;
      database.createdDatabases!.push(copyName);
      ctx.saveState();
      const copy = await cloneDatabase({ sourceUrl: url, targetName: copyName, log });
      database.baselineUrl = copy.url;
      ctx.saveState();
      log.info(`baseline database: copy '${copyName}' of '${target.database}' taken before ${before}`);
      migration.candidate = await apply(migrations.to, `up to ${migrations.to ?? 'the latest'} (candidate schema)`);
    } else {
      migration.candidate = await apply(migrations.to, `up to ${migrations.to ?? 'the latest'}`);
    }
  }
  if (db.baseline.strategy === 'separate-url') {
    registerSecrets(ctx, db.baseline.url);
    parseDatabaseUrl(db.baseline.url, 'database.baseline.url');
    assertNotProduction(db.baseline.url, { pattern: new RegExp(db.productionPattern, 'i'), allow: db.allowProduction });
    database.baselineUrl = db.baseline.url;
  }
  ctx.saveState();
  return database as DatabaseState;
}
