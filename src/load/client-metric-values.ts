/**
 * Turns a round's client statistics into the values of the CLIENT_METRICS (model/round-record.ts), the shape
 * the statistics stage compares. Pure.
 */
import type { ClientRoundStats } from '../model/round-record.js';

export function clientMetricValues(stats: ClientRoundStats): Record<string, number | null> {
  // With no successful response there is no latency to speak of: null, not 0, so nothing averages a fake 0 in.
  const hasLatency = stats.ok > 0;
  const latency = (value: number) => (hasLatency ? value : null);
  return {
    latency_p50: latency(stats.latencyMs.p50),
    latency_p90: latency(stats.latencyMs.p90),
    latency_p95: latency(stats.latencyMs.p95),
    latency_p99: latency(stats.latencyMs.p99),
    latency_max: latency(stats.latencyMs.max),
    latency_mean: latency(stats.latencyMs.mean),
    // Successful completions per second: a backend that fails fast must not look faster for it.
    throughput: stats.requests > 0 ? (stats.achievedRate * stats.ok) / stats.requests : 0,
    error_rate: stats.requests > 0 ? (stats.requests - stats.ok) / stats.requests : null,
  };
}
