/** `perf-gate dashboard`: a Grafana dashboard (JSON) for the config's server metrics. */
import { grafanaDashboard } from '../../dashboard/grafana.js';
import { ExitCode } from '../../errors.js';
import { type ParsedArgs, stringFlag } from '../args.js';
import { type CliContext, configFor } from './shared.js';

export async function dashboardCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const config = configFor(args, cli);
  if (config.metrics.length === 0)
    cli.log.warning(`${config.source} defines no server metrics: the dashboard has no panels`);
  const dashboard = grafanaDashboard(config, { title: stringFlag(args, 'title') });
  cli.stdout(`${JSON.stringify(dashboard, null, 2)}\n`);
  return ExitCode.ok;
}
