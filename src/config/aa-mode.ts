/**
 * A/A mode: the candidate measured against itself, to see the runner's noise. Both variants get the
 * candidate's backend settings and database, and every metric the targets name is judged with a
 * zero-tolerance regression guard ("M worsens <= 0%"). With no real difference a guard should never
 * fail; a failure is a false alarm. The report's "Detectable" column is then the noise floor: the
 * smallest change this runner and budget could have decided.
 */
import type { Target } from '../gate/target.js';
import type { PerfGateConfig } from './config.js';

export function aaTargets(targets: readonly Target[]): Target[] {
  const metrics = [...new Set(targets.map((t) => t.metric))];
  return metrics.map((metric) => ({ kind: 'regression', expression: `${metric} worsens <= 0%`, metric, maxRegression: 0 }));
}

export function toAaConfig(config: PerfGateConfig): PerfGateConfig {
  const candidate = config.backend.candidate;
  return {
    ...config,
    // The baseline copy of the database is not wanted: both variants on the fully migrated database.
    database: { ...config.database, baseline: { strategy: 'shared' } },
    backend: { baseline: { ...candidate, env: { ...candidate.env } }, candidate: { ...candidate, env: { ...candidate.env } } },
    targets: aaTargets(config.targets),
  };
}
