import { errorMessage, InfrastructureError, InputError } from '../errors.js';
import type { ServerMetricsHooks as BenchmarkMetricsHooks } from '../load/run-benchmark.js';
import type { Logger } from '../log.js';
import type { Variant } from '../model/round-record.js';
import { computeServerMetrics, type ServerMetricsResult } from './compute-server-metrics.js';
import type { Exposition } from './exposition.js';
import { parseExposition } from './parse-exposition.js';
import { type MetricsFetcher, redactUrl, scrapeMetrics } from './scrape-metrics.js';
import type { ServerMetricDefinition } from './server-metric-definition.js';

/**
 * Glue for the benchmark loop: the `serverMetrics` hooks it is given (scrape before and after each
 * round, then compute). The load stage defines the hooks with opaque scrapes and never imports this
 * stage; these are the same hooks with the Prometheus types filled in.
 */
export interface ServerMetricsHooks extends BenchmarkMetricsHooks {
  scrape(variant: Variant): Promise<Exposition>;
  compute(before: unknown, after: unknown, elapsedSeconds: number): ServerMetricsResult;
}

export function createServerMetricsHooks(options: {
  definitions: readonly ServerMetricDefinition[];
  metricsUrls: Record<Variant, string>;
  timeoutMs: number;
  fetch?: MetricsFetcher;
  /**
   * Receives each distinct warning once (a family the variant does not expose, say). The benchmark loop
   * only looks at `invalidReasons`, so without this the warnings would be seen by nobody.
   */
  log?: Logger;
}): ServerMetricsHooks {
  const variantOf = new WeakMap<Exposition, Variant>();
  const only = familiesToParse(options.definitions);
  const warned = new Set<string>();
  return {
    async scrape(variant) {
      const url = options.metricsUrls[variant];
      const text = await scrapeMetrics(url, {
        timeoutMs: options.timeoutMs,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      let exposition: Exposition;
      try {
        exposition = parseExposition(text, { only });
      } catch (error) {
        // The backend's output is at fault, not perf-gate's configuration: say where it came from.
        if (error instanceof InputError) {
          throw new InfrastructureError(
            `the ${variant} backend's metrics at ${redactUrl(url)} are malformed: ${errorMessage(error)}`,
            { cause: error },
          );
        }
        throw error;
      }
      variantOf.set(exposition, variant);
      return exposition;
    },
    compute(before, after, elapsedSeconds) {
      const result = computeServerMetrics(
        options.definitions,
        before as Exposition,
        after as Exposition,
        elapsedSeconds,
      );
      if (options.log !== undefined) {
        const variant = variantOf.get(after as Exposition);
        for (const warning of result.warnings) {
          const line = variant === undefined ? warning : `${variant}: ${warning}`;
          if (warned.has(line)) continue;
          warned.add(line);
          options.log.warning(line);
        }
      }
      return result;
    },
  };
}

/**
 * The sample and family names the definitions can select (src/metrics/select-series.ts): each metric as
 * written, and a counter's name with and without `_total`, as exporters name counters both ways.
 */
export function familiesToParse(definitions: readonly ServerMetricDefinition[]): Set<string> {
  const names = new Set<string>();
  for (const def of definitions) {
    for (const metric of [def.metric, ...(def.denominator ? [def.denominator.metric] : [])]) {
      const bare = metric.endsWith('_total') ? metric.slice(0, -'_total'.length) : metric;
      names.add(metric).add(bare).add(`${bare}_total`);
    }
  }
  return names;
}
