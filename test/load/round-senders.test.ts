/**
 * The open-loop and closed-loop senders on fake connections and a fake clock: when each request leaves, what
 * counts as late, and when the round ends. The real thing against a real server is run-round.test.itg.ts.
 */
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendClosedLoop } from '../../src/load/closed-loop-sender.js';
import { sendOpenLoop } from '../../src/load/open-loop-sender.js';
import { RoundRequests } from '../../src/load/round-requests.js';
import { RoundTally } from '../../src/load/round-tally.js';

/** The callbacks undici drives a request through, as far as the senders use them. */
interface Handler {
  onConnect(abort: (reason: Error) => void): void;
  onHeaders(statusCode: number): boolean;
  onData(): boolean;
  onComplete(): void;
  onError(error: Error): void;
}

/** A connection that answers each request as `answer` says, and counts what it was given. */
function fakeConnection(answer: (handler: Handler) => void) {
  const connection = {
    dispatched: 0,
    dispatch(_options: Dispatcher.DispatchOptions, handler: Handler) {
      connection.dispatched++;
      handler.onConnect((reason) => handler.onError(reason));
      answer(handler);
      return true;
    },
  };
  return connection;
}
const asDispatcher = (connection: ReturnType<typeof fakeConnection>) => connection as unknown as Dispatcher;
const answerAfter = (ms: number) => (handler: Handler) =>
  setTimeout(() => {
    handler.onHeaders(200);
    handler.onData();
    handler.onComplete();
  }, ms);
const neverAnswer = () => undefined;
const refuseAtOnce = (handler: Handler) =>
  handler.onError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

function newRound(options: { timeoutMs?: number; deadAfterRefusals?: number } = {}) {
  const tally = new RoundTally(options.deadAfterRefusals ?? 20);
  return new RoundRequests(tally, () => ({ path: '/', method: 'GET' }), options.timeoutMs ?? 1000);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sendOpenLoop', () => {
  it('sends every planned request on time at the planned rate, latency from the actual (early) send', async () => {
    const connection = fakeConnection(answerAfter(2));
    const requests = newRound();
    const sending = sendOpenLoop(
      requests,
      asDispatcher(connection),
      { rate: 1000, maxInFlight: 100, durationMs: 50, lateAllowanceMs: 10 },
      performance.now(),
    );
    await vi.advanceTimersByTimeAsync(100);
    const sends = await sending;
    expect(sends).toMatchObject({ planned: 50, lateSends: 0, generatorLateSends: 0, capReached: false });
    expect(connection.dispatched).toBe(50);
    expect(sends.sendLag.totalCount).toBe(50);
    expect(sends.sendLag.maxValue).toBeLessThan(10); // µs: a timer fires on time on a fake clock
    expect(requests.tally.ok).toBe(50);
    // Each send leaves 1 ms before its planned time, so its latency counts from the send: 2 ms, not 3.
    expect(requests.tally.histogram.getValueAtPercentile(0)).toBeGreaterThanOrEqual(1990);
    expect(requests.tally.histogram.maxValue).toBeLessThan(2010);
  });

  it('holds sends back at the in-flight cap, counts the unsent as late (not the generator), and ends the stragglers', async () => {
    const connection = fakeConnection(neverAnswer);
    const requests = newRound({ timeoutMs: 50 });
    let finishedAt = 0;
    void requests.finished.then(() => (finishedAt = performance.now()));
    const t0 = performance.now();
    const sending = sendOpenLoop(
      requests,
      asDispatcher(connection),
      { rate: 1000, maxInFlight: 3, durationMs: 10, lateAllowanceMs: 10 },
      t0,
    );
    await vi.advanceTimersByTimeAsync(200);
    const sends = await sending;
    expect(sends).toMatchObject({ planned: 10, lateSends: 7, generatorLateSends: 0, capReached: true });
    expect(connection.dispatched).toBe(3);
    expect(requests.stopped).toBe(true);
    // The window closed at 11 ms; what was still in flight 50 ms later ended as timeouts.
    expect(requests.tally.errors.timeout).toBe(3);
    expect(requests.tally.completed).toBe(3);
    expect(finishedAt - t0).toBe(61);
  });

  it('sends nothing in a round stopped before it began', async () => {
    const connection = fakeConnection(answerAfter(1));
    const requests = newRound();
    requests.abort();
    const sends = await sendOpenLoop(
      requests,
      asDispatcher(connection),
      { rate: 1000, maxInFlight: 10, durationMs: 50, lateAllowanceMs: 10 },
      performance.now(),
    );
    expect(sends).toMatchObject({ planned: 0, lateSends: 0, capReached: false });
    expect(connection.dispatched).toBe(0);
  });
});

describe('sendClosedLoop', () => {
  it('sends back to back on every connection until the window is over', async () => {
    const connections = [1, 2, 3].map(() => fakeConnection(answerAfter(1)));
    const requests = newRound();
    const sending = sendClosedLoop(
      requests,
      connections.map(asDispatcher),
      { durationMs: 10, maxRequests: Number.POSITIVE_INFINITY },
      performance.now(),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(await sending).toBe(10);
    expect(connections.map((c) => c.dispatched)).toEqual([10, 10, 10]);
    expect(requests.tally.ok).toBe(30);
  });

  it('stops after maxRequests, and measures throughput over the time the senders ran', async () => {
    const connections = [1, 2, 3].map(() => fakeConnection(answerAfter(1)));
    const requests = newRound();
    const sending = sendClosedLoop(
      requests,
      connections.map(asDispatcher),
      { durationMs: 60_000, maxRequests: 7 },
      performance.now(),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(await sending).toBe(3);
    expect(requests.tally.completed).toBe(7);
  });

  it('sends again after a refusal only on the next turn of the event loop, and stops when the backend is gone', async () => {
    const connections = [1, 2].map(() => fakeConnection(refuseAtOnce));
    const requests = newRound({ deadAfterRefusals: 5 });
    const sending = sendClosedLoop(
      requests,
      connections.map(asDispatcher),
      { durationMs: 1000, maxRequests: Number.POSITIVE_INFINITY },
      performance.now(),
    );
    // Both senders refused once inside their first dispatch, and waited instead of recursing.
    expect(requests.tally.refused).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    await sending;
    expect(requests.tally.backendGone).toBe(true);
    expect(requests.tally.refused).toBe(5);
    expect(connections[0]!.dispatched + connections[1]!.dispatched).toBe(5);
  });
});
