/**
 * A/A mode: the candidate measured against itself, to see the runner's noise. Both variants get the
 * candidate's backend settings and database, and every metric the targets name is judged with a
 * zero-tolerance regression guard ("M worsens <= 0%"). With no real difference a guard should never
 * fail; a failure is a false alarm. The report's "Detectable" column is then the noise floor: the
 * smallest change this runner and budget could have decided.
 */
import type { Target } from '../gate/target.js';
import type { BackendConfig, PerfGateConfig } from './config.js';

/**
 * A zero-tolerance guard of A/A mode, with the configured targets on its metric it stands for, so the
 * report can say which bounds were replaced by which (a configured "worsens <= 5%" is judged as "<= 0%").
 */
export type AaTarget = Extract<Target, { kind: 'regression' }> & { replaces: string[] };

export function aaTargets(targets: readonly Target[]): AaTarget[] {
  const metrics = [...new Set(targets.map((t) => t.metric))];
  return metrics.map((metric) => ({
    kind: 'regression',
    expression: `${metric} worsens <= 0%`,
    metric,
    maxRegression: 0,
    replaces: targets.filter((t) => t.metric === metric).map((t) => t.expression),
  }));
}

/** The configured expressions an A/A guard replaced; none for a target that is not one. */
export function replacedTargets(target: Target): string[] {
  const replaces = (target as Partial<AaTarget>).replaces;
  return Array.isArray(replaces) ? replaces.filter((e): e is string => typeof e === 'string') : [];
}

export function toAaConfig(config: PerfGateConfig): PerfGateConfig {
  const candidate = config.backend.candidate;
  // Each variant gets its own copy of the environment, so a change to one never reaches the other.
  const copy = (): BackendConfig =>
    candidate.kind === 'url' ? { ...candidate } : { ...candidate, env: { ...candidate.env } };
  return {
    ...config,
    // The baseline copy of the database is not wanted: both variants on the fully migrated database.
    database: { ...config.database, baseline: { strategy: 'shared' } },
    backend: { baseline: copy(), candidate: copy() },
    targets: aaTargets(config.targets),
    // No baseline copy means no rehearsal: its targets have nothing to say about the noise.
    rehearsalTargets: undefined,
    driftTargets: undefined,
  };
}
