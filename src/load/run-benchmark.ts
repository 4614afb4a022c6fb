/**
 * A whole benchmark: an unmeasured warm-up per variant, then the planned rounds alternating baseline and
 * candidate, or in a duet both rounds of a pair at once (round-plan.ts). Everything outside load generation is injected: server metrics come through
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
  /** Which start of the backends measures these rounds (`load.processes` above 1), recorded in each round. */
  process?: number;
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

  // A duet runs the two rounds of a pair at once, and warms both variants up at once too; every other
  // design (and a run of one variant) one at a time.
  const together = load.design === 'duet' && !options.only;
  if (load.warmupMs > 0) {
    const warming = VARIANTS.filter((v) => !options.only || v === options.only);
    for (const group of together ? [warming] : warming.map((v) => [v])) {
      if (signal?.aborted) return { rounds, aborted: { reason: abortReason() } };
      log.info(`warm-up ${group.join(' and ')}: ${(load.warmupMs / 1000).toFixed(1)} s, not counted`);
      const settled = await Promise.allSettled(
        group.map((variant) => runRound(roundOptions(variant, load.warmupMs, load.seed))),
      );
      const failed = settled.findIndex((s) => s.status === 'rejected');
      if (failed >= 0) return died(group[failed]!, 'during warm-up', (settled[failed] as PromiseRejectedResult).reason);
      if (settled.some((s) => (s as PromiseFulfilledResult<RoundOutcome>).value.aborted))
        return { rounds, aborted: { reason: abortReason() } };
    }
  }

  for (let k = 0; k < plan.length; ) {
    const group = together && plan[k + 1]?.pair === plan[k]!.pair ? plan.slice(k, k + 2) : plan.slice(k, k + 1);
    if (signal?.aborted) return { rounds, aborted: { reason: abortReason() } };
    const pair = group[0]!.pair;
    const positions = group.map((_, i) => `round ${k + i + 1}/${plan.length}`);
    if (group.length > 1) log.debug(`pair ${pair}: both variants at once, ${group[0]!.variant} starts first`);

    const scrapes = await Promise.all(group.map(({ variant }) => scrapeBefore(variant)));
    const scrapedAt = performance.now();
    // Both rounds of a pair get the same request seed, so both variants answer the same request sequence; a
    // duet's rounds also share the planned instant of every send (open loop). They start in the planned
    // order: within a timer tick the first one's sends leave first.
    const seed = load.seed * 1_000_003 + pair;
    const startAt = group.length > 1 && load.mode === 'open' ? performance.now() : undefined;
    const settled = await Promise.allSettled(
      group.map(({ variant }) => {
        const round = roundOptions(variant, load.roundDurationMs, seed);
        return runRound(startAt === undefined ? round : { ...round, startAt });
      }),
    );
    const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    if (outcomes.some((o) => o?.aborted)) return { rounds, aborted: { reason: abortReason() } };

    // A round whose backend died ends the benchmark; the other round of a duet finished and is kept, as
    // the first round of a pair is when the second one's backend dies.
    const records = await Promise.all(
      group.map(({ variant }, i) =>
        outcomes[i] === undefined
          ? undefined
          : roundRecord(variant, pair, startPair * 2 + k + i, outcomes[i]!, scrapes[i]!, scrapedAt),
      ),
    );
    for (let i = 0; i < group.length; i++) {
      const record = records[i];
      if (record === undefined) continue;
      rounds.push(record);
      logRound(k + i, positions[i]!, record, outcomes[i]!);
      await options.onRound?.(record, rounds.slice());
    }
    const failed = settled.findIndex((s) => s.status === 'rejected');
    if (failed >= 0)
      return died(
        group[failed]!.variant,
        `during ${positions[failed]} (pair ${pair})`,
        (settled[failed] as PromiseRejectedResult).reason,
      );
    k += group.length;
  }
  return { rounds };

  async function scrapeBefore(variant: Variant): Promise<{ before: unknown; problems: string[] }> {
    const problems: string[] = [];
    let before: unknown;
    if (serverMetrics) {
      try {
        before = await serverMetrics.scrape(variant);
      } catch (error) {
        problems.push(`metrics scrape before the round failed: ${errorMessage(error)}`);
      }
    }
    return { before, problems };
  }

  async function roundRecord(
    variant: Variant,
    pair: number,
    index: number,
    outcome: RoundOutcome,
    scrape: { before: unknown; problems: string[] },
    scrapedAt: number,
  ): Promise<RoundRecord> {
    const metricsProblems = [...scrape.problems];
    let serverValues: Record<string, number | null> = {};
    let bounds: RoundRecord['bounds'];
    let serverCounts: Record<string, RoundCount> = {};
    if (serverMetrics && metricsProblems.length === 0) {
      try {
        const after = await serverMetrics.scrape(variant);
        const computed = serverMetrics.compute(scrape.before, after, (performance.now() - scrapedAt) / 1000);
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
    return {
      index,
      pair,
      variant,
      ...(options.process !== undefined ? { process: options.process } : {}),
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
  }

  function logRound(k: number, position: string, record: RoundRecord, outcome: RoundOutcome): void {
    const { variant } = record;
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
    if (record.serverMetricsProblems)
      log.warning(`${position} ${variant}: server metrics not measured: ${record.serverMetricsProblems.join('; ')}`);
    if (!record.valid) log.warning(`${position} ${variant} is invalid: ${record.invalidReasons.join('; ')}`);
  }
}

/** With a problem in the server metrics, none of them is trusted for the round: every value is null. */
function serverValuesOrNull(
  values: Record<string, number | null>,
  problems: readonly string[],
): Record<string, number | null> {
  if (problems.length === 0) return values;
  return Object.fromEntries(Object.keys(values).map((name) => [name, null]));
}
