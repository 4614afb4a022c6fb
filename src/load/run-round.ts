/**
 * One measured round against one variant for a fixed duration, on keep-alive undici connections (a `Pool` in
 * open loop, one `Client` per sender in closed loop).
 *
 * Open loop (default) follows wrk2's model (Gil Tene, github.com/giltene/wrk2) and k6's
 * `constant-arrival-rate` executor: send i is planned at t0 + i/rate whatever the server does, and its
 * latency is measured from that planned instant. A server that stalls for 2 s therefore shows 2 s in the
 * tail for every request that should have been sent during the stall, instead of one slow request and a
 * quiet pause ("coordinated omission"). When the in-flight cap is reached the waiting sends keep their
 * planned time as latency origin. A send may leave up to 1 ms before its planned time (timers fire with
 * millisecond granularity); its latency is then measured from the actual send, so a latency is never
 * measured from a later instant than the request really left. (open-loop-sender.ts)
 *
 * Closed loop: `connections` senders each send the next request as soon as the previous one completed
 * (autocannon's and wrk's model); latency is measured from the actual send. Good for "how fast can it go",
 * blind to stalls by construction. (closed-loop-sender.ts)
 *
 * Errors (non-2xx by status, timeouts, resets, other) are counted per kind and never enter the latency
 * histogram (round-tally.ts). Every response body is read to its end (and dropped), so keep-alive connections
 * stay usable and latency includes the transfer of the body (round-requests.ts).
 *
 * This module wires those together: checks the options, prepares the requests, runs the sender of the mode
 * with the generator watch around it, and judges the round from the tally.
 *
 * What the server does never makes a round invalid: a round whose requests all failed, timed out or were cut
 * off is a measured round with an error rate of 1, and an open-loop round whose in-flight cap was held by
 * requests the server did not answer is a measured round that fell short of its rate (flagged). A round is
 * invalid only when the generator could not measure it: aborted, requests the generator refused to send, or
 * too many sends the generator itself (not the cap) sent late.
 */
import { Client, type Dispatcher, Pool } from 'undici';
import { InfrastructureError, invalidValue } from '../errors.js';
import { type ClientRoundStats, describeErrors } from '../model/round-record.js';
import { sendClosedLoop } from './closed-loop-sender.js';
import {
  DEFAULT_SATURATION,
  type GeneratorFigures,
  type SaturationThresholds,
  saturationReasons,
  watchGenerator,
} from './generator-watch.js';
import { encodeHistogram, type Histogram, summarizeLatency } from './latency-histogram.js';
import { type OpenLoopSends, sendOpenLoop } from './open-loop-sender.js';
import { createRequestPicker } from './request-picker.js';
import { RoundRequests } from './round-requests.js';
import { RoundTally } from './round-tally.js';
import type { Workload, WorkloadRequest } from './workload.js';

export type LoadMode = 'open' | 'closed';
export const LOAD_MODES: readonly LoadMode[] = ['open', 'closed'];

export interface RunRoundOptions {
  /** Where the variant listens, e.g. "http://127.0.0.1:8080" (a path prefix is kept: "http://h/api"). */
  baseUrl: string;
  workload: Workload;
  /** Default 'open'. */
  mode?: LoadMode;
  /** Open loop: planned arrival rate, requests per second. Required in open mode. */
  rate?: number;
  /** Open loop: most requests in flight at once (also the pool's connection limit). Default 1024. */
  maxInFlight?: number;
  /** Closed loop: number of connections, each sending back to back. Default 10. */
  connections?: number;
  /** Length of the sending window, ms. */
  durationMs: number;
  /** Closed loop: stop after this many requests even if the window is not over (autocannon's `amount`). */
  maxRequests?: number;
  /**
   * Per request: longest wait for headers, then between body chunks, ms; also the longest the round waits for
   * its last responses once it stopped sending (those still in flight then count as timeouts). Default 10,000.
   */
  timeoutMs?: number;
  /**
   * Open loop: a round whose achieved rate is below target by more than this share is flagged 'rate-shortfall':
   * the in-flight cap held the sends back because the server did not answer in time. Default 0.05.
   */
  rateTolerance?: number;
  /**
   * Open loop: a round is invalid when more than this share of its sends left late because the generator did
   * not wake up in time: the arrival process was then not the planned one, even if the count came out right.
   * Default 0.2. A few late sends on a busy runner only flag the round (generator-saturated) and are reported;
   * their latency still counts from the planned time, so they cannot make the server look faster. Sends the
   * in-flight cap held back are the server's doing and never invalidate.
   */
  maxLateShare?: number;
  /** Open loop: a send leaving later than its planned time by more than this counts as late, ms. Default 10. */
  lateAllowanceMs?: number;
  /**
   * Keep-alive connections owned by the caller and reused across rounds (runBenchmark keeps one set per
   * variant), so no round but the warm-up pays for opening connections. Default: a set for this round only.
   */
  pool?: LoadPool;
  /** Seed of the request picker. Default 1. */
  seed?: number;
  /**
   * Open loop: the planned instant of the first send, a performance.now() time; default the moment the round
   * starts sending. The two rounds of a duet share one, so both variants get request i at the same planned time.
   */
  startAt?: number;
  signal?: AbortSignal;
  saturation?: Partial<SaturationThresholds>;
  /** This many connection refusals in a row mean the backend is gone: the round stops. Default 20. */
  deadAfterRefusals?: number;
}

export interface RoundOutcome {
  startedAt: string;
  /** Wall time from the first send to the last completion, ms. */
  durationMs: number;
  stats: ClientRoundStats;
  /** The raw histogram (µs), for aggregating rounds of a variant; `stats.histogram` is its encoded form. */
  histogram: Histogram;
  valid: boolean;
  invalidReasons: string[];
  /** Warnings that do not invalidate: 'generator-saturated', 'max-in-flight-reached', 'rate-shortfall', 'no-successful-response'. */
  flags: string[];
  /** Human-readable figures behind each flag, for the log. */
  flagDetails: string[];
  /** True when the signal stopped the round early: its figures must not be used. */
  aborted: boolean;
  /**
   * Open loop: how far actual sends lagged behind their planned times, ms (negative lag, an early send, counts
   * as 0). The generator's own scheduling accuracy, for the log and the bench; not part of the RoundRecord.
   */
  sendLagMs?: { p50: number; p99: number; max: number };
}

/**
 * The keep-alive connections of a round. Open loop: one undici `Pool` holding up to `maxInFlight` connections,
 * each send taking whichever is free. Closed loop: one `Client` per sender, the model of autocannon and wrk
 * (a connection is a sender); a Pool there would route every request through its dispatcher choice and its
 * drain events, which measured as 10 % more generator CPU per request (docs/performance.md).
 */
export interface LoadPool {
  readonly mode: LoadMode;
  /** Open loop: the one pool. Closed loop: one `Client` per connection; sender i sends through `senders[i]`. */
  readonly senders: readonly Dispatcher[];
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export function createLoadPool(
  baseUrl: string,
  options: Pick<RunRoundOptions, 'mode' | 'maxInFlight' | 'connections' | 'timeoutMs'>,
): LoadPool {
  const mode = options.mode ?? 'open';
  const origin = new URL(baseUrl).origin;
  const common = {
    pipelining: 1,
    connectTimeout: options.timeoutMs ?? 10_000,
    // Keep connections between requests and rounds: reconnecting would add handshakes to measured latency.
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
  };
  const senders: Dispatcher[] =
    mode === 'open'
      ? [new Pool(origin, { ...common, connections: options.maxInFlight ?? 1024 })]
      : Array.from({ length: options.connections ?? 10 }, () => new Client(origin, common));
  return {
    mode,
    senders,
    close: async () => {
      await Promise.all(senders.map((sender) => sender.close()));
    },
    destroy: async () => {
      await Promise.all(senders.map((sender) => sender.destroy()));
    },
  };
}

export async function runRound(options: RunRoundOptions): Promise<RoundOutcome> {
  const settings = checkOptions(options);
  const base = new URL(options.baseUrl);
  const nextRequest = prepareRequests(options.workload, base, settings);
  const ownPool = options.pool === undefined;
  const pool = options.pool ?? createLoadPool(options.baseUrl, options);
  if (pool.mode !== settings.mode)
    throw new Error(`runRound: a ${pool.mode}-loop pool was given to a ${settings.mode}-loop round`);
  if (settings.mode === 'closed' && pool.senders.length !== settings.connections) {
    // Fewer clients would queue senders behind each other and count the queueing as latency.
    throw new Error(
      `runRound: a closed-loop pool of ${pool.senders.length} connections was given to a round of ${settings.connections}`,
    );
  }

  const tally = new RoundTally(settings.deadAfterRefusals);
  const requests = new RoundRequests(tally, nextRequest, settings.timeoutMs);
  const onAbort = () => {
    requests.abort();
    // Drop whatever is in flight: an aborted round is discarded anyway.
    void pool.destroy().catch(() => undefined);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const watch = watchGenerator();
  const t0 = options.startAt ?? performance.now();
  // The wall-clock time of t0: a duet's two rounds share one, however long the first took to set up.
  const startedAt = new Date(Date.now() - (performance.now() - t0)).toISOString();
  let windowMs = settings.durationMs;
  let openLoop: OpenLoopSends | null = null;
  if (settings.mode === 'open') openLoop = await sendOpenLoop(requests, pool.senders[0]!, settings, t0);
  else windowMs = await sendClosedLoop(requests, pool.senders, settings, t0);

  requests.dispose();
  const figures = watch.stop();
  const elapsedMs = Math.max(0, (tally.lastCompletionAt || performance.now()) - t0);
  options.signal?.removeEventListener('abort', onAbort);
  if (!requests.aborted && ownPool) await pool.close().catch(() => undefined);

  const requestCount = tally.completed;
  if (!requests.aborted && (tally.backendGone || (requestCount > 0 && tally.refused === requestCount))) {
    throw new InfrastructureError(
      `backend at ${base.origin} refused ${tally.refused === requestCount ? 'every' : `${tally.consecutiveRefused} consecutive`} ` +
        `connection${requestCount === 1 ? '' : 's'} (ECONNREFUSED, ${tally.refused} of ${requestCount} requests): it is not running`,
    );
  }
  const outcome = judgeRound(settings, tally, openLoop, { windowMs, figures, aborted: requests.aborted });
  return { startedAt, durationMs: Math.round(elapsedMs), ...outcome };
}

/** The dispatch options of every workload request, made once; returns the picker of the next one to send. */
function prepareRequests(workload: Workload, base: URL, settings: CheckedOptions): () => Dispatcher.DispatchOptions {
  const prefix = base.pathname.replace(/\/+$/, '');
  const prepared = new Map<WorkloadRequest, Dispatcher.DispatchOptions>();
  for (const request of workload.requests) {
    const dispatchOptions: Dispatcher.DispatchOptions = {
      path: prefix + request.path,
      method: request.method,
      headers: request.headers,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
    };
    if (request.body !== undefined) dispatchOptions.body = request.body;
    prepared.set(request, dispatchOptions);
  }
  const pick = createRequestPicker(workload, settings.seed);
  return () => prepared.get(pick())!;
}

/** The round's figures from its tally, and whether it measured the server (valid) and what to flag. */
function judgeRound(
  settings: CheckedOptions,
  tally: RoundTally,
  openLoop: OpenLoopSends | null,
  round: { windowMs: number; figures: GeneratorFigures; aborted: boolean },
): Omit<RoundOutcome, 'startedAt' | 'durationMs'> {
  const { aborted, figures } = round;
  const requests = tally.completed;
  const seconds = round.windowMs / 1000;
  const stats: ClientRoundStats = {
    requests,
    ok: tally.ok,
    errors: tally.errors,
    achievedRate: seconds > 0 ? requests / seconds : 0,
    latencyMs: summarizeLatency(tally.histogram),
    histogram: encodeHistogram(tally.histogram),
    generator: figures,
  };
  const invalidReasons: string[] = [];
  const flags: string[] = [];
  const flagDetails: string[] = [];
  const flag = (name: string, detail: string) => {
    flags.push(name);
    flagDetails.push(`${name}: ${detail}`);
  };
  if (aborted) invalidReasons.push('aborted');
  const saturation = saturationReasons(
    figures,
    openLoop?.generatorLateSends ?? 0,
    openLoop ? openLoop.planned : requests,
    settings.saturation,
  );
  if (openLoop !== null) {
    const { planned, generatorLateSends, capReached } = openLoop;
    stats.targetRate = settings.rate;
    stats.lateSends = openLoop.lateSends;
    const shortfall = 1 - stats.achievedRate / settings.rate;
    if (!aborted && shortfall > settings.rateTolerance) {
      const what =
        `achieved rate ${stats.achievedRate.toFixed(1)} req/s is ${(shortfall * 100).toFixed(1)} % below the target ` +
        `${settings.rate} req/s (tolerance ${(settings.rateTolerance * 100).toFixed(1)} %)`;
      // Every planned send goes out by the end of the window unless the in-flight cap held it back, so the
      // shortfall is the server's: it kept its requests in flight (slow, hanging). That is a measurement (the
      // held sends' latency counts from their planned time, throughput shows the shortfall), not missing data.
      if (capReached) flag('rate-shortfall', `${what}: the server held all ${settings.maxInFlight} requests in flight`);
      else invalidReasons.push(`${what}: the generator did not send the planned requests`);
    }
    // Every send may have gone out by the end of the window (the count is right) and still the arrival process
    // was not the planned one: a burst after a stall is not a constant rate. Too many sends the generator
    // itself sent late invalidate too; sends the cap held back are the server's doing and are counted above.
    const lateShare = planned > 0 ? generatorLateSends / planned : 0;
    if (!aborted && lateShare > settings.maxLateShare) {
      invalidReasons.push(
        `${generatorLateSends} of ${planned} sends (${(lateShare * 100).toFixed(1)} %) left more than ` +
          `${settings.lateAllowanceMs} ms after their planned time because the generator was late ` +
          `(at most ${(settings.maxLateShare * 100).toFixed(1)} % allowed): the planned arrival rate was not kept`,
      );
    }
    if (capReached) flag('max-in-flight-reached', `${settings.maxInFlight} requests in flight held later sends back`);
  }
  if (!aborted && requests === 0) invalidReasons.push('no request was sent');
  if (!aborted && tally.unsent > 0) {
    invalidReasons.push(
      `${tally.unsent} of ${requests} requests were never sent: the load generator refused them (${tally.unsentExample})`,
    );
  }
  // A round whose requests all failed is measured: its error rate is 1, and it has no success latency.
  if (!aborted && tally.unsent === 0 && requests > 0 && tally.ok === 0) {
    flag('no-successful-response', `none of ${requests} requests succeeded (${describeErrors(tally.errors)})`);
  }
  if (saturation.length > 0) flag('generator-saturated', saturation.join('; '));

  const outcome: Omit<RoundOutcome, 'startedAt' | 'durationMs'> = {
    stats,
    histogram: tally.histogram,
    valid: invalidReasons.length === 0,
    invalidReasons,
    flags,
    flagDetails,
    aborted,
  };
  if (openLoop !== null && openLoop.sendLag.totalCount > 0) {
    const lag = summarizeLatency(openLoop.sendLag);
    outcome.sendLagMs = { p50: lag.p50, p99: lag.p99, max: lag.max };
  }
  return outcome;
}

interface CheckedOptions {
  mode: LoadMode;
  rate: number;
  maxInFlight: number;
  connections: number;
  durationMs: number;
  timeoutMs: number;
  rateTolerance: number;
  maxLateShare: number;
  lateAllowanceMs: number;
  seed: number;
  saturation: SaturationThresholds;
  deadAfterRefusals: number;
  maxRequests: number;
}

function checkOptions(options: RunRoundOptions): CheckedOptions {
  const mode = options.mode ?? 'open';
  if (!LOAD_MODES.includes(mode)) throw invalidValue('load.mode', mode, LOAD_MODES.join(', '));
  try {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw invalidValue('baseUrl', options.baseUrl, 'an http:// or https:// URL');
  }
  const positive = (
    name: string,
    value: number | undefined,
    fallback: number | undefined,
    integer: boolean,
  ): number => {
    const v = value ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw invalidValue(name, value, integer ? 'a whole number > 0' : 'a number > 0');
    }
    return v;
  };
  const rate = mode === 'open' ? positive('load.rate', options.rate, undefined, false) : 0;
  const share = (input: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback;
    if (!(v >= 0 && v < 1)) throw invalidValue(input, v, 'a share from 0 to below 1');
    return v;
  };
  const rateTolerance = options.rateTolerance ?? 0.05;
  if (!(rateTolerance >= 0 && rateTolerance < 1))
    throw invalidValue('load.rateTolerance', rateTolerance, 'a share from 0 to below 1');
  return {
    mode,
    rate,
    maxInFlight: positive('load.connections', options.maxInFlight, 1024, true),
    connections: positive('load.connections', options.connections, 10, true),
    durationMs: positive('load.roundDuration', options.durationMs, undefined, false),
    timeoutMs: positive('load.timeout', options.timeoutMs, 10_000, false),
    rateTolerance,
    maxLateShare: share('maxLateShare', options.maxLateShare, 0.2),
    lateAllowanceMs: positive('lateAllowanceMs', options.lateAllowanceMs, 10, false),
    seed: options.seed ?? 1,
    saturation: { ...DEFAULT_SATURATION, ...options.saturation },
    deadAfterRefusals: positive('deadAfterRefusals', options.deadAfterRefusals, 20, true),
    maxRequests:
      options.maxRequests === undefined
        ? Number.POSITIVE_INFINITY
        : positive('maxRequests', options.maxRequests, undefined, true),
  };
}
