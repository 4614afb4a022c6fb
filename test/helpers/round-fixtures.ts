import type { MetricInfo, RoundRecord } from '../../src/model/round-record.js';
import { createRandom } from '../../src/stats/prng.js';

/** Rounds as the load stage records them, with only what the statistics read filled in meaningfully. */
export function round(
  pair: number,
  variant: 'baseline' | 'candidate',
  values: Record<string, number | null>,
  valid = true,
): RoundRecord {
  return {
    index: pair * 2 + (variant === 'baseline' ? 0 : 1),
    pair,
    variant,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, pair * 10)).toISOString(),
    durationMs: 4000,
    valid,
    invalidReasons: valid ? [] : ['rate missed'],
    flags: [],
    client: {
      requests: 1000,
      ok: 1000,
      errors: { status: {}, timeout: 0, reset: 0, other: 0 },
      achievedRate: 250,
      latencyMs: { p50: 1, p90: 2, p95: 3, p99: 4, max: 5, mean: 1.5 },
    },
    values,
  };
}

/**
 * n pairs of one metric: baseline around `level`, candidate = baseline × ratio, each round with
 * independent log-normal noise of `noise` (log-scale sd), seeded.
 */
export function pairedRounds(
  metric: string,
  n: number,
  ratio: number,
  noise: number,
  seed: number,
  level = 100,
): RoundRecord[] {
  const random = createRandom(seed);
  const rounds: RoundRecord[] = [];
  for (let k = 0; k < n; k++) {
    const shared = level * Math.exp(0.1 * random.normal());
    rounds.push(round(k, 'baseline', { [metric]: shared * Math.exp(noise * random.normal()) }));
    rounds.push(round(k, 'candidate', { [metric]: shared * ratio * Math.exp(noise * random.normal()) }));
  }
  return rounds;
}

/** Merges per-metric round lists built with the same pair numbers into one list of rounds. */
export function mergeRounds(...lists: RoundRecord[][]): RoundRecord[] {
  const byKey = new Map<string, RoundRecord>();
  for (const list of lists) {
    for (const r of list) {
      const key = `${r.pair}/${r.variant}`;
      const existing = byKey.get(key);
      byKey.set(
        key,
        existing ? { ...existing, values: { ...existing.values, ...r.values }, valid: existing.valid && r.valid } : r,
      );
    }
  }
  return [...byKey.values()].sort((a, b) => a.index - b.index);
}

export const METRICS: MetricInfo[] = [
  { name: 'pipeline_time', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pipeline time' },
  { name: 'throughput', unit: 'req/s', direction: 'higher-is-better', source: 'client', description: 'throughput' },
  { name: 'pool_wait_p95', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pool wait p95' },
  {
    name: 'early_exit_ratio',
    unit: 'ratio',
    direction: 'higher-is-better',
    source: 'server',
    description: 'early exit share',
  },
  { name: 'db_query_time', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'db time' },
];
