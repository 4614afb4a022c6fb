/**
 * A whole benchmark: an unmeasured warm-up per variant, then the planned rounds alternating baseline and
 * candidate (round-plan.ts). Everything outside load generation is injected: server metrics come through
 * `serverMetrics` hooks, persistence through `onRound`, so this module knows nothing of Prometheus or reports.
 */
import { errorMessage, InfrastructureError } from '../errors.js';
import { type Logger, logProgress } from '../log.js';
import type { RoundCount, RoundRecord, Variant } from '../model/round-record.js';
import { clientMetricValues } from './client-metric-values.js';
import { checkLoadSettings, type LoadSettings } from './load-settings.js';
import { planRounds } from './round-plan.js';
import { createLoadPool, type LoadPool, type RoundOutcome, type RunRoundOptions, runRound } from './run-round.js';
import type { Workload } from './workload.js';

export interface BenchmarkVariantTarget {
  baseUrl: string;
}

export interface ServerMetricsHooks {
  /** A parsed scrape of the variant's /metrics, opaque here. */
  scrape(variant: Variant): Promise<unknown>;
  /** Server metric values over one round from the scrapes taken before and after it. */
  compute(
    before: unknown,
    after: unknown,
    elapsedSeconds: number,
  ): {
    values: Record<string, number | null>;
    counts?: Record<string, RoundCount>;
    invalidReasons: string[];
    bounds?: RoundRecord['bounds'];
  };
}

export interface RunBenchmarkOptions {
  targets: Record<Variant, BenchmarkVariantTarget>;
  workload: Workload;
  load: LoadSettings;
  serverMetrics?: ServerMetricsHooks;
  log: Logger;
  signal?: AbortSignal;
  /** Called after every round with the round and all rounds so far, to persist partial results. */
  onRound?: (round: RoundRecord, all: RoundRecord[]) => void | Promise<void>;
  /** First pair number, to add further blocks of rounds to an earlier benchmark. Default 0. */
  startPair?: number;
  /**
   * Measure only this variant (its rounds keep their planned pair numbers). Used when the other
   * variant's rounds come from a stored results file, as in a post-deploy check.
   */
  only?: Variant;
}

export interface BenchmarkResult {
  rounds: RoundRecord[];
  aborted?: { reason: string };
}

/** A backend died during the benchmark; `rounds` holds every round completed before, for the caller to keep. */
export class BenchmarkInfrastructureError extends InfrastructureError {
  readonly rounds: RoundRecord[];
  readonly variant: Variant;
  constructor(message: string, variant: Variant, rounds: RoundRecord[], options?: { cause?: unknown }) {
    super(message, options);
    this.variant = variant;
    this.rounds = rounds;
  }
}

const VARIANTS: readonly Variant[] = ['baseline', 'candidate'];

export async function runBenchmark(options: RunBenchmarkOptions): Promise<BenchmarkResult> {
  const pools = new Map<Variant, LoadPool>();
  try {
    return await benchmarkWith(options, pools);
  } finally {
    await Promise.all(
      [...pools.values()].map((pool) => pool.close().catch(() => pool.destroy().catch(() => undefined))),
    );
  }
}

async function benchmarkWith(options: RunBenchmarkOptions, pools: Map<Variant, LoadPool>): Promise<BenchmarkResult> {
  const { targets, workload, log, signal, serverMetrics } = options;
  const load = checkLoadSettings(options.load);
  const startPair = options.startPair ?? 0;
  const plan = planRounds({ pairs: load.pairs, design: load.design, seed: load.seed, startPair }).filter(
    (r) => !options.only || r.variant === options.only,
  );
  const rounds: RoundRecord[] = [];
  const abortReason = () =>
    signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? 'aborted');

  // One keep-alive pool per variant for the whole benchmark: connections opened during warm-up serve
  // every round, so no measured round pays for handshakes the other variant's round did not.
  const poolFor = (variant: Variant): LoadPool => {
    let pool = pools.get(variant);
    if (!pool) {
      pool = createLoadPool(targets[variant].baseUrl, {
        mode: load.mode,
        maxInFlight: load.maxInFlight,
        connections: load.connections,
        timeoutMs: load.timeoutMs,
      });
      pools.set(variant, pool);
    }
    return pool;
  };

  const roundOptions = (variant: Variant, durationMs: number, seed: number): RunRoundOptions => {
    const options: RunRoundOptions = {
      baseUrl: targets[variant].baseUrl,
      workload,
      mode: load.mode,
      durationMs,
      seed,
      pool: poolFor(variant),
    };
    if (load.rate !== undefined) options.rate = load.rate;
    if (load.connections !== undefined) options.connections = load.connections;
    if (load.maxInFlight !== undefined) options.maxInFlight = load.maxInFlight;
    if (load.timeoutMs !== undefined) options.timeoutMs = load.timeoutMs;
    if (load.rateTolerance !== undefined) options.rateTolerance = load.rateTolerance;
    if (signal !== undefined) options.signal = signal;
    return options;
  };

  const died = (variant: Variant, when: string, error: unknown): never => {
    throw new BenchmarkInfrastructureError(
      `${variant} backend (${targets[variant].baseUrl}) failed ${when}: ${errorMessage(error)}`,
      variant,
      rounds.slice(),
      { cause: error },
    );
  };

  if (load.warmupMs > 0) {
    for (const variant of VARIANTS.filter((v) => !options.only || v === options.only)) {
      if (signal?.aborted) return { rounds, aborted: { reason: abortReason() } };
      log.info(`warm-up ${variant}: ${(load.warmupMs / 1000).toFixed(1)} s, not counted`);
      let outcome: RoundOutcome;
      try {
        outcome = await runRound(roundOptions(variant, load.warmupMs, load.seed));
      } catch (error) {
        return died(variant, 'during warm-up', error);
      }
      if (outcome.aborted) return { rounds, aborted: { reason: abortReason() } };
    }
  }

  for (let k = 0; k < plan.length; k++) {
    const { pair, variant } = plan[k]!;
    if (signal?.aborted) return { rounds, aborted: { reason: abortReason() } };
    const position = `round ${k + 1}/${plan.length}`;

    let before: unknown;
    const metricsProblems: string[] = [];
    if (serverMetrics) {
      try {
        before = await serverMetrics.scrape(variant);
      } catch (error) {
        metricsProblems.push(`metrics scrape before the round failed: ${errorMessage(error)}`);
      }
    }
    const scrapedAt = performance.now();

    let outcome: RoundOutcome;
    try {
      // Both rounds of a pair get the same request seed, so both variants answer the same request sequence.
      outcome = await runRound(roundOptions(variant, load.roundDurationMs, load.seed * 1_000_003 + pair));
    } catch (error) {
      return died(variant, `during ${position} (pair ${pair})`, error);
    }
    if (outcome.aborted) return { rounds, aborted: { reason: abortReason() } };

    let serverValues: Record<string, number | null> = {};
    let bounds: RoundRecord['bounds'];
    let serverCounts: Record<string, RoundCount> = {};
    if (serverMetrics && metricsProblems.length === 0) {
      try {
        const after = await serverMetrics.scrape(variant);
        const computed = serverMetrics.compute(before, after, (performance.now() - scrapedAt) / 1000);
        serverValues = computed.values;
        bounds = computed.bounds;
        serverCounts = computed.counts ?? {};
        metricsProblems.push(...computed.invalidReasons);
      } catch (error) {
        metricsProblems.push(`server metrics after the round failed: ${errorMessage(error)}`);
      }
    }

    // Server metrics that could not be measured (a failed scrape, a restart between the scrapes) are missing
    // data for those metrics only: the round's client figures (its error rate above all) were still measured.
    const invalidReasons = outcome.invalidReasons;
    const record: RoundRecord = {
      index: startPair * 2 + k,
      pair,
      variant,
      startedAt: outcome.startedAt,
      durationMs: outcome.durationMs,
      valid: invalidReasons.length === 0,
      invalidReasons,
      flags: metricsProblems.length > 0 ? [...outcome.flags, 'server-metrics-missing'] : outcome.flags,
      client: outcome.stats,
      values: { ...clientMetricValues(outcome.stats), ...serverValuesOrNull(serverValues, metricsProblems) },
      ...(metricsProblems.length > 0 ? { serverMetricsProblems: metricsProblems } : {}),
      ...(bounds && metricsProblems.length === 0 ? { bounds } : {}),
      ...(metricsProblems.length === 0 && Object.keys(serverCounts).length > 0 ? { counts: serverCounts } : {}),
    };
    rounds.push(record);

    const { latencyMs } = outcome.stats;
    // Latency is that of successful responses: with none, there is no latency to print (not 0 ms).
    const latency =
      outcome.stats.ok > 0
        ? `p50 ${latencyMs.p50.toFixed(1)} ms, p99 ${latencyMs.p99.toFixed(1)} ms`
        : 'no successful response';
    logProgress(
      log,
      k + 1,
      plan.length,
      `${position} ${variant}: ${outcome.stats.achievedRate.toFixed(1)} req/s, ${latency}`,
    );
    for (const detail of outcome.flagDetails) log.warning(`${position} ${variant}: ${detail}`);
    if (metricsProblems.length > 0)
      log.warning(`${position} ${variant}: server metrics not measured: ${metricsProblems.join('; ')}`);
    if (!record.valid) log.warning(`${position} ${variant} is invalid: ${invalidReasons.join('; ')}`);
    await options.onRound?.(record, rounds.slice());
  }
  return { rounds };
}

/** With a problem in the server metrics, none of them is trusted for the round: every value is null. */
function serverValuesOrNull(
  values: Record<string, number | null>,
  problems: readonly string[],
): Record<string, number | null> {
  if (problems.length === 0) return values;
  return Object.fromEntries(Object.keys(values).map((name) => [name, null]));
}
