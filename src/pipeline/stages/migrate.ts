/**
 * Stage 1: a preview database with the migrations applied, and the baseline's database.
 * No URL given: a throwaway server. Template copy: the baseline gets a copy of the preview database
 * taken just before the migration under test, so the baseline runs on the old schema and the
 * candidate on the new one, with the same data.
 *
 * `migrateStageDryRun` is the dry run of this stage: it says what migrateStage would do and changes
 * nothing (no server, no migration, no copy, no command, no state file).
 */

import { resolve } from 'node:path';
import type { CommandMigrationConfig, PerfGateConfig, SqlMigrationConfig } from '../../config/config.js';
import { alembicRevisionOf, alembicUpgrade, sqlalchemyUrl } from '../../database/alembic-version.js';
import { cloneDatabase } from '../../database/clone.js';
import { closeQuietly, connectClient, serverVersionNumber } from '../../database/connection.js';
import {
  assertNotProduction,
  databaseSecrets,
  maskDatabaseUrl,
  parseDatabaseUrl,
} from '../../database/database-url.js';
import { runMigrations } from '../../database/migrate.js';
import { describeMigrationCommand, runMigrationCommand } from '../../database/migration-command.js';
import { loadMigrationDirectory } from '../../database/migration-files.js';
import { type MigrationFile, planMigrations } from '../../database/migration-plan.js';
import { startThrowawayPostgres, type ThrowawayHandle } from '../../database/throwaway.js';
import { InputError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { StageContext } from '../context.js';
import { type DatabaseState, throwawayState } from '../run-state.js';
import { lintMigrationFiles } from './rehearse.js';

function roundedMs(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms);
}

function registerSecrets(ctx: StageContext, url: string): void {
  for (const secret of databaseSecrets(url)) {
    ctx.log.addSecret(secret);
    if (!ctx.state.secrets.includes(secret)) ctx.state.secrets.push(secret);
  }
}

/** Both variants already run somewhere (a deployed app) and nothing is migrated: no database to start. */
function needsNoDatabase(config: PerfGateConfig): boolean {
  const db = config.database;
  return !db.url && !db.migrations && config.backend.baseline.kind === 'url' && config.backend.candidate.kind === 'url';
}

/** The stage's header: what it will do for this config, and only that. */
export function migrateStageTitle(config: PerfGateConfig): string {
  if (needsNoDatabase(config)) return 'migrate: no database needed';
  const db = config.database;
  const parts = [db.url ? 'the given database' : 'throwaway server'];
  const migrations = db.migrations?.kind;
  parts.push(
    migrations === 'command'
      ? 'migration command'
      : migrations === 'alembic'
        ? 'Alembic'
        : migrations === 'sql'
          ? 'migrations'
          : 'no migrations',
  );
  if (db.baseline.strategy === 'template-copy') parts.push('baseline copy');
  if (db.baseline.strategy === 'separate-url') parts.push('separate baseline database');
  return `migrate: ${parts.join(', ')}`;
}

/** One production guard, one pattern, for every URL this stage is given. */
function guard(url: string, config: PerfGateConfig, inputName: string): void {
  const db = config.database;
  assertNotProduction(url, { pattern: db.productionPattern, allow: db.allowProduction, inputName });
}

/** Template copy: the last migration the baseline gets (undefined: none), after checking `before` names a file. */
function baselineCut(
  migrations: Pick<SqlMigrationConfig, 'dir'>,
  files: MigrationFile[],
  before: string,
): MigrationFile | undefined {
  if (!files.some((f) => Number(f.version) === Number(before))) {
    throw new InputError(
      `config key 'database.baseline.before': no migration with version ${before} in ${migrations.dir}; found ${files.map((f) => f.version).join(', ') || 'none'}`,
    );
  }
  return files.filter((f) => Number(f.version) < Number(before)).at(-1);
}

/**
 * The SQL files a migration command's `dir` holds before the command's version, in order. Files at or after
 * it are not applied (the command is that version): a warning names them, since they are probably the same
 * change written twice.
 */
async function sqlFilesBeforeCommand(
  dir: string,
  migrations: CommandMigrationConfig,
  log: Logger,
): Promise<MigrationFile[]> {
  const files = await loadMigrationDirectory(dir);
  const version = Number(migrations.version);
  const later = files.filter((f) => Number(f.version) >= version);
  if (later.length)
    log.warning(
      `migrations: ${later.map((f) => f.name).join(', ')} in ${migrations.dir} are at or after the command's version ${migrations.version}; not applied`,
    );
  return files.filter((f) => Number(f.version) < version);
}

/** Alembic's relative revision for "the one before": `head-1`, `ae10-1`. */
export function revisionBefore(revision: string): string {
  return `${revision}-1`;
}

function baselineCopyName(database: string, runId: string): string {
  return `${database}_perf_gate_baseline_${runId
    .replace(/[^a-z0-9]/gi, '')
    .slice(-10)
    .toLowerCase()}`;
}

/**
 * The dry run of this stage: checks the URLs (the production guard included), reads what migrations
 * are already applied when a database was given, and logs what a real run would do. Starts nothing,
 * applies nothing, copies nothing, runs no command, writes no state.
 */
export async function migrateStageDryRun(options: { config: PerfGateConfig; log: Logger }): Promise<void> {
  const { config, log } = options;
  const db = config.database;
  const would = (text: string) => log.info(`dry run: would ${text}`);
  if (needsNoDatabase(config)) {
    log.info('dry run: no database needed (both backends are URLs and there are no migrations); nothing to do');
    return;
  }
  if (db.url) {
    for (const secret of databaseSecrets(db.url)) log.addSecret(secret);
    guard(db.url, config, 'database-url');
    log.info(`dry run: the database is ${maskDatabaseUrl(db.url)}`);
  } else {
    would('start a throwaway PostgreSQL server on 127.0.0.1');
  }
  if (db.baseline.strategy === 'separate-url') {
    for (const secret of databaseSecrets(db.baseline.url)) log.addSecret(secret);
    guard(db.baseline.url, config, 'database.baseline.url');
  }
  const target = db.url ? 'the database' : 'the throwaway server';
  const migrations = db.migrations;
  if (migrations?.kind === 'command') {
    if (migrations.dir) {
      const files = await sqlFilesBeforeCommand(resolve(config.baseDir, migrations.dir), migrations, log);
      would(
        `apply ${files.length} SQL migration(s) before the command's version ${migrations.version}${files.length ? `: ${files.map((f) => f.name).join(', ')}` : ''}`,
      );
    }
    if (db.baseline.strategy === 'template-copy')
      would(`copy the database for the baseline before ${db.baseline.before}; no copy made`);
    would(
      `run the migration command ${describeMigrationCommand(migrations.command, db.url ? [db.url] : [])}${migrations.version ? ` (version ${migrations.version})` : ''} in ${config.baseDir} with DATABASE_URL set to ${target}; not run`,
    );
  } else if (migrations?.kind === 'alembic') {
    const env = `in ${config.baseDir} with DATABASE_URL set to ${target}; not run`;
    if (db.baseline.strategy === 'template-copy') {
      const first = revisionBefore(db.baseline.before);
      would(`run ${describeMigrationCommand(alembicUpgrade(migrations, first), [])} ${env}`);
      would(`copy the database for the baseline at ${first}; no copy made`);
    }
    would(`run ${describeMigrationCommand(alembicUpgrade(migrations, migrations.revision), [])} ${env}`);
  } else if (migrations?.kind === 'sql') {
    const dir = resolve(config.baseDir, migrations.dir);
    const files = await loadMigrationDirectory(dir);
    const cut =
      db.baseline.strategy === 'template-copy' ? baselineCut(migrations, files, db.baseline.before) : undefined;
    if (db.url) {
      // Reads the tracking table, if there is one, and lists what it would apply; creates nothing.
      await runMigrations({
        databaseUrl: db.url,
        dir,
        to: migrations.to,
        dryRun: true,
        log,
        urlInputName: 'database-url',
      });
    } else {
      const pending = planMigrations({ files, applied: [], to: migrations.to, dirLabel: migrations.dir }).toApply.map(
        (f) => f.name,
      );
      would(`apply ${pending.length} migration(s) to ${target}${pending.length ? `: ${pending.join(', ')}` : ''}`);
    }
    if (db.baseline.strategy === 'template-copy') {
      const name = db.url ? parseDatabaseUrl(db.url, 'database-url').database : 'postgres';
      would(
        `${cut ? `apply up to ${cut.name} first, then ` : ''}copy '${name}' to '${baselineCopyName(name, '')}<run id>' ` +
          `for the baseline before ${db.baseline.before}, then apply the rest for the candidate; no copy made`,
      );
    }
  } else {
    log.info('dry run: no migrations configured');
  }
  if (db.baseline.strategy === 'separate-url') {
    log.info(`dry run: the baseline uses its own database ${maskDatabaseUrl(db.baseline.url)}, not migrated`);
  }
  log.info('dry run: nothing was changed');
}

/** A given database must run the major version the config pins (`database.postgres`): measuring another would mislead. */
async function checkPinnedMajor(url: string, major: number): Promise<void> {
  const client = await connectClient(url, { purpose: 'checking its PostgreSQL version' });
  try {
    const version = await serverVersionNumber(client);
    if (Math.floor(version / 10000) !== major)
      throw new InputError(
        `config key 'database.postgres': "${major}", but the database at ${maskDatabaseUrl(url)} runs PostgreSQL ${Math.floor(version / 10000)} (server_version_num ${version}); give a PostgreSQL ${major} database, or change database.postgres to the version production runs`,
      );
  } finally {
    await closeQuietly(client);
  }
}

export async function migrateStage(ctx: StageContext): Promise<DatabaseState> {
  const { config, log } = ctx;
  const db = config.database;
  let url = db.url;
  const database: Partial<DatabaseState> = { createdDatabases: [] };

  if (needsNoDatabase(config)) {
    log.info('no database: both backends are URLs and there are no migrations');
    const none: DatabaseState = { candidateUrl: '', baselineUrl: '', strategy: 'shared', createdDatabases: [] };
    ctx.state.database = none;
    ctx.saveState();
    return none;
  }

  // Both URLs are judged before anything is started or migrated.
  if (url) {
    registerSecrets(ctx, url);
    guard(url, config, 'database-url');
  }
  if (db.baseline.strategy === 'separate-url') {
    registerSecrets(ctx, db.baseline.url);
    guard(db.baseline.url, config, 'database.baseline.url');
  }
  if (!url) {
    // The server is recorded the moment it exists, so a signal during its start-up loses nothing.
    const onServerStarted = (handle: ThrowawayHandle) => {
      ctx.state.database = {
        candidateUrl: '',
        baselineUrl: '',
        strategy: db.baseline.strategy,
        createdDatabases: [],
        throwaway: throwawayState('cluster', handle),
      };
      ctx.saveState();
    };
    const server = await startThrowawayPostgres({
      log,
      prefer: ctx.preferPglite ? 'pglite' : 'cluster',
      major: db.postgresMajor,
      onServerStarted,
    });
    ctx.teardown.databaseServer = () => server.stop();
    url = server.url;
    registerSecrets(ctx, url);
    database.throwaway = throwawayState(server.kind, server.handle);
    database.serverVersion = server.serverVersion;
    log.info(
      `throwaway PostgreSQL (${server.kind === 'cluster' ? 'server' : 'PGlite'} ${server.serverVersion}) at ${maskDatabaseUrl(url)}`,
    );
  }
  if (db.postgresMajor !== undefined) {
    if (db.url) await checkPinnedMajor(url, db.postgresMajor);
    if (db.baseline.strategy === 'separate-url') await checkPinnedMajor(db.baseline.url, db.postgresMajor);
  }
  database.candidateUrl = url;
  database.baselineUrl = url;
  database.strategy = db.baseline.strategy;
  ctx.state.database = database as DatabaseState;
  ctx.saveState();

  const migrations = db.migrations;
  const migration: NonNullable<DatabaseState['migration']> = {};
  database.migration = migration;
  const databaseUrl = url;
  const apply = (dir: string, to: string | undefined, label: string, sql?: SqlMigrationConfig) =>
    log.group(`migrations ${label}`, () =>
      runMigrations({
        databaseUrl,
        dir,
        to,
        log,
        urlInputName: 'database-url',
        sessionTimeouts: {
          lockTimeoutMs: roundedMs(sql?.lockTimeoutMs),
          statementTimeoutMs: roundedMs(sql?.statementTimeoutMs),
        },
      }),
    );
  // Template copy: the baseline's database is a copy of this one, taken at this point.
  const copyForBaseline = async (before: string): Promise<void> => {
    const target = parseDatabaseUrl(databaseUrl, 'database-url');
    const copyName = baselineCopyName(target.database, ctx.state.runId);
    database.createdDatabases!.push(copyName);
    ctx.saveState();
    const copy = await cloneDatabase({ sourceUrl: databaseUrl, targetName: copyName, log });
    database.baselineUrl = copy.url;
    ctx.saveState();
    log.info(`baseline database: copy '${copyName}' of '${target.database}' taken before ${before}`);
  };

  if (migrations?.kind === 'command') {
    // SQL files before the command's version first (all of them before its version), then the command.
    const dir = migrations.dir ? resolve(config.baseDir, migrations.dir) : undefined;
    const files = dir ? await sqlFilesBeforeCommand(dir, migrations, log) : [];
    const last = files.at(-1);
    if (db.baseline.strategy === 'template-copy') {
      const before = db.baseline.before;
      const cut =
        before === migrations.version ? last : baselineCut({ dir: migrations.dir ?? '(no dir)' }, files, before);
      if (dir && cut) migration.baseline = await apply(dir, cut.version, `up to ${cut.version} (baseline schema)`);
      await copyForBaseline(before);
      if (dir && last && last !== cut)
        migration.candidate = await apply(dir, last.version, `up to ${last.version} (candidate schema)`);
    } else if (dir && last) {
      migration.candidate = await apply(dir, last.version, `up to ${last.version}, before the command`);
    }
    const result = await runMigrationCommand({ command: migrations.command, databaseUrl, log, cwd: config.baseDir });
    migration.command = { command: migrations.command, exitCode: result.exitCode };
  } else if (migrations?.kind === 'alembic') {
    const upgrade = async (revision: string, label: string): Promise<string> => {
      const command = alembicUpgrade(migrations, revision);
      const result = await log.group(`alembic upgrade ${revision} (${label})`, () =>
        runMigrationCommand({ command, databaseUrl: sqlalchemyUrl(databaseUrl), log, cwd: config.baseDir }),
      );
      migration.command = { command, exitCode: result.exitCode };
      const reached = await alembicRevisionOf(databaseUrl);
      if (reached === null)
        throw new InputError(
          `alembic upgrade ${revision}: exited 0, but the database perf-gate gave it (${maskDatabaseUrl(databaseUrl)}) has no alembic_version table; Alembic's env.py must connect with DATABASE_URL, which perf-gate sets, not alembic.ini's sqlalchemy.url`,
        );
      log.info(`Alembic revision after the upgrade: ${reached}`);
      return reached;
    };
    let baselineRevision: string | undefined;
    if (db.baseline.strategy === 'template-copy') {
      baselineRevision = await upgrade(revisionBefore(db.baseline.before), 'baseline schema');
      await copyForBaseline(db.baseline.before);
    }
    const candidateRevision = await upgrade(migrations.revision, 'candidate schema');
    if (baselineRevision !== undefined && baselineRevision === candidateRevision)
      throw new InputError(
        `config key 'database.baseline.before': the baseline's copy is at Alembic revision ${baselineRevision}, the candidate's too, so the gate would compare a schema with itself; name the revision under test (upgrade never goes down: a database already at or past it cannot give the baseline an earlier schema)`,
      );
  } else if (migrations?.kind === 'sql') {
    const dir = resolve(config.baseDir, migrations.dir);
    if (db.baseline.strategy === 'template-copy') {
      const before = db.baseline.before;
      const earlier = baselineCut(migrations, await loadMigrationDirectory(dir), before);
      migration.baseline = earlier
        ? await apply(dir, earlier.version, `up to ${earlier.version} (baseline schema)`, migrations)
        : undefined;
      await copyForBaseline(before);
      migration.candidate = await apply(
        dir,
        migrations.to,
        `up to ${migrations.to ?? 'the latest'} (candidate schema)`,
        migrations,
      );
    } else {
      migration.candidate = await apply(dir, migrations.to, `up to ${migrations.to ?? 'the latest'}`, migrations);
    }
    database.lint = await lintMigrationFiles(
      ctx,
      migrations,
      migration.candidate.applied.map((a) => a.name),
    );
  }
  if (db.baseline.strategy === 'separate-url') database.baselineUrl = db.baseline.url;
  ctx.saveState();
  return database as DatabaseState;
}
