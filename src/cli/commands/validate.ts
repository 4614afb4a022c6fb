/** `perf-gate validate`: check a config file (and its workload) without running anything. */
import { ExitCode } from '../../errors.js';
import { loadWorkload } from '../../pipeline/stages/bench.js';
import type { ParsedArgs } from '../args.js';
import { type CliContext, configFor } from './shared.js';

export async function validateCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const config = configFor(args, cli);
  await loadWorkload(config);
  cli.stdout(
    `${config.source}: valid. ${config.targets.length} targets (${config.targets.map((t) => t.expression).join('; ')}); ` +
      `${config.metrics.length} server metrics; baseline ${config.backend.baseline.kind}, candidate ${config.backend.candidate.kind}; ` +
      `${config.load.pairs}-${config.load.maxPairs} round pairs of ${config.load.roundDurationMs / 1000} s.\n`,
  );
  return ExitCode.ok;
}
