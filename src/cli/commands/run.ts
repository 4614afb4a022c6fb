/** `perf-gate run` and `perf-gate demo`: the whole gate in this process. */
import { toAaConfig } from '../../config/aa-mode.js';
import { EMBEDDED_DEFAULT } from '../../config/load.js';
import { ExitCode, InputError } from '../../errors.js';
import { recordFromResults } from '../../history/record.js';
import { runWholeGate } from '../../pipeline/run-gate.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import { historyForRun } from './history.js';
import { type CliContext, compareOptions, configFor, dryRunDatabaseStage, printResults, statePath } from './shared.js';

async function wholeGate(name: 'run' | 'demo', args: ParsedArgs, cli: CliContext): Promise<number> {
  const { log } = cli;
  if (name === 'demo' && stringFlag(args, 'config'))
    throw new InputError("demo: runs the embedded default; use 'perf-gate run --config FILE' for your own config");
  const aa = booleanFlag(args, 'aa') ?? false;
  const loaded = configFor(args, cli);
  const config = aa ? toAaConfig(loaded) : loaded;
  log.info(
    `perf-gate ${cli.version}: ${config.source === EMBEDDED_DEFAULT ? 'embedded default (reference RAG backend)' : config.source}${aa ? ', A/A check (the candidate against itself)' : ''}`,
  );
  if (booleanFlag(args, 'dry-run')) {
    await dryRunDatabaseStage(config, log);
    log.info('dry run: stopping before the backends boot; no state file and no report were written');
    return ExitCode.ok;
  }
  const configPath = stringFlag(args, 'config') ?? null;
  const historySpec = stringFlag(args, 'history');
  const history = historySpec
    ? await historyForRun(historySpec, cli, config, stringFlag(args, 'data-branch'))
    : undefined;
  const outcome = await runWholeGate({
    config,
    log,
    statePath: statePath(args),
    packageRoot: cli.packageRoot,
    configPath,
    preferPglite: booleanFlag(args, 'pglite'),
    aa,
    env: cli.env,
    // No token: inside Actions the whole gate writes the job summary and the outputs, no comment or Check.
    report: {
      ...compareOptions(cli, { commentMode: 'update' }, configPath),
      trends: history?.trends,
      judgeDrift: history?.judgeDrift,
    },
  });
  printResults(outcome.results, args, cli, outcome);
  // A run that measured is remembered, whatever its verdict; one that could not finish has nothing to keep.
  if (history && outcome.results.verdict !== 'error') {
    const record = recordFromResults(outcome.results, history.context);
    const { file } = await history.store.append(record);
    cli.stdout(`history: recorded in ${file} of ${history.store.description}\n`);
  }
  return outcome.exitCode;
}

export const runGateCommand = (args: ParsedArgs, cli: CliContext) => wholeGate('run', args, cli);
export const demoCommand = (args: ParsedArgs, cli: CliContext) => wholeGate('demo', args, cli);
