/**
 * The open-loop sender (wrk2's model, k6's `constant-arrival-rate`): send i is planned at t0 + i/rate whatever
 * the server does, and its latency counts from that planned instant, so a stall shows in the tail for every
 * request that should have been sent during it. A send may leave up to `EARLY_SEND_MS` before its planned time
 * (timers fire with millisecond granularity); its latency then counts from the actual send. At most
 * `maxInFlight` requests are in flight: the sends the cap holds back keep their planned time as latency origin.
 */
import type { Dispatcher } from 'undici';
import { createLatencyHistogram, type Histogram, recordLatencyMs } from './latency-histogram.js';
import type { RoundRequests } from './round-requests.js';

/** Timers fire with millisecond granularity, so a send may leave up to this long before its planned time. */
const EARLY_SEND_MS = 1;

export interface OpenLoopSettings {
  /** Planned arrival rate, requests per second. */
  rate: number;
  maxInFlight: number;
  durationMs: number;
  /** A send leaving later than its planned time by more than this counts as late, ms. */
  lateAllowanceMs: number;
}

export interface OpenLoopSends {
  /** Sends planned over the window (0 when the round was stopped before it began). */
  planned: number;
  /** Sends that left more than the allowance after their planned time, or never left in the window. */
  lateSends: number;
  /** Of those, the ones late because the generator did not wake up in time (not held back by the cap). */
  generatorLateSends: number;
  /** True when the in-flight cap held a send back at least once. */
  capReached: boolean;
  /** How far each send lagged behind its planned time, µs (an early send counts as 0). */
  sendLag: Histogram;
}

/** Sends at the planned rate through `pool` from `t0` (performance.now() time) until the round finished. */
export async function sendOpenLoop(
  requests: RoundRequests,
  pool: Dispatcher,
  settings: OpenLoopSettings,
  t0: number,
): Promise<OpenLoopSends> {
  const sends: OpenLoopSends = {
    planned: 0,
    lateSends: 0,
    generatorLateSends: 0,
    capReached: false,
    sendLag: createLatencyHistogram(),
  };
  if (requests.stopped) {
    await requests.finished;
    return sends;
  }
  const intervalMs = 1000 / settings.rate;
  const planned = Math.ceil((settings.durationMs * settings.rate) / 1000);
  sends.planned = planned;
  let dispatched = 0;
  let blockedByCap = false;
  let timer: NodeJS.Timeout | undefined;

  // Sends every planned request whose time has come, as far as the in-flight cap allows. Called from the
  // timer (`fromCompletion` false) and, while the cap holds sends back, from each completion.
  const pump = (fromCompletion: boolean) => {
    if (requests.stopped) return;
    let now = performance.now();
    const due = Math.min(planned, Math.floor((now + EARLY_SEND_MS - t0) / intervalMs) + 1);
    while (dispatched < due) {
      if (requests.inFlight >= settings.maxInFlight) {
        blockedByCap = true;
        sends.capReached = true;
        break;
      }
      const plannedAt = t0 + dispatched * intervalMs;
      recordLatencyMs(sends.sendLag, now - plannedAt);
      if (now - plannedAt > settings.lateAllowanceMs) {
        sends.lateSends++;
        // Late because the cap held it back (the server is slow) or because we did not wake up in time
        // (the generator is slow): only the latter says the generator is saturated.
        if (!fromCompletion && !blockedByCap) sends.generatorLateSends++;
      }
      dispatched++;
      requests.send(pool, Math.min(plannedAt, now), onCompletion);
      if ((dispatched & 15) === 0) now = performance.now();
    }
    if (dispatched < due) return; // held by the cap: the next completion calls pump again
    blockedByCap = false;
    if (dispatched >= planned) {
      requests.doneSending();
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
  function onCompletion() {
    if (blockedByCap) pump(true);
  }
  // The window closes at t0 + duration even when the cap still holds sends back: those never went out on
  // time, so they count as late, and the achieved rate shows the shortfall.
  const windowTimer = setTimeout(() => {
    if (requests.stopped || dispatched >= planned) return;
    pump(true);
    if (dispatched < planned) {
      sends.lateSends += planned - dispatched;
      requests.stop();
    }
  }, settings.durationMs + EARLY_SEND_MS);
  pump(false);
  await requests.finished;
  clearTimeout(windowTimer);
  if (timer !== undefined) clearTimeout(timer);
  return sends;
}
