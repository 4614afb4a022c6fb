/** `perf-gate run` and `perf-gate demo`: the whole gate in this process. */
import { toAaConfig } from '../../config/aa-mode.js';
import { EMBEDDED_DEFAULT } from '../../config/load.js';
import { ExitCode, InfrastructureError, InputError } from '../../errors.js';
import { recordFromResults } from '../../history/record.js';
import { runWholeGate } from '../../pipeline/run-gate.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import { driftJudge, historyForRun } from './history.js';
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
  let history: Awaited<ReturnType<typeof historyForRun>> | undefined;
  try {
    history = historySpec ? await historyForRun(historySpec, cli, config, stringFlag(args, 'data-branch')) : undefined;
  } catch (error) {
    // A store that cannot be read costs the trend and the record, not the measurement.
    if (!(error instanceof InfrastructureError)) throw error;
    log.warning(`history: not read, so no trend and no record of this run: ${error.message}`);
  }
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
      releaseDrift: history?.releaseDrift,
      judgeDrift: driftJudge(history, cli, config),
    },
  });
  printResults(outcome.results, args, cli, outcome);
  // A run that measured is remembered, whatever its verdict; one that could not finish has nothing to keep.
  if (history && outcome.results.verdict !== 'error') {
    const record = recordFromResults(outcome.results, history.context);
    try {
      const { file } = await history.store.append(record);
      cli.stdout(`history: recorded in ${file} of ${history.store.description}\n`);
    } catch (error) {
      // The verdict stands; results.json is on disk and can be recorded later.
      if (!(error instanceof InfrastructureError)) throw error;
      log.warning(
        `history: this run was not recorded (${error.message}); record it later with: perf-gate history append --results ${outcome.resultsPath} --store ${historySpec}`,
      );
    }
  }
  return outcome.exitCode;
}

export const runGateCommand = (args: ParsedArgs, cli: CliContext) => wholeGate('run', args, cli);
export const demoCommand = (args: ParsedArgs, cli: CliContext) => wholeGate('demo', args, cli);
