// The Prometheus metrics the service exposes on /metrics. perf-gate's default configuration
// scrapes these exact names and labels; renaming one breaks the gate's default targets.
import client from 'prom-client';

// Latency buckets from 0.5 ms to 5 s, roughly 1-2-3-5 per decade with extra steps between 5 and
// 100 ms where this service's steps land, so histogram_quantile() interpolates within a bucket
// that is at most ~1.5x wide in the interesting range.
export const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075,
  0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5,
];

// Pool wait is usually near zero and the target is "p95 < 10 ms", so resolve 0.1-10 ms finely.
export const POOL_WAIT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export const PIPELINE_STEPS = ['golden_lookup', 'retrieval', 'rerank', 'total'];
export const DB_QUERIES = ['golden_lookup', 'retrieval'];

/** A fresh registry with the service's metrics and prom-client's default process metrics. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const pipelineDuration = new client.Histogram({
    name: 'rag_pipeline_duration_seconds',
    help: 'Time spent in each step of the search pipeline; step="total" is the whole request.',
    labelNames: ['step'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const dbQueryDuration = new client.Histogram({
    name: 'rag_db_query_duration_seconds',
    help: 'Time of each database query, from sending it to having all rows.',
    labelNames: ['query'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const poolWait = new client.Histogram({
    name: 'rag_db_pool_wait_seconds',
    help: 'Time from asking the connection pool for a client until getting one.',
    buckets: POOL_WAIT_BUCKETS,
    registers: [registry],
  });
  const searches = new client.Counter({
    name: 'rag_searches_total',
    help: 'Searches answered (successfully or not).',
    registers: [registry],
  });
  const reranks = new client.Counter({
    name: 'rag_rerank_total',
    help: 'Searches that ran the rerank step.',
    registers: [registry],
  });
  const earlyExits = new client.Counter({
    name: 'rag_early_exit_total',
    help: 'Searches that skipped the rerank because a golden answer hit or the top score was above EARLY_EXIT_SCORE.',
    registers: [registry],
  });
  // Export every label value from the first scrape on, so a scrape before any traffic (or a
  // candidate that never reranks) still shows each series at zero instead of leaving it out.
  for (const step of PIPELINE_STEPS) pipelineDuration.zero({ step });
  for (const query of DB_QUERIES) dbQueryDuration.zero({ query });
  return { registry, pipelineDuration, dbQueryDuration, poolWait, searches, reranks, earlyExits };
}
