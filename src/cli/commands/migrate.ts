/**
 * `perf-gate migrate`: with --dir or --command, migrate one database directly; otherwise the gate's
 * first stage, which starts a new run state from the config.
 */
import { assertNotProduction, databaseSecrets, maskDatabaseUrl } from '../../database/database-url.js';
import { runMigrations } from '../../database/migrate.js';
import { describeMigrationCommand, runMigrationCommand } from '../../database/migration-command.js';
import { ExitCode, InputError, invalidValue } from '../../errors.js';
import { createContext, runStageProcess } from '../../pipeline/run-gate.js';
import { newRunState } from '../../pipeline/run-state.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import { type CliContext, configFor, dryRunDatabaseStage, overridesFrom, statePath } from './shared.js';

export async function migrateCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const dir = stringFlag(args, 'dir');
  const command = args.flags.command as string[] | undefined;
  if (dir || command) return migrateDirect(args, cli, dir, command);
  // Stage mode (the action's first step): start a new run state from the config.
  const config = configFor(args, cli);
  if (booleanFlag(args, 'dry-run')) return dryRunDatabaseStage(config, cli.log);
  const state = newRunState({
    configPath: stringFlag(args, 'config') || null,
    overrides: overridesFrom(args),
    reportDir: config.report.dir,
  });
  const ctx = createContext({
    config,
    log: cli.log,
    state,
    statePath: statePath(args),
    packageRoot: cli.packageRoot,
    env: cli.env,
  });
  ctx.saveState();
  await runStageProcess(ctx, 'migrate');
  return ExitCode.ok;
}

async function migrateDirect(
  args: ParsedArgs,
  cli: CliContext,
  dir: string | undefined,
  command: string[] | undefined,
): Promise<number> {
  const { log } = cli;
  const url = stringFlag(args, 'database-url');
  if (!url)
    throw invalidValue('--database-url', undefined, 'the URL of the database to migrate (or PERF_GATE_DATABASE_URL)');
  for (const s of databaseSecrets(url)) log.addSecret(s);
  if (dir && command)
    throw new InputError('migrate: give either --dir (SQL files) or --command (your own script), not both');
  // A config, when given, brings its own production pattern and opt-out; otherwise the default pattern.
  const database = stringFlag(args, 'config') ? configFor(args, cli).database : undefined;
  assertNotProduction(url, {
    pattern: database?.productionPattern,
    allow: (booleanFlag(args, 'allow-production') ?? false) || (database?.allowProduction ?? false),
    inputName: '--database-url',
  });
  const dryRun = booleanFlag(args, 'dry-run') ?? false;
  if (command) {
    if (dryRun) {
      cli.stdout(
        `would run ${describeMigrationCommand(command, [url])} with DATABASE_URL=${maskDatabaseUrl(url)}; not run (dry run)\n`,
      );
      return ExitCode.ok;
    }
    await runMigrationCommand({ command, databaseUrl: url, log });
    return ExitCode.ok;
  }
  const summary = await runMigrations({
    databaseUrl: url,
    dir: dir!,
    to: stringFlag(args, 'to'),
    dryRun,
    log,
    urlInputName: '--database-url',
  });
  if (summary.dryRun) {
    cli.stdout(
      summary.pending.length
        ? `would apply to ${maskDatabaseUrl(url)}:\n${summary.pending.map((p) => `-- ${p.name}\n${p.sql}`).join('\n')}\n`
        : 'nothing to apply\n',
    );
  }
  return ExitCode.ok;
}
