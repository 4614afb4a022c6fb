/**
 * The embedded default: the seed's Phase 1 change on the reference backend (examples/backend-rag).
 * Baseline is pool 10, no early exit, schema before migration 022; candidate is pool 20, early exit
 * at 0.9, schema after 022. Targets are the seed's expected gains. `perf-gate demo` runs it; paths
 * are relative to the perf-gate package folder.
 */
export const DEFAULT_CONFIG_YAML = `# perf-gate embedded default: the reference RAG backend, Phase 1 (pool 10 -> 20, early exit at 0.9, migration 022)
database:
  # No url: a throwaway PostgreSQL server is started (a real cluster when server binaries exist, else PGlite).
  migrations:
    dir: examples/backend-rag/migrations
    to: "022"
  baseline:
    # The baseline runs on a copy of the database taken before 022 is applied; the candidate after it.
    strategy: template-copy
    before: "022"

backend:
  kind: command
  # The reference backend bundled with its dependencies (npm run build), so it runs from a checkout of
  # the action, which has no node_modules.
  command: [node, dist/backend-rag/index.mjs]
  portEnv: PORT
  databaseUrlEnv: DATABASE_URL
  healthPath: /health
  metricsPath: /metrics
  baseline:
    env: { DB_POOL_SIZE: "10", EARLY_EXIT_SCORE: "off" }
  candidate:
    env: { DB_POOL_SIZE: "20", EARLY_EXIT_SCORE: "0.9" }

load:
  mode: open
  rate: 40
  connections: 64
  roundDuration: 4s
  warmup: 3s
  pairs: 8
  maxPairs: 16
  design: shuffled-pairs
  seed: 20251217
  timeout: 10s
  workload:
    file: examples/backend-rag/queries.jsonl
    order: shuffled

metrics:
  - name: pipeline_time
    description: mean time of the whole RAG pipeline per search (server side)
    kind: histogram_mean
    metric: rag_pipeline_duration_seconds
    labels: { step: total }
    unit: ms
  - name: db_query_time
    description: mean database query time (server side)
    kind: histogram_mean
    metric: rag_db_query_duration_seconds
    unit: ms
  - name: early_exit_rate
    description: share of searches that skipped reranking
    kind: counter_ratio
    metric: rag_early_exit_total
    denominator: { metric: rag_searches_total }
    unit: ratio
    direction: higher-is-better
  - name: pool_wait_p95
    description: 95th percentile of the wait for a database connection
    kind: histogram_quantile
    quantile: 0.95
    metric: rag_db_pool_wait_seconds
    unit: ms

targets:
  - pipeline_time improves >= 20%
  - db_query_time improves >= 30%
  - early_exit_rate >= 30%
  - pool_wait_p95 < 10ms
  - error_rate <= 1%
  # Judged on the rehearsal of 022 under traffic: no request may wait a second on its locks.
  - migration_blocked_max < 1s

gate:
  confidence: 0.98
  minPairs: 5
  failOnInconclusive: false
`;
