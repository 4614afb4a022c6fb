/**
 * What the command handlers share: what every command receives from main(), and the few steps several
 * of them take (loading the config, reloading it for a later stage, printing results, the publishing
 * flags). The environment is read here, at the edge, and passed down.
 */
import { resolve } from 'node:path';
import type { PerfGateConfig } from '../../config/config.js';
import { type ConfigOverrides, loadConfig, type UnsetVariables } from '../../config/load.js';
import { databaseSecrets } from '../../database/database-url.js';
import { ExitCode, invalidValue } from '../../errors.js';
import { readRunContext } from '../../github/event-context.js';
import { publish } from '../../github/publish.js';
import type { CommentMode } from '../../github/sticky-comment.js';
import type { Logger } from '../../log.js';
import { inertLogText } from '../../log-line.js';
import type { StageContext } from '../../pipeline/context.js';
import { createContext } from '../../pipeline/run-gate.js';
import { DEFAULT_STATE_PATH, type RunState, readRunState } from '../../pipeline/run-state.js';
import { loadWorkload } from '../../pipeline/stages/bench.js';
import type { CompareOptions } from '../../pipeline/stages/compare.js';
import { migrateStageDryRun } from '../../pipeline/stages/migrate.js';
import type { Results } from '../../report/results.js';
import { renderTerminal } from '../../report/terminal.js';
import type { ActionsRunner } from '../actions-runner.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';

export interface CliContext {
  log: Logger;
  packageRoot: string;
  version: string;
  stdout: (text: string) => void;
  /** The process environment, read once in main(). */
  env: NodeJS.ProcessEnv;
  /** The step's outputs and job summary; undefined outside GitHub Actions. */
  runner?: ActionsRunner;
}

/** One command: its parsed flags in, its exit code out. */
export type CommandHandler = (args: ParsedArgs, cli: CliContext) => Promise<number>;

export function overridesFrom(args: ParsedArgs): ConfigOverrides {
  return {
    databaseUrl: stringFlag(args, 'database-url'),
    failOnInconclusive: booleanFlag(args, 'fail-on-inconclusive'),
    reportDir: stringFlag(args, 'report-dir'),
    budget: stringFlag(args, 'budget'),
  };
}

export function configFor(
  args: ParsedArgs,
  cli: CliContext,
  overrides = overridesFrom(args),
  unset?: UnsetVariables,
): PerfGateConfig {
  if (overrides.databaseUrl) for (const s of databaseSecrets(overrides.databaseUrl)) cli.log.addSecret(s);
  const config = loadConfig({
    path: stringFlag(args, 'config') || undefined,
    packageRoot: cli.packageRoot,
    env: cli.env,
    overrides,
    ...(unset ? { unset } : {}),
  });
  for (const secret of config.secrets) cli.log.addSecret(secret);
  // A URL written in the file (or filled from ${VAR}) is as secret as one given as a flag.
  for (const url of [
    config.database.url,
    config.database.baseline.strategy === 'separate-url' ? config.database.baseline.url : undefined,
  ]) {
    if (url) for (const s of databaseSecrets(url)) cli.log.addSecret(s);
  }
  return config;
}

/** Later stages reload the config the first stage used, with the same overrides. */
export function configFromState(state: RunState, cli: CliContext, args: ParsedArgs): PerfGateConfig {
  const overrides: ConfigOverrides = { ...state.overrides };
  const failOnInconclusive = booleanFlag(args, 'fail-on-inconclusive');
  if (failOnInconclusive !== undefined) overrides.failOnInconclusive = failOnInconclusive;
  return loadConfig({
    path: state.configPath ?? undefined,
    packageRoot: cli.packageRoot,
    env: cli.env,
    overrides: { ...overrides, reportDir: state.reportDir },
  });
}

/** A later stage's context: the state file named by --state, and the config the first stage used. */
export function stageContextFromState(args: ParsedArgs, cli: CliContext): { state: RunState; ctx: StageContext } {
  const path = statePath(args);
  const state = readRunState(path);
  const config = configFromState(state, cli, args);
  const ctx = createContext({
    config,
    log: cli.log,
    state,
    statePath: path,
    packageRoot: cli.packageRoot,
    env: cli.env,
  });
  return { state, ctx };
}

export function statePath(args: ParsedArgs): string {
  return resolve(stringFlag(args, 'state') ?? DEFAULT_STATE_PATH);
}

export function printResults(
  results: Results,
  args: ParsedArgs,
  cli: CliContext,
  paths: { resultsPath: string; reportPath: string },
): void {
  if (booleanFlag(args, 'json')) cli.stdout(`${JSON.stringify(results, null, 2)}\n`);
  // The table quotes targets and error messages: made inert like every log line (src/log-line.ts).
  else
    cli.stdout(
      `\n${inertLogText(renderTerminal(results))}\n\nresults: ${paths.resultsPath}\nreport:  ${paths.reportPath}\n`,
    );
}

/**
 * The Check run's name. An empty value (`check-name: ''` in the action, which reaches us as an empty
 * PERF_GATE_CHECK_NAME) means "no Check"; absent means the default name.
 */
export function checkNameFrom(args: ParsedArgs, env: NodeJS.ProcessEnv): string | undefined {
  const given = stringFlag(args, 'check-name') ?? (env.PERF_GATE_CHECK_NAME === '' ? '' : undefined);
  if (given === undefined) return 'perf-gate';
  return given.trim() === '' ? undefined : given;
}

export function commentMode(args: ParsedArgs): CommentMode {
  const mode = stringFlag(args, 'comment-mode') ?? 'update';
  if (mode !== 'update' && mode !== 'recreate' && mode !== 'off')
    throw invalidValue('comment-mode', mode, "'update', 'recreate' or 'off'");
  return mode;
}

/** The PR comment and Check settings a command was given (run and demo take none: no token, no Check). */
export interface PublishSettings {
  token?: string;
  commentMode: CommentMode;
  commentKey?: string;
  checkName?: string;
}

/**
 * The compare stage's options: the run context from the environment and, inside GitHub Actions only,
 * a publisher: outputs, job summary, PR comment and Check through publish() (src/github/publish.ts).
 */
export function compareOptions(cli: CliContext, settings: PublishSettings, configPath: string | null): CompareOptions {
  const context = readRunContext(cli.env);
  const { runner, log, env } = cli;
  if (!runner) return { version: cli.version, context };
  const github = {
    ...settings,
    context,
    apiUrl: env.GITHUB_API_URL,
    workspace: env.GITHUB_WORKSPACE,
    cwd: process.cwd(),
  };
  return {
    version: cli.version,
    context,
    publish: (results, files) =>
      publish(results, { log, github, jobSummary: runner, outputs: runner }, { configPath, files }),
  };
}

/** The first stage as a dry run: no state file, no report folder, no server, nothing migrated or copied. */
export async function dryRunDatabaseStage(config: PerfGateConfig, log: Logger): Promise<number> {
  await loadWorkload(config);
  await migrateStageDryRun({ config, log });
  return ExitCode.ok;
}
