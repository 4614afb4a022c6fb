/**
 * The migration rehearsal's figures that targets may name (`migration_blocked_max < 1s`). Each is one
 * measurement of one rehearsal, not a sample of rounds: a target on it is judged on the measured value,
 * without an interval, and stays out of the paired analysis and its family-wise error.
 */
import type { MetricDirection, MetricUnit } from './round-record.js';

export interface RehearsalMetricInfo {
  name: 'migration_blocked_max' | 'migration_error_rate' | 'migration_p99' | 'migration_duration';
  unit: MetricUnit;
  direction: MetricDirection;
  source: 'rehearsal';
  description: string;
  /** "worsens <= N%" is allowed: the value while the migration ran against the traffic just before it. */
  relative: boolean;
}

export const REHEARSAL_METRICS: readonly RehearsalMetricInfo[] = [
  {
    name: 'migration_blocked_max',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'rehearsal',
    description: 'longest wait of a request session on a lock the migration held, during the rehearsal',
    relative: false,
  },
  {
    name: 'migration_error_rate',
    unit: 'ratio',
    direction: 'lower-is-better',
    source: 'rehearsal',
    description: 'share of the requests sent while the migration ran that failed',
    relative: false,
  },
  {
    name: 'migration_p99',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'rehearsal',
    description: 'client latency p99 while the migration ran ("worsens": against the traffic just before it)',
    relative: true,
  },
  {
    name: 'migration_duration',
    unit: 'ms',
    direction: 'lower-is-better',
    source: 'rehearsal',
    description: 'time the migrations under test took to apply under traffic',
    relative: false,
  },
];

export function rehearsalMetric(name: string): RehearsalMetricInfo | undefined {
  return REHEARSAL_METRICS.find((m) => m.name === name);
}
