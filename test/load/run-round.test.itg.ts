/**
 * runRound against real HTTP servers on loopback. The target runs in its own process (test/helpers/target-process.ts) so
 * it never competes with the generator for the event loop. Bounds are deliberately wide: these tests check
 * behaviour (a stall reaches the tail, errors land in the right bucket), not speed; speed is in bench/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import { clientMetricValues } from '../../src/load/client-metric-values.js';
import { createLoadPool, runRound } from '../../src/load/run-round.js';
import { parseWorkload } from '../../src/load/workload.js';
import { startLoopbackServer } from '../helpers/loopback-server.js';
import { startTargetProcess, type TargetProcess } from '../helpers/target-process.js';

const getRoot = parseWorkload({ requests: [{ method: 'GET', path: '/' }] }, 'test');

describe('runRound', () => {
  let target: TargetProcess;
  beforeAll(async () => {
    target = await startTargetProcess();
  });
  afterAll(async () => {
    await target.stop();
  });

  it('open loop sends exactly the planned number of requests and reaches the target rate', async () => {
    // The first round of a cold process on a busy 2-core machine can send a few % late (that is what the
    // benchmark's warm-up is for); the lateness rule has its own test below, so it is relaxed here.
    const outcome = await runRound({
      baseUrl: target.url,
      workload: getRoot,
      rate: 200,
      durationMs: 2000,
      rateTolerance: 0.5,
      maxLateShare: 0.5,
    });
    // 200 req/s for 2 s: sends planned at t0 + i/200 for i = 0..399, all sent whatever the machine's load.
    expect(outcome.stats.requests).toBe(400);
    expect(outcome.stats.ok).toBe(400);
    expect(outcome.stats.targetRate).toBe(200);
    expect(outcome.stats.achievedRate).toBeCloseTo(200, 5);
    expect(outcome.invalidReasons).toEqual([]);
    expect(outcome.valid).toBe(true);
    expect(outcome.histogram.totalCount).toBe(400);
    expect(outcome.stats.histogram).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(outcome.stats.generator!.cpuShare).toBeGreaterThan(0);
    // The generator reports its own scheduling accuracy (its value depends on the machine's load).
    expect(outcome.sendLagMs!.max).toBeGreaterThanOrEqual(outcome.sendLagMs!.p50);
  });

  it('measures latency from the planned send time, so a server stall shows in p99 and max', async () => {
    const stall = setTimeout(() => void target.control('/__stall?ms=1000'), 1000);
    const outcome = await runRound({ baseUrl: target.url, workload: getRoot, rate: 100, durationMs: 3000 });
    clearTimeout(stall);
    // About 100 requests were planned during the 1 s stall; the first waited ~1 s, the last ~0. From the
    // planned time, ~1/3 of all requests see hundreds of ms: the tail shows it, not just the max.
    expect(outcome.stats.latencyMs.max).toBeGreaterThan(800);
    expect(outcome.stats.latencyMs.p99).toBeGreaterThan(700);
    expect(outcome.stats.latencyMs.p90).toBeGreaterThan(300);
    expect(outcome.stats.requests).toBe(300);
  });

  it('closed loop hides the same stall in the tail: one slow request per connection', async () => {
    const stall = setTimeout(() => void target.control('/__stall?ms=1000'), 1000);
    const outcome = await runRound({
      baseUrl: target.url,
      workload: getRoot,
      mode: 'closed',
      connections: 2,
      durationMs: 3000,
    });
    clearTimeout(stall);
    expect(outcome.stats.targetRate).toBeUndefined();
    expect(outcome.stats.lateSends).toBeUndefined();
    expect(outcome.sendLagMs).toBeUndefined();
    expect(outcome.stats.latencyMs.max).toBeGreaterThan(800);
    // Thousands of fast requests and two slow ones: the p90 stays far below the stall.
    expect(outcome.stats.requests).toBeGreaterThan(200);
    expect(outcome.stats.latencyMs.p90).toBeLessThan(300);
  });

  it('closed loop stops after maxRequests when given', async () => {
    const outcome = await runRound({
      baseUrl: target.url,
      workload: getRoot,
      mode: 'closed',
      connections: 3,
      durationMs: 60_000,
      maxRequests: 50,
    });
    expect(outcome.stats.requests).toBe(50);
    expect(outcome.stats.ok).toBe(50);
  });

  it('counts non-2xx answers by status, keeps them out of the latency histogram, and keeps the round: it was measured', async () => {
    await target.control('/__fail?status=503');
    try {
      const outcome = await runRound({ baseUrl: target.url, workload: getRoot, rate: 100, durationMs: 500 });
      expect(outcome.stats.requests).toBe(50);
      expect(outcome.stats.ok).toBe(0);
      expect(outcome.stats.errors.status).toEqual({ '503': 50 });
      expect(outcome.histogram.totalCount).toBe(0);
      // A server that fails every request is what the round measured (an error rate of 1), not missing data.
      expect(outcome.invalidReasons).toEqual([]);
      expect(outcome.valid).toBe(true);
      expect(outcome.flags).toContain('no-successful-response');
      expect(outcome.flagDetails).toContain('no-successful-response: none of 50 requests succeeded (HTTP 503 × 50)');
      expect(clientMetricValues(outcome.stats)).toMatchObject({ error_rate: 1, throughput: 0, latency_p95: null });
    } finally {
      await target.control('/__fail?status=0');
    }
  });

  it('counts connection resets and timeouts per kind', async () => {
    await target.control('/__reset?every=4');
    try {
      const outcome = await runRound({ baseUrl: target.url, workload: getRoot, rate: 100, durationMs: 1000 });
      expect(outcome.stats.requests).toBe(100);
      expect(outcome.stats.errors.reset).toBeGreaterThan(10);
      expect(outcome.stats.errors.timeout).toBe(0);
      expect(outcome.stats.ok + outcome.stats.errors.reset + outcome.stats.errors.other).toBe(100);
      expect(outcome.histogram.totalCount).toBe(outcome.stats.ok);
    } finally {
      await target.control('/__reset?every=0');
    }
    await target.control('/__hang?every=5');
    try {
      const outcome = await runRound({
        baseUrl: target.url,
        workload: getRoot,
        rate: 50,
        durationMs: 1000,
        timeoutMs: 300,
      });
      expect(outcome.stats.requests).toBe(50);
      expect(outcome.stats.errors.timeout).toBeGreaterThanOrEqual(5);
      expect(outcome.stats.ok + outcome.stats.errors.timeout).toBe(50);
      // Timed-out requests never enter the histogram: nothing near the 300 ms timeout is recorded.
      expect(outcome.histogram.totalCount).toBe(outcome.stats.ok);
    } finally {
      await target.control('/__hang?every=0');
    }
  });

  it('a rate the server cannot keep up with is measured, not invalid: flagged, the held sends counted late', async () => {
    await target.control('/__delay?ms=100');
    try {
      // Two requests in flight, 100 ms each: at most ~20 req/s can go out against a target of 100.
      const outcome = await runRound({
        baseUrl: target.url,
        workload: getRoot,
        rate: 100,
        durationMs: 1500,
        maxInFlight: 2,
      });
      expect(outcome.invalidReasons).toEqual([]);
      expect(outcome.valid).toBe(true);
      expect(outcome.flags).toEqual(expect.arrayContaining(['rate-shortfall', 'max-in-flight-reached']));
      expect(outcome.flagDetails.join()).toMatch(
        /rate-shortfall: achieved rate \d+\.\d req\/s is \d+\.\d % below the target 100 req\/s .*the server held all 2 requests in flight/,
      );
      expect(outcome.stats.achievedRate).toBeLessThan(50);
      expect(outcome.stats.lateSends).toBeGreaterThan(50);
      // Sends held back by the cap keep their planned time as latency origin: far above the 100 ms service time.
      expect(outcome.stats.latencyMs.max).toBeGreaterThan(500);
      // Throughput shows the shortfall.
      expect(clientMetricValues(outcome.stats).throughput).toBeLessThan(50);
    } finally {
      await target.control('/__delay?ms=0');
    }
  });

  it('a generator that sends most requests late (its event loop blocked) makes the round invalid', async () => {
    // 600 ms of the generator's own event loop blocked in a 1.5 s round at 100 req/s: ~60 of 150 sends leave late.
    const block = setTimeout(() => {
      const until = performance.now() + 600;
      while (performance.now() < until);
    }, 300);
    const outcome = await runRound({ baseUrl: target.url, workload: getRoot, rate: 100, durationMs: 1500 });
    clearTimeout(block);
    expect(outcome.stats.ok).toBe(outcome.stats.requests);
    expect(outcome.valid).toBe(false);
    expect(outcome.invalidReasons.join()).toMatch(
      /sends \(\d+\.\d %\) left more than 10 ms after their planned time because the generator was late/,
    );
  });

  it('a server that never answers: every request ends as a timeout and the round ends in bounded time', async () => {
    await target.control('/__hang?every=1');
    try {
      const started = performance.now();
      const outcome = await runRound({
        baseUrl: target.url,
        workload: getRoot,
        rate: 40,
        durationMs: 500,
        timeoutMs: 400,
        maxInFlight: 8,
      });
      // The window, then the last held request's timeout: not a minute of waiting on a server that never answers.
      expect(performance.now() - started).toBeLessThan(3000);
      expect(outcome.stats.ok).toBe(0);
      expect(outcome.stats.requests).toBeGreaterThanOrEqual(8);
      expect(outcome.stats.errors.timeout).toBe(outcome.stats.requests);
      expect(outcome.invalidReasons).toEqual([]);
      expect(outcome.valid).toBe(true);
      expect(outcome.flags).toEqual(
        expect.arrayContaining(['no-successful-response', 'rate-shortfall', 'max-in-flight-reached']),
      );
      expect(clientMetricValues(outcome.stats).error_rate).toBe(1);
    } finally {
      await target.control('/__hang?every=0');
    }
  });

  it('closed loop: a server that never answers ends the round after the window and one timeout', async () => {
    await target.control('/__hang?every=1');
    try {
      const started = performance.now();
      const outcome = await runRound({
        baseUrl: target.url,
        workload: getRoot,
        mode: 'closed',
        connections: 2,
        durationMs: 300,
        timeoutMs: 400,
      });
      expect(performance.now() - started).toBeLessThan(3000);
      expect(outcome.stats.requests).toBe(2);
      expect(outcome.stats.errors.timeout).toBe(2);
      expect(outcome.invalidReasons).toEqual([]);
      expect(outcome.flags).toContain('no-successful-response');
    } finally {
      await target.control('/__hang?every=0');
    }
  });

  it('a server that trickles its body for ever: the round still ends, those requests counted as timeouts', async () => {
    // One byte every 100 ms never trips undici's 400 ms wait between body chunks.
    const server = await startLoopbackServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => response.write('.'), 100);
      response.on('close', () => clearInterval(drip));
    });
    try {
      const started = performance.now();
      const outcome = await runRound({
        baseUrl: server.url,
        workload: getRoot,
        rate: 20,
        durationMs: 300,
        timeoutMs: 400,
      });
      // The window, then at most one timeout for the stragglers.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(outcome.stats.requests).toBe(6);
      expect(outcome.stats.errors.timeout).toBe(6);
      expect(outcome.stats.ok).toBe(0);
      expect(outcome.invalidReasons).toEqual([]);
    } finally {
      await server.close();
    }
  }, 15_000);

  it('a server that destroys every connection: every request counted as a reset, the round measured', async () => {
    await target.control('/__reset?every=1');
    try {
      const outcome = await runRound({ baseUrl: target.url, workload: getRoot, rate: 100, durationMs: 500 });
      expect(outcome.stats.requests).toBe(50);
      expect(outcome.stats.errors.reset).toBe(50);
      expect(outcome.invalidReasons).toEqual([]);
      expect(outcome.valid).toBe(true);
      expect(outcome.flags).toContain('no-successful-response');
      expect(clientMetricValues(outcome.stats).error_rate).toBe(1);
    } finally {
      await target.control('/__reset?every=0');
    }
  });

  it('stops on abort and says so', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 300);
    const outcome = await runRound({
      baseUrl: target.url,
      workload: getRoot,
      rate: 100,
      durationMs: 10_000,
      signal: controller.signal,
    });
    expect(outcome.aborted).toBe(true);
    expect(outcome.valid).toBe(false);
    expect(outcome.stats.requests).toBeLessThan(500);
  });

  it('raises an InfrastructureError when the backend refuses every connection', async () => {
    const gone = await startTargetProcess();
    await gone.stop();
    const error = await runRound({ baseUrl: gone.url, workload: getRoot, rate: 50, durationMs: 5000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toMatch(/refused .*ECONNREFUSED.*not running/);
  });

  it('sends the workload as written: method, path prefix, headers and JSON body', async () => {
    const seen: string[] = [];
    const server = await startLoopbackServer((request, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers['content-type']} ${request.headers['x-team']}`);
      response.writeHead(201);
      response.end();
    });
    try {
      const workload = parseWorkload(
        { requests: [{ method: 'POST', path: '/ask?k=5', headers: { 'X-Team': 'rag' }, body: { q: 'pool' } }] },
        'test',
      );
      const outcome = await runRound({
        baseUrl: `${server.url}/api/`,
        workload,
        mode: 'closed',
        connections: 1,
        durationMs: 200,
      });
      expect(outcome.stats.ok).toBe(outcome.stats.requests);
      expect(seen[0]).toBe('POST /api/ask?k=5 application/json rag');
    } finally {
      await server.close();
    }
  });

  it('closed loop: a request undici refuses at dispatch is counted, not recursed on until the stack overflows', async () => {
    // Built by hand to get past parseWorkload, which refuses such headers with a message naming the request.
    const refusedByUndici = {
      order: 'weighted' as const,
      requests: [{ method: 'GET' as const, path: '/', headers: { 'transfer-encoding': 'chunked' }, weight: 1 }],
    };
    const outcome = await runRound({
      baseUrl: target.url,
      workload: refusedByUndici,
      mode: 'closed',
      connections: 2,
      durationMs: 300,
    });
    expect(outcome.stats.requests).toBeGreaterThan(2);
    expect(outcome.stats.errors.other).toBe(outcome.stats.requests);
    expect(outcome.stats.ok).toBe(0);
    // The requests never left the generator: that says nothing about the server, so the round is not measured.
    expect(outcome.valid).toBe(false);
    expect(outcome.invalidReasons.join()).toMatch(
      /^\d+ of \d+ requests were never sent: the load generator refused them \(invalid transfer-encoding header\)$/,
    );
    expect(outcome.flags).not.toContain('no-successful-response');
  });

  it('closed loop: the round ends at its duration and counts non-2xx answers and resets per kind', async () => {
    await target.control('/__fail?status=503');
    try {
      const started = performance.now();
      const outcome = await runRound({
        baseUrl: target.url,
        workload: getRoot,
        mode: 'closed',
        connections: 2,
        durationMs: 500,
      });
      const tookMs = performance.now() - started;
      expect(tookMs).toBeGreaterThanOrEqual(500);
      expect(tookMs).toBeLessThan(3000);
      expect(outcome.stats.requests).toBeGreaterThan(10);
      expect(outcome.stats.errors.status).toEqual({ '503': outcome.stats.requests });
      expect(outcome.histogram.totalCount).toBe(0);
    } finally {
      await target.control('/__fail?status=0');
    }
    await target.control('/__reset?every=4');
    try {
      const outcome = await runRound({
        baseUrl: target.url,
        workload: getRoot,
        mode: 'closed',
        connections: 2,
        durationMs: 500,
      });
      expect(outcome.stats.errors.reset).toBeGreaterThan(5);
      expect(outcome.stats.ok + outcome.stats.errors.reset + outcome.stats.errors.other).toBe(outcome.stats.requests);
      expect(outcome.histogram.totalCount).toBe(outcome.stats.ok);
    } finally {
      await target.control('/__reset?every=0');
    }
  });

  it('closed loop: a backend that refuses every connection raises an InfrastructureError', async () => {
    const gone = await startTargetProcess();
    await gone.stop();
    const error = await runRound({
      baseUrl: gone.url,
      workload: getRoot,
      mode: 'closed',
      connections: 3,
      durationMs: 5000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toMatch(/refused .*ECONNREFUSED.*not running/);
  });

  it("refuses a closed-loop pool whose connection count differs from the round's", async () => {
    const pool = createLoadPool(target.url, { mode: 'closed', connections: 2 });
    try {
      await expect(
        runRound({ baseUrl: target.url, workload: getRoot, mode: 'closed', connections: 3, durationMs: 100, pool }),
      ).rejects.toThrow(/closed-loop pool of 2 connections was given to a round of 3/);
    } finally {
      await pool.close();
    }
  });

  it('refuses bad options naming the setting', async () => {
    await expect(runRound({ baseUrl: target.url, workload: getRoot, durationMs: 100 })).rejects.toThrow(
      /load\.rate: got nothing/,
    );
    await expect(runRound({ baseUrl: 'ftp://x', workload: getRoot, rate: 1, durationMs: 100 })).rejects.toThrow(
      /baseUrl/,
    );
  });
});
