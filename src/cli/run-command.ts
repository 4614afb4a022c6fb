/** One function per CLI command; each returns the exit code. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { grafanaDashboard } from '../dashboard/grafana.js';
import { publishFromResults } from '../github/publish-from-results.js';
import { detectProject } from '../init/detect-project.js';
import { starterFiles } from '../init/starter-files.js';
import type { PerfGateConfig } from '../config/config.js';
import { toAaConfig } from '../config/aa-mode.js';
import { EMBEDDED_DEFAULT, loadConfig, type ConfigOverrides } from '../config/load.js';
import { assertNotProduction, databaseSecrets, maskDatabaseUrl } from '../database/database-url.js';
import { describeMigrationCommand, runMigrationCommand } from '../database/migration-command.js';
import { runMigrations } from '../database/migrate.js';
import { ExitCode, InputError, invalidValue } from '../errors.js';
import type { CommentMode } from '../github/sticky-comment.js';
import { inertLogText } from '../log-line.js';
import type { Logger } from '../log.js';
import { cleanupStage } from '../pipeline/stages/cleanup.js';
import { createContext, runCompareProcess, runStageProcess, runWholeGate } from '../pipeline/run-gate.js';
import { DEFAULT_STATE_PATH, newRunState, readRunState, writeRunState, type RunState } from '../pipeline/run-state.js';
import { loadWorkload } from '../pipeline/stages/bench.js';
import { migrateStageDryRun } from '../pipeline/stages/migrate.js';
import { renderTerminal } from '../report/terminal.js';
import type { Results } from '../report/results.js';
import { booleanFlag, stringFlag, type ParsedArgs } from './args.js';

export interface CommandEnv {
  log: Logger;
  packageRoot: string;
  version: string;
  stdout: (text: string) => void;
}

function overridesFrom(args: ParsedArgs): ConfigOverrides {
  return {
    databaseUrl: stringFlag(args, 'database-url'),
    failOnInconclusive: booleanFlag(args, 'fail-on-inconclusive'),
    reportDir: stringFlag(args, 'report-dir'),
  };
}

function configFor(args: ParsedArgs, env: CommandEnv, overrides = overridesFrom(args)): PerfGateConfig {
  if (overrides.databaseUrl) for (const s of databaseSecrets(overrides.databaseUrl)) env.log.addSecret(s);
  const config = loadConfig({ path: stringFlag(args, 'config') || undefined, packageRoot: env.packageRoot, overrides });
  for (const secret of config.secrets) env.log.addSecret(secret);
  // A URL written in the file (or filled from ${VAR}) is as secret as one given as a flag.
  for (const url of [config.database.url, config.database.baseline.strategy === 'separate-url' ? config.database.baseline.url : undefined]) {
    if (url) for (const s of databaseSecrets(url)) env.log.addSecret(s);
  }
  return config;
}

/** Later stages reload the config the first stage used, with the same overrides. */
function configFromState(state: RunState, env: CommandEnv, args: ParsedArgs): PerfGateConfig {
  const overrides: ConfigOverrides = { ...state.overrides };
  const failOnInconclusive = booleanFlag(args, 'fail-on-inconclusive');
  if (failOnInconclusive !== undefined) overrides.failOnInconclusive = failOnInconclusive;
  return loadConfig({ path: state.configPath ?? undefined, packageRoot: env.packageRoot, overrides: { ...overrides, reportDir: state.reportDir } });
}

function statePath(args: ParsedArgs): string {
  return resolve(stringFlag(args, 'state') ?? DEFAULT_STATE_PATH);
}

function printResults(results: Results, args: ParsedArgs, env: CommandEnv, paths: { resultsPath: string; reportPath: string }): void {
  if (booleanFlag(args, 'json')) env.stdout(`${JSON.stringify(results, null, 2)}\n`);
  // The table quotes targets and error messages: made inert like every log line (src/log-line.ts).
  else env.stdout(`\n${inertLogText(renderTerminal(results))}\n\nresults: ${paths.resultsPath}\nreport:  ${paths.reportPath}\n`);
}

/**
 * The Check run's name. An empty value (`check-name: ''` in the action, which reaches us as an empty
 * PERF_GATE_CHECK_NAME) means "no Check"; absent means the default name.
 */
function checkNameFrom(args: ParsedArgs): string | undefined {
  const given = stringFlag(args, 'check-name') ?? (process.env.PERF_GATE_CHECK_NAME === '' ? '' : undefined);
  if (given === undefined) return 'perf-gate';
  return given.trim() === '' ? undefined : given;
}

function commentMode(args: ParsedArgs): CommentMode {
  const mode = stringFlag(args, 'comment-mode') ?? 'update';
  if (mode !== 'update' && mode !== 'recreate' && mode !== 'off') throw invalidValue('comment-mode', mode, "'update', 'recreate' or 'off'");
  return mode;
}

export async function runCommand(name: string, args: ParsedArgs, env: CommandEnv): Promise<number> {
  const { log } = env;
  switch (name) {
    case 'run':
    case 'demo': {
      if (name === 'demo' && stringFlag(args, 'config')) throw new InputError("demo: runs the embedded default; use 'perf-gate run --config FILE' for your own config");
      const aa = booleanFlag(args, 'aa') ?? false;
      const loaded = configFor(args, env);
      const config = aa ? toAaConfig(loaded) : loaded;
      log.info(`perf-gate ${env.version}: ${config.source === EMBEDDED_DEFAULT ? 'embedded default (reference RAG backend)' : config.source}${aa ? ', A/A check (the candidate against itself)' : ''}`);
      if (booleanFlag(args, 'dry-run')) {
        await dryRunDatabaseStage(config, log);
        log.info('dry run: stopping before the backends boot; no state file and no report were written');
        return ExitCode.ok;
      }
      const outcome = await runWholeGate({
        config,
        log,
        statePath: statePath(args),
        packageRoot: env.packageRoot,
        configPath: stringFlag(args, 'config') ?? null,
        preferPglite: booleanFlag(args, 'pglite'),
        aa,
        report: { version: env.version },
      });
      printResults(outcome.results, args, env, outcome);
      return outcome.exitCode;
    }

    case 'migrate': {
      const dir = stringFlag(args, 'dir');
      const command = args.flags.command as string[] | undefined;
      if (dir || command) return migrateDirect(args, env, dir, command);
      // Stage mode (the action's first step): start a new run state from the config.
      const config = configFor(args, env);
      if (booleanFlag(args, 'dry-run')) return dryRunDatabaseStage(config, log);
      const state = newRunState({ configPath: stringFlag(args, 'config') || null, overrides: overridesFrom(args), reportDir: config.report.dir });
      const ctx = createContext({ config, log, state, statePath: statePath(args), packageRoot: env.packageRoot });
      ctx.saveState();
      await runStageProcess(ctx, 'migrate');
      return ExitCode.ok;
    }

    case 'verify-idempotent': {
      const { verifyIdempotent } = await import('../database/fingerprint.js');
      const url = stringFlag(args, 'database-url');
      if (!url) throw invalidValue('--database-url', url, 'the URL of the database to check');
      for (const s of databaseSecrets(url)) log.addSecret(s);
      assertNotProduction(url, { allow: booleanFlag(args, 'allow-production') ?? false, inputName: '--database-url' });
      const command = args.flags.command as string[] | undefined;
      const dir = stringFlag(args, 'dir');
      if (!command && !dir) throw new InputError('verify-idempotent: give --dir (SQL files) or --command (your own migration script)');
      if (command && dir) throw new InputError('verify-idempotent: give either --dir or --command, not both');
      const base = { databaseUrl: url, log, throwOnDifference: false };
      const result = await verifyIdempotent(command ? { ...base, command } : { ...base, dir: dir!, to: stringFlag(args, 'to') });
      if (result.idempotent) return ExitCode.ok;
      // Not idempotent is a failed check, like a missed target: exit 1, with what changed.
      log.error(`not idempotent: running ${result.rerun.join(', ')} again ${result.rerunError ? `failed: ${result.rerunError}` : `changed the database:\n${result.diff.join('\n')}`}`);
      return ExitCode.targetMissed;
    }

    case 'boot':
    case 'bench': {
      const state = readRunState(statePath(args));
      const config = configFromState(state, env, args);
      const ctx = createContext({ config, log, state, statePath: statePath(args), packageRoot: env.packageRoot });
      if (state.failure) throw new InputError(`${name}: an earlier stage (${state.failure.stage}) failed: ${state.failure.message}`);
      await runStageProcess(ctx, name);
      return ExitCode.ok;
    }

    case 'compare': {
      const state = readRunState(statePath(args));
      const config = configFromState(state, env, args);
      const ctx = createContext({ config, log, state, statePath: statePath(args), packageRoot: env.packageRoot });
      const outcome = await runCompareProcess(ctx, {
        version: env.version,
        github: {
          token: stringFlag(args, 'github-token'),
          commentMode: commentMode(args),
          commentKey: stringFlag(args, 'comment-key'),
          checkName: checkNameFrom(args),
        },
      });
      printResults(outcome.results, args, env, outcome);
      return outcome.exitCode;
    }

    case 'cleanup': {
      const path = statePath(args);
      let state: RunState;
      try {
        state = readRunState(path);
      } catch {
        log.info(`nothing to clean up: no state file at ${path}`);
        return ExitCode.ok;
      }
      for (const secret of state.secrets) log.addSecret(secret);
      const problems = await cleanupStage({ state, teardown: {}, log });
      writeRunState(path, state);
      if (problems.length === 0) return ExitCode.ok;
      log.error(`cleanup did not finish; still to do:\n${problems.map((p) => `- ${p}`).join('\n')}`);
      return ExitCode.infrastructure;
    }

    case 'comment': {
      const resultsPath = stringFlag(args, 'results');
      if (!resultsPath) throw invalidValue('--results', undefined, 'the path of a results.json written by a perf-gate run');
      const token = stringFlag(args, 'github-token') ?? process.env.GITHUB_TOKEN;
      if (!token) throw invalidValue('--github-token', undefined, 'a token that may write PR comments and Checks (or GITHUB_TOKEN)');
      const outcome = await publishFromResults(resolve(resultsPath), {
        token,
        commentMode: commentMode(args),
        commentKey: stringFlag(args, 'comment-key'),
        checkName: checkNameFrom(args),
        log,
        writeJobSummary: process.env.GITHUB_ACTIONS === 'true',
      });
      if (outcome.commentUrl) env.stdout(`${outcome.commentUrl}\n`);
      // The measuring run decided the verdict and the Check run carries it to the PR; this command only
      // reports, so it succeeds whatever the verdict (a red reporting job would point at the wrong thing).
      // A token GitHub refuses (401) has thrown by now: exit 3. A read-only token or a rate limit warned.
      const posted = [outcome.commentUrl && 'the PR comment', outcome.checkUrl && 'the Check run'].filter(Boolean).join(' and ');
      log.info(posted ? `posted ${posted} for the ${outcome.results.verdict} verdict` : `posted nothing for the ${outcome.results.verdict} verdict${outcome.warnings.length ? ' (see the warnings above)' : ''}`);
      return ExitCode.ok;
    }

    case 'init': {
      const root = resolve(stringFlag(args, 'dir') ?? '.');
      const detected = detectProject(root);
      const files = starterFiles(detected);
      const force = booleanFlag(args, 'force') ?? false;
      const existing = files.filter((f) => existsSync(join(root, f.path)));
      if (existing.length && !force) throw new InputError(`init: ${existing.map((f) => f.path).join(' and ')} already exist${existing.length === 1 ? 's' : ''} in ${root}; pass --force to overwrite`);
      for (const file of files) {
        mkdirSync(dirname(join(root, file.path)), { recursive: true });
        writeFileSync(join(root, file.path), file.content);
      }
      const what = [detected.language, detected.framework, detected.dockerfile ? 'Dockerfile' : 'no Dockerfile', detected.sqlMigrationsDir ? `SQL migrations in ${detected.sqlMigrationsDir}` : detected.migrationCommand ? `migrations by ${detected.migrationCommand.join(' ')}` : 'no migrations found'].filter(Boolean).join(', ');
      env.stdout(`detected: ${what}\nwrote ${files.map((f) => f.path).join(' and ')}; edit the lines marked <-, then run 'npx perf-gate validate'\n`);
      return ExitCode.ok;
    }

    case 'dashboard': {
      const config = configFor(args, env);
      if (config.metrics.length === 0) log.warning(`${config.source} defines no server metrics: the dashboard has no panels`);
      const dashboard = grafanaDashboard(config, { title: stringFlag(args, 'title') });
      env.stdout(`${JSON.stringify(dashboard, null, 2)}\n`);
      return ExitCode.ok;
    }

    case 'validate': {
      const config = configFor(args, env);
      await loadWorkload(config);
      env.stdout(
        `${config.source}: valid. ${config.targets.length} targets (${config.targets.map((t) => t.expression).join('; ')}); ` +
          `${config.metrics.length} server metrics; baseline ${config.backend.baseline.kind}, candidate ${config.backend.candidate.kind}; ` +
          `${config.load.pairs}-${config.load.maxPairs} round pairs of ${config.load.roundDurationMs / 1000} s.\n`,
      );
      return ExitCode.ok;
    }
  }
  throw new InputError(`command '${name}': not known`);
}

/** The first stage as a dry run: no state file, no report folder, no server, nothing migrated or copied. */
async function dryRunDatabaseStage(config: PerfGateConfig, log: Logger): Promise<number> {
  await loadWorkload(config);
  await migrateStageDryRun({ config, log });
  return ExitCode.ok;
}

async function migrateDirect(args: ParsedArgs, env: CommandEnv, dir: string | undefined, command: string[] | undefined): Promise<number> {
  const { log } = env;
  const url = stringFlag(args, 'database-url');
  if (!url) throw invalidValue('--database-url', undefined, 'the URL of the database to migrate (or PERF_GATE_DATABASE_URL)');
  for (const s of databaseSecrets(url)) log.addSecret(s);
  if (dir && command) throw new InputError('migrate: give either --dir (SQL files) or --command (your own script), not both');
  // A config, when given, brings its own production pattern and opt-out; otherwise the default pattern.
  const database = stringFlag(args, 'config') ? configFor(args, env).database : undefined;
  assertNotProduction(url, {
    pattern: database?.productionPattern,
    allow: (booleanFlag(args, 'allow-production') ?? false) || (database?.allowProduction ?? false),
    inputName: '--database-url',
  });
  const dryRun = booleanFlag(args, 'dry-run') ?? false;
  if (command) {
    if (dryRun) {
      env.stdout(`would run ${describeMigrationCommand(command, [url])} with DATABASE_URL=${maskDatabaseUrl(url)}; not run (dry run)\n`);
      return ExitCode.ok;
    }
    await runMigrationCommand({ command, databaseUrl: url, log });
    return ExitCode.ok;
  }
  const summary = await runMigrations({ databaseUrl: url, dir: dir!, to: stringFlag(args, 'to'), dryRun, log, urlInputName: '--database-url' });
  if (summary.dryRun) {
    env.stdout(summary.pending.length ? `would apply to ${maskDatabaseUrl(url)}:\n${summary.pending.map((p) => `-- ${p.name}\n${p.sql}`).join('\n')}\n` : 'nothing to apply\n');
  }
  return ExitCode.ok;
}
