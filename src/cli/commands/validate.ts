/**
 * `perf-gate validate`: check a config file (and its workload) without running anything. A config is
 * often checked where its run's environment is not (an editor, a pre-commit hook, a fork's CI): unset
 * `${NAME}` variables and a workload file that is not there yet are reported as resolved at run time
 * (warnings, exit 0); `--strict` refuses them as a run would.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PerfGateConfig } from '../../config/config.js';
import type { UnsetVariables } from '../../config/load.js';
import { ExitCode, InputError } from '../../errors.js';
import { countMetricsOf, undecidableTargets } from '../../gate/decidability.js';
import { loadWorkload } from '../../pipeline/stages/bench.js';
import { booleanFlag, type ParsedArgs } from '../args.js';
import { type CliContext, configFor, overridesFrom } from './shared.js';

export async function validateCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const strict = booleanFlag(args, 'strict') === true;
  const unset: UnsetVariables | undefined = strict ? undefined : { found: [] };
  let config: PerfGateConfig;
  try {
    config = configFor(args, cli, overridesFrom(args), unset);
  } catch (error) {
    // A stand-in may be what a later check refused ("got \"unset\""): say which variables were stood in for.
    const refusedStandIn = error instanceof InputError && /"unset"|unset\.invalid/.test(error.message);
    if (!refusedStandIn || !unset || unset.found.length === 0) throw error;
    const names = [...new Set(unset.found.map((u) => `\${${u.name}}`))].join(', ');
    throw new InputError(
      `${error.message} (not set here, so validate put a stand-in in place of ${names}; set them as the run will, or use --strict)`,
    );
  }
  const atRunTime = (unset?.found ?? []).map(
    ({ name, key }) => `config key '${key}': \${${name}} is not set here; it is read from the environment at run time`,
  );
  const workloadFile = config.load.workload.file ? resolve(config.baseDir, config.load.workload.file) : undefined;
  if (!strict && workloadFile && !existsSync(workloadFile))
    atRunTime.push(`config key 'load.workload.file': ${workloadFile} does not exist here; it is read at run time`);
  else await loadWorkload(config);
  for (const line of atRunTime) cli.log.warning(line);
  const undecidable = undecidableTargets(config.targets, config.load, config.gate.confidence, countMetricsOf(config));
  for (const { expression, reason } of undecidable)
    cli.log.warning(`target '${expression}' can never be decided with these settings: ${reason}`);
  cli.stdout(
    `${config.source}: valid. ${config.targets.length} targets (${config.targets.map((t) => t.expression).join('; ')}); ` +
      (config.rehearsalTargets?.length
        ? `${config.rehearsalTargets.length} on the migration rehearsal (${config.rehearsalTargets.map((t) => t.expression).join('; ')}); `
        : '') +
      (config.driftTargets?.length
        ? `${config.driftTargets.length} on the drift over the recorded history (${config.driftTargets.map((t) => t.expression).join('; ')}; judged only with --history); `
        : '') +
      `${config.metrics.length} server metrics; baseline ${config.backend.baseline.kind}, candidate ${config.backend.candidate.kind}; ` +
      `${config.load.pairs}-${config.load.maxPairs} round pairs of ${config.load.roundDurationMs / 1000} s.` +
      (atRunTime.length > 0
        ? ` ${atRunTime.length} value(s) resolved at run time, not checked here (see the warnings; --strict refuses them).`
        : '') +
      (undecidable.length > 0
        ? ` ${undecidable.length} target(s) can never be decided with these settings (see the warnings).`
        : '') +
      '\n',
  );
  return ExitCode.ok;
}
