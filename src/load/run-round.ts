/**
 * One measured round against one variant for a fixed duration, on keep-alive undici connections (a `Pool` in
 * open loop, one `Client` per sender in closed loop).
 *
 * Open loop (default) follows wrk2's model (Gil Tene, github.com/giltene/wrk2) and k6's
 * `constant-arrival-rate` executor: send i is planned at t0 + i/rate whatever the server does, and its
 * latency is measured from that planned instant. A server that stalls for 2 s therefore shows 2 s in the
 * tail for every request that should have been sent during the stall, instead of one slow request and a
 * quiet pause ("coordinated omission"). When the in-flight cap is reached the waiting sends keep their
 * planned time as latency origin. A send may leave up to `EARLY_SEND_MS` before its planned time (timers fire
 * with millisecond granularity); its latency is then measured from the actual send, so a latency is never
 * measured from a later instant than the request really left.
 *
 * Closed loop: `connections` senders each send the next request as soon as the previous one completed
 * (autocannon's and wrk's model); latency is measured from the actual send. Good for "how fast can it go",
 * blind to stalls by construction.
 *
 * Errors (non-2xx by status, timeouts, resets, other) are counted per kind and never enter the latency
 * histogram. Every response body is read to its end (and dropped), so keep-alive connections stay usable
 * and latency includes the transfer of the body.
 *
 * What the server does never makes a round invalid: a round whose requests all failed, timed out or were cut
 * off is a measured round with an error rate of 1, and an open-loop round whose in-flight cap was held by
 * requests the server did not answer is a measured round that fell short of its rate (flagged). A round is
 * invalid only when the generator could not measure it: aborted, requests the generator refused to send, or
 * too many sends the generator itself (not the cap) sent late.
 */
import { Client, Pool, type Dispatcher } from 'undici';
import { InfrastructureError, invalidValue } from '../errors.js';
import { DEFAULT_SATURATION, saturationReasons, watchGenerator, type SaturationThresholds } from './generator-watch.js';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs, summarizeLatency, type Histogram } from './latency-histogram.js';
import { createRequestPicker } from './request-picker.js';
import { describeErrors, type ClientRoundStats, type ErrorCounts } from '../model/round-record.js';
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

/** Timers fire with millisecond granularity, so a send may leave up to this long before its planned time. */
const EARLY_SEND_MS = 1;

type ErrorKind = 'timeout' | 'reset' | 'refused' | 'unsent' | 'other';

/** Code of the error that ends a request still in flight `timeoutMs` after the round stopped sending. */
const ROUND_DEADLINE = 'PERF_GATE_ROUND_DEADLINE';

/** Maps undici/Node error codes to the kinds users care about. */
function classifyError(error: unknown): ErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    // undici refused the request before sending it (an argument it rejects, a closed client): the request
    // never reached the server, so it says nothing about the server.
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'unsent';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case ROUND_DEADLINE:
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    // undici reports a socket the server closed mid-response as UND_ERR_SOCKET ("other side closed").
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'ECONNREFUSED':
      return 'refused';
    default:
      return 'other';
  }
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

export function createLoadPool(baseUrl: string, options: Pick<RunRoundOptions, 'mode' | 'maxInFlight' | 'connections' | 'timeoutMs'>): LoadPool {
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
  const prefix = base.pathname.replace(/\/+$/, '');
  const prepared = new Map<WorkloadRequest, Dispatcher.DispatchOptions>();
  for (const request of options.workload.requests) {
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
  const pick = createRequestPicker(options.workload, settings.seed);
  const open = settings.mode === 'open';
  const ownPool = options.pool === undefined;
  const pool = options.pool ?? createLoadPool(options.baseUrl, options);
  if (pool.mode !== settings.mode) throw new Error(`runRound: a ${pool.mode}-loop pool was given to a ${settings.mode}-loop round`);
  if (!open && pool.senders.length !== settings.connections) {
    // Fewer clients would queue senders behind each other and count the queueing as latency.
    throw new Error(`runRound: a closed-loop pool of ${pool.senders.length} connections was given to a round of ${settings.connections}`);
  }
  const senders = pool.senders;

  const histogram = createLatencyHistogram();
  const sendLag = open ? createLatencyHistogram() : null;
  const errors: ErrorCounts = { status: {}, timeout: 0, reset: 0, other: 0 };
  let ok = 0;
  let completed = 0;
  let refused = 0;
  let unsent = 0;
  let unsentExample = '';
  let consecutiveRefused = 0;
  let inFlight = 0;
  let lateSends = 0;
  let generatorLateSends = 0;
  let capReached = false;
  let stopped = false;
  let aborted = false;
  let deadBackend = false;
  let lastCompletionAt = 0;

  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let sendingDone = false;
  // undici's timeouts bound the wait for headers and between body chunks, not a whole response: a server that
  // trickles a body would hold the round open for ever. Once sending is done, whatever is still in flight
  // after `timeoutMs` (so in flight for at least that long) is ended and counted as a timeout.
  const live = new Set<ResponseHandler>();
  let drainTimer: NodeJS.Timeout | undefined;
  const endStragglers = () => {
    const error = Object.assign(new Error(`no complete response within ${settings.timeoutMs} ms after the round stopped sending`), { code: ROUND_DEADLINE });
    for (const handler of live) handler.abortRequest?.(error);
  };
  const maybeFinish = () => {
    if (sendingDone && inFlight === 0) finish();
    else if (sendingDone && drainTimer === undefined) drainTimer = setTimeout(endStragglers, settings.timeoutMs);
  };

  // A handler object per request with undici's own callbacks (onConnect, onHeaders, onData, onComplete,
  // onError): undici drives every request through these internally, so they cost no adapter. The newer
  // controller-style handler is wrapped per request in an adapter that also parses each response's headers
  // into an object we never read: about 10 % more generator CPU per request (docs/performance.md).
  // No stream and no promise per request, and body chunks are dropped as they arrive.
  class ResponseHandler {
    status = 0;
    abortRequest: ((reason: Error) => void) | null = null;
    constructor(
      readonly originMs: number,
      readonly onDone: (() => void) | null,
    ) {
      live.add(this);
    }
    onConnect(abort: (reason: Error) => void): void {
      this.abortRequest = abort;
    }
    onHeaders(statusCode: number): boolean {
      this.status = statusCode;
      return true;
    }
    onData(): boolean {
      return true;
    }
    onComplete(): void {
      live.delete(this);
      const now = performance.now();
      if (this.status >= 200 && this.status < 300) {
        ok++;
        recordLatencyMs(histogram, now - this.originMs);
      } else {
        const key = String(this.status);
        errors.status[key] = (errors.status[key] ?? 0) + 1;
      }
      consecutiveRefused = 0;
      complete(now, this.onDone, false);
    }
    onError(error: Error): void {
      live.delete(this);
      if (!aborted) {
        const kind = classifyError(error);
        if (kind === 'refused') {
          refused++;
          errors.other++;
          consecutiveRefused++;
          if (consecutiveRefused >= settings.deadAfterRefusals && !deadBackend) {
            deadBackend = true;
            stop();
          }
        } else if (kind === 'unsent') {
          unsent++;
          unsentExample ||= error.message;
          errors.other++;
        } else {
          consecutiveRefused = 0;
          errors[kind]++;
        }
      }
      complete(performance.now(), this.onDone, true);
    }
  }

  // After an error the follow-up send waits for the next turn of the event loop. undici calls onError from
  // inside its own bookkeeping: inside dispatch() for a request it refuses outright (an invalid header, say),
  // where sending again would recurse once per request until the stack overflows, and inside a Client's
  // failed-connect handler, which asserts that its queue is empty once it has failed every request in it.
  const complete = (now: number, onDone: (() => void) | null, afterError: boolean) => {
    completed++;
    inFlight--;
    lastCompletionAt = now;
    if (onDone !== null && !stopped) {
      if (afterError) setImmediate(() => stopped || onDone());
      else onDone();
    }
    maybeFinish();
  };

  const send = (sender: Dispatcher, originMs: number, onDone: (() => void) | null) => {
    inFlight++;
    const dispatchOptions = prepared.get(pick())!;
    sender.dispatch(dispatchOptions, new ResponseHandler(originMs, onDone));
  };

  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    sendingDone = true;
    maybeFinish();
  };
  const onAbort = () => {
    aborted = true;
    stop();
    // Drop whatever is in flight: an aborted round is discarded anyway.
    void pool.destroy().catch(() => undefined);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const startedAt = new Date().toISOString();
  const watch = watchGenerator();
  const t0 = performance.now();
  let windowMs = settings.durationMs;
  let totalPlanned = 0;

  if (!stopped && open) {
    const intervalMs = 1000 / settings.rate;
    totalPlanned = Math.ceil((settings.durationMs * settings.rate) / 1000);
    let dispatched = 0;
    let blockedByCap = false;

    // Sends every planned request whose time has come, as far as the in-flight cap allows. Called from the
    // timer (`fromCompletion` false) and, while the cap holds sends back, from each completion.
    const pump = (fromCompletion: boolean) => {
      if (stopped) return;
      let now = performance.now();
      const due = Math.min(totalPlanned, Math.floor((now + EARLY_SEND_MS - t0) / intervalMs) + 1);
      while (dispatched < due) {
        if (inFlight >= settings.maxInFlight) {
          blockedByCap = true;
          capReached = true;
          break;
        }
        const plannedAt = t0 + dispatched * intervalMs;
        recordLatencyMs(sendLag!, now - plannedAt);
        if (now - plannedAt > settings.lateAllowanceMs) {
          lateSends++;
          // Late because the cap held it back (the server is slow) or because we did not wake up in time
          // (the generator is slow): only the latter says the generator is saturated.
          if (!fromCompletion && !blockedByCap) generatorLateSends++;
        }
        dispatched++;
        send(senders[0]!, plannedAt < now ? plannedAt : now, onOpenLoopCompletion);
        if ((dispatched & 15) === 0) now = performance.now();
      }
      if (dispatched < due) return; // held by the cap: the next completion calls pump again
      blockedByCap = false;
      if (dispatched >= totalPlanned) {
        sendingDone = true;
        maybeFinish();
        return;
      }
      const nextAt = t0 + dispatched * intervalMs - EARLY_SEND_MS;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(onTimer, Math.max(0, nextAt - performance.now()));
    };
    const onTimer = () => {
      timer = undefined;
      pump(false);
    };
    function onOpenLoopCompletion() {
      if (blockedByCap) pump(true);
    }
    // The window closes at t0 + duration even when the cap still holds sends back: those never went out on
    // time, so they count as late, and the achieved rate shows the shortfall.
    const windowTimer = setTimeout(() => {
      if (stopped || sendingDone) return;
      pump(true);
      if (dispatched < totalPlanned) {
        lateSends += totalPlanned - dispatched;
        stop();
      }
    }, settings.durationMs + EARLY_SEND_MS);
    pump(false);
    await finished;
    clearTimeout(windowTimer);
  } else if (!stopped) {
    const deadline = t0 + settings.durationMs;
    let sent = 0;
    // Sender i sends back to back through its own connection: the next request as soon as the previous completed.
    const startSender = (sender: Dispatcher) => {
      const next = () => {
        const now = performance.now();
        if (sent < settings.maxRequests && now < deadline) {
          sent++;
          send(sender, now, next);
        } else if (inFlight === 0) stop();
      };
      next();
    };
    for (let i = 0; i < settings.connections && sent < settings.maxRequests; i++) startSender(senders[i]!);
    // Each sender stops after its last completion past the deadline; when all have, sending is done.
    const closer = setTimeout(() => {
      sendingDone = true;
      maybeFinish();
    }, settings.durationMs);
    await finished;
    clearTimeout(closer);
    // Throughput is over the time the senders actually ran: the last responses arrive after the deadline,
    // or well before it when `maxRequests` ended the round.
    windowMs = sent < settings.maxRequests ? Math.max(settings.durationMs, lastCompletionAt - t0) : lastCompletionAt - t0;
  } else {
    await finished;
  }

  if (drainTimer !== undefined) clearTimeout(drainTimer);
  const figures = watch.stop();
  const elapsedMs = Math.max(0, (lastCompletionAt || performance.now()) - t0);
  options.signal?.removeEventListener('abort', onAbort);
  if (timer !== undefined) clearTimeout(timer);
  if (!aborted && ownPool) await pool.close().catch(() => undefined);

  const requests = completed;
  if (!aborted && (deadBackend || (requests > 0 && refused === requests))) {
    throw new InfrastructureError(
      `backend at ${base.origin} refused ${refused === requests ? 'every' : `${consecutiveRefused} consecutive`} ` +
        `connection${requests === 1 ? '' : 's'} (ECONNREFUSED, ${refused} of ${requests} requests): it is not running`,
    );
  }

  const seconds = windowMs / 1000;
  const stats: ClientRoundStats = {
    requests,
    ok,
    errors,
    achievedRate: seconds > 0 ? requests / seconds : 0,
    latencyMs: summarizeLatency(histogram),
    histogram: encodeHistogram(histogram),
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
  const saturation = saturationReasons(figures, generatorLateSends, open ? totalPlanned : requests, settings.saturation);
  if (open) {
    stats.targetRate = settings.rate;
    stats.lateSends = lateSends;
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
    const lateShare = totalPlanned > 0 ? generatorLateSends / totalPlanned : 0;
    if (!aborted && lateShare > settings.maxLateShare) {
      invalidReasons.push(
        `${generatorLateSends} of ${totalPlanned} sends (${(lateShare * 100).toFixed(1)} %) left more than ` +
          `${settings.lateAllowanceMs} ms after their planned time because the generator was late ` +
          `(at most ${(settings.maxLateShare * 100).toFixed(1)} % allowed): the planned arrival rate was not kept`,
      );
    }
    if (capReached) flag('max-in-flight-reached', `${settings.maxInFlight} requests in flight held later sends back`);
  }
  if (!aborted && requests === 0) invalidReasons.push('no request was sent');
  if (!aborted && unsent > 0) {
    invalidReasons.push(`${unsent} of ${requests} requests were never sent: the load generator refused them (${unsentExample})`);
  }
  // A round whose requests all failed is measured: its error rate is 1, and it has no success latency.
  if (!aborted && unsent === 0 && requests > 0 && ok === 0) flag('no-successful-response', `none of ${requests} requests succeeded (${describeErrors(errors)})`);
  if (saturation.length > 0) flag('generator-saturated', saturation.join('; '));

  const outcome: RoundOutcome = {
    startedAt,
    durationMs: Math.round(elapsedMs),
    stats,
    histogram,
    valid: invalidReasons.length === 0,
    invalidReasons,
    flags,
    flagDetails,
    aborted,
  };
  if (sendLag !== null && sendLag.totalCount > 0) {
    const lag = summarizeLatency(sendLag);
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
  const positive = (name: string, value: number | undefined, fallback: number | undefined, integer: boolean): number => {
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
  if (!(rateTolerance >= 0 && rateTolerance < 1)) throw invalidValue('load.rateTolerance', rateTolerance, 'a share from 0 to below 1');
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
    maxRequests: options.maxRequests === undefined ? Number.POSITIVE_INFINITY : positive('maxRequests', options.maxRequests, undefined, true),
  };
}
