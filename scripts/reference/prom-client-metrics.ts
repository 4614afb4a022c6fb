/**
 * Records real /metrics output of prom-client (the library the RAG example backend uses) as fixtures:
 * test/fixtures/metrics/prom-client.prom         (Prometheus text 0.0.4, prom-client's default)
 * test/fixtures/metrics/prom-client.openmetrics  (OpenMetrics 1.0, with exemplars)
 * The observations are fixed, so test/metrics/real-exposition.test.ts can check exact bucket counts;
 * the default process metrics (process_start_time_seconds...) are whatever this process had when run.
 *
 * Run: npx tsx scripts/reference/prom-client-metrics.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  Registry,
  type RegistryContentType,
  Summary,
} from 'prom-client';

const PIPELINE_OBSERVATIONS: Record<string, number[]> = {
  golden_lookup: [0.0004, 0.0009, 0.0011, 0.0021, 0.0008],
  retrieval: [0.004, 0.012, 0.018, 0.031, 0.055, 0.26],
  rerank: [0.021, 0.034, 0.04],
  total: [0.006, 0.03, 0.06, 0.09, 0.31, 1.7, 7.5],
};

async function render(contentType: 'prometheus' | 'openmetrics'): Promise<string> {
  const register = new Registry<RegistryContentType>();
  register.setContentType(
    contentType === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE,
  );
  collectDefaultMetrics({ register });
  const exemplars = contentType === 'openmetrics';

  // <string>: exemplar labels (trace_id) are typed like metric labels in prom-client's declarations.
  const pipeline = new Histogram<string>({
    name: 'rag_pipeline_duration_seconds',
    help: 'Time spent in each step of the search pipeline.',
    labelNames: ['step'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [register],
    enableExemplars: exemplars,
  });
  for (const [step, values] of Object.entries(PIPELINE_OBSERVATIONS)) {
    for (const [i, value] of values.entries()) {
      if (exemplars) pipeline.observe({ labels: { step }, value, exemplarLabels: { trace_id: `trace-${step}-${i}` } });
      else pipeline.observe({ step }, value);
    }
  }
  const pool = new Histogram({
    name: 'rag_db_pool_wait_seconds',
    help: 'Time from asking the pool for a client until getting one.',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
    registers: [register],
  });
  for (const value of [0.00005, 0.0002, 0.0002, 0.003, 0.02, 0.2]) pool.observe(value);

  const searches = new Counter({ name: 'rag_searches_total', help: 'Searches served.', registers: [register] });
  const earlyExit = new Counter({
    name: 'rag_early_exit_total',
    help: 'Searches that skipped rerank.',
    registers: [register],
  });
  const errors = new Counter({
    name: 'rag_errors_total',
    help: 'Errors by kind, with "quotes", a back\\slash and a\nnewline in the help.',
    labelNames: ['kind'],
    registers: [register],
  });
  searches.inc(21);
  earlyExit.inc(8);
  errors.inc({ kind: 'db "timeout"\\path\nsecond line' }, 2);
  errors.inc({ kind: 'plain' });
  // Declared but never incremented: prom-client prints HELP and TYPE with no samples.
  new Counter({ name: 'rag_unused_total', help: 'Never incremented.', labelNames: ['x'], registers: [register] });

  const inFlight = new Gauge({ name: 'rag_in_flight_requests', help: 'Requests being served.', registers: [register] });
  inFlight.set(3);
  const summary = new Summary({
    name: 'rag_response_bytes',
    help: 'Response sizes.',
    labelNames: ['route'],
    percentiles: [0.5, 0.9, 0.99],
    registers: [register],
  });
  for (const bytes of [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
    summary.observe({ route: '/api/search' }, bytes);
  return register.metrics();
}

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', 'test', 'fixtures', 'metrics');
writeFileSync(join(fixtures, 'prom-client.prom'), await render('prometheus'));
writeFileSync(join(fixtures, 'prom-client.openmetrics'), await render('openmetrics'));
process.stdout.write(`wrote prom-client fixtures to ${fixtures}\n`);
