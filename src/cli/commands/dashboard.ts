/** `perf-gate dashboard`: a Grafana dashboard (JSON) for the config's server metrics, with canary-vs-stable panels on request. */
import { grafanaDashboard } from '../../dashboard/grafana.js';
import { historyDashboard } from '../../dashboard/history-dashboard.js';
import { ExitCode, InputError } from '../../errors.js';
import { matcherText, parseLabelMatchers } from '../../verify/label-matcher.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import { type CliContext, configFor } from './shared.js';

export async function dashboardCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  if (booleanFlag(args, 'history')) {
    for (const flag of ['canary', 'stable', 'config'])
      if (stringFlag(args, flag) !== undefined)
        throw new InputError(
          `--${flag}: the history dashboard reads the PostgreSQL store, not a config's metrics; leave out --${flag} or --history`,
        );
    cli.stdout(`${JSON.stringify(historyDashboard({ title: stringFlag(args, 'title') }), null, 2)}\n`);
    return ExitCode.ok;
  }
  const config = configFor(args, cli);
  if (config.metrics.length === 0)
    cli.log.warning(`${config.source} defines no server metrics: the dashboard has no panels`);
  const canary = stringFlag(args, 'canary');
  const stable = stringFlag(args, 'stable');
  if ((canary === undefined) !== (stable === undefined))
    throw new InputError('--canary and --stable: give both, the label matchers of each variant (version="canary")');
  // Parsed and written back by perf-gate, as verify does: a matcher cannot close the selector it sits in.
  const variants =
    canary !== undefined && stable !== undefined
      ? {
          canary: parseLabelMatchers(canary, '--canary').map(matcherText),
          stable: parseLabelMatchers(stable, '--stable').map(matcherText),
        }
      : undefined;
  const dashboard = grafanaDashboard(config, { title: stringFlag(args, 'title'), variants });
  cli.stdout(`${JSON.stringify(dashboard, null, 2)}\n`);
  return ExitCode.ok;
}
