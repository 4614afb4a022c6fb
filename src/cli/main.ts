/**
 * The CLI and the action's steps share this entry. `main` holds the one place where errors become
 * exit codes; every module below it throws.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, errorMessage, InputError, PerfGateError } from '../errors.js';
import type { Logger } from '../log.js';
import { actionsRunner } from './actions-runner.js';
import { booleanFlag, type ParsedArgs, parseArgs, stringFlag } from './args.js';
import { COMMANDS, commandSpec, helpText, joinSubcommand } from './commands.js';
import { createLogger, runnerSafeStdout } from './loggers.js';
import { runCommand } from './run-command.js';

/** The folder holding package.json: dist/.. when bundled, src/.. in development. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'action.yml'))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

export function packageVersion(root = packageRoot()): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface CliIo {
  stdout: (text: string) => void;
  log?: Logger;
  /** The environment flags, the run context and the runner come from; the process's own by default. */
  env?: NodeJS.ProcessEnv;
  /** Where a perf-gate.yml is looked for when no --config is given; the process's own by default. */
  cwd?: string;
}

/** `perf-gate --quiet run` means `perf-gate run --quiet`: global switches may come before the command. */
function commandFirst(argv: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && (argv[i] === '--quiet' || argv[i] === '--verbose')) leading.push(argv[i++]!);
  return leading.length && i < argv.length ? [argv[i]!, ...leading, ...argv.slice(i + 1)] : argv;
}

export async function main(rawArgv: string[], io: CliIo = { stdout: (t) => process.stdout.write(t) }): Promise<number> {
  const argv = commandFirst(joinSubcommand(rawArgv));
  // The one read of the environment: everything below receives it (or what was read from it).
  const env = io.env ?? process.env;
  const stdout = runnerSafeStdout(io.stdout, env);
  const root = packageRoot();
  const version = packageVersion(root);
  let args: ParsedArgs | undefined;
  let log: Logger | undefined = io.log;
  try {
    if (argv[0] === '--version' || argv[0] === 'version') {
      stdout(`${version}\n`);
      return ExitCode.ok;
    }
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      if (argv[0] === 'help' && argv[1] && !commandSpec(argv[1]))
        throw new InputError(
          `help: command '${argv[1]}' is not known; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
        );
      stdout(`${helpText(version, argv[0] === 'help' ? commandSpec(argv[1]) : undefined)}\n`);
      return ExitCode.ok;
    }
    const spec = commandSpec(argv[0]);
    if (!spec)
      throw new InputError(`command '${argv[0]}': not known; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    args = parseArgs(argv, (name) => commandSpec(name)?.flags, env);
    if (booleanFlag(args, 'help')) {
      stdout(`${helpText(version, spec)}\n`);
      return ExitCode.ok;
    }
    if (args.positionals.length > 0)
      throw new InputError(
        `command '${spec.name}': unexpected argument '${args.positionals[0]}'; flags are written --name value`,
      );
    log ??= createLogger({ quiet: booleanFlag(args, 'quiet'), verbose: booleanFlag(args, 'verbose') }, env);
    const found = spec.flags.some((f) => f.name === 'config')
      ? discoverConfig(args, io.cwd ?? process.cwd())
      : undefined;
    if (found) {
      args.flags.config = found;
      log.info(`config: ${found} (found in the current folder; --config names another)`);
    }
    return await runCommand(spec.name, args, {
      log,
      packageRoot: root,
      version,
      stdout,
      env,
      runner: actionsRunner(env),
    });
  } catch (error) {
    log ??= createLogger({}, env);
    const code = error instanceof PerfGateError ? error.exitCode : ExitCode.infrastructure;
    log.error(errorMessage(error));
    if (!(error instanceof PerfGateError) && error instanceof Error && error.stack) log.debug(error.stack);
    if (args && stringFlag(args, 'state') === undefined && code === ExitCode.invalidInput)
      log.info("run 'perf-gate --help' for usage");
    return code;
  }
}

/** Config files a command reads from the current folder when neither --config nor PERF_GATE_CONFIG names one. */
export const CONFIG_FILE_NAMES = ['perf-gate.yml', 'perf-gate.yaml'];

/**
 * The current folder's perf-gate.yml, for a command that takes --config and was given none: what
 * `init` writes is what `validate` and `run` then read. Not for migrate's direct mode (--dir, --command),
 * which reads a config only when it is named, nor for the stages after the first, which read the state's.
 */
function discoverConfig(args: ParsedArgs, cwd: string): string | undefined {
  if (args.flags.config !== undefined) return undefined;
  // The later stages read the config the first stage recorded in the state file.
  if (args.command === 'boot' || args.command === 'bench' || args.command === 'compare') return undefined;
  if (args.command === 'migrate' && (args.flags.dir !== undefined || args.flags.command !== undefined))
    return undefined;
  const name = CONFIG_FILE_NAMES.find((file) => existsSync(join(cwd, file)));
  return name && resolve(cwd) !== process.cwd() ? join(cwd, name) : name;
}
