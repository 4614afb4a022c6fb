/**
 * runBenchmark against two real loopback servers standing in for baseline and candidate. The metrics hooks
 * are plain functions over the servers' own request counters: the load stage must only call them at the
 * right moments and merge what they return.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import { evaluateTargets } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import type { LoadSettings } from '../../src/load/load-settings.js';
import { BenchmarkInfrastructureError, runBenchmark, type ServerMetricsHooks } from '../../src/load/run-benchmark.js';
import { parseWorkload } from '../../src/load/workload.js';
import { MemoryLogger } from '../../src/log.js';
import { CLIENT_METRICS, type RoundRecord, type Variant } from '../../src/model/round-record.js';
import { targetNote } from '../../src/report/reason-text.js';
import { pairRounds } from '../../src/stats/paired-rounds.js';
import { type Behaviour, type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

const workload = parseWorkload({ requests: [{ method: 'GET', path: '/' }] }, 'test');
const delayed =
  (ms: number): Behaviour =>
  (_request, response) =>
    setTimeout(() => response.end('ok'), ms);

// A generous rate tolerance: these tests are about orchestration, and a busy 2-core machine may send late.
const load: LoadSettings = {
  mode: 'open',
  rate: 40,
  roundDurationMs: 500,
  warmupMs: 200,
  pairs: 2,
  design: 'abba',
  seed: 11,
  rateTolerance: 0.5,
};

let servers: LoopbackServer[] = [];
async function startPair(): Promise<Record<Variant, LoopbackServer>> {
  const baseline = await startLoopbackServer(delayed(30));
  const candidate = await startLoopbackServer(delayed(5));
  servers = [baseline, candidate];
  return { baseline, candidate };
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
});

function countingHooks(servers: Record<Variant, LoopbackServer>, calls: string[]): ServerMetricsHooks {
  return {
    async scrape(variant) {
      calls.push(`scrape ${variant}`);
      return { received: servers[variant].received };
    },
    compute(before, after, elapsedSeconds) {
      const served = (after as { received: number }).received - (before as { received: number }).received;
      return {
        values: { server_requests: served, server_rate: served / elapsedSeconds, server_share: 1 },
        counts: { server_share: { events: served, trials: served } },
        invalidReasons: served === 0 ? ['no request reached the server'] : [],
      };
    },
  };
}

describe('runBenchmark', () => {
  it('keeps one connection pool per variant for the whole benchmark and closes it at the end', async () => {
    const s = await startPair();
    // Two requests in flight at most: each variant needs at most two connections, opened during warm-up.
    await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load: { ...load, pairs: 3, maxInFlight: 2 },
      log: new MemoryLogger(),
    });
    for (const variant of ['baseline', 'candidate'] as const) {
      expect(s[variant].received).toBeGreaterThan(3 * 15);
      // A fresh pool per round would open at least one connection in each of the 4 runs (warm-up + 3 rounds).
      expect(s[variant].connections).toBeLessThanOrEqual(2);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.baseline.openConnections + s.candidate.openConnections).toBe(0);
  });

  it('closed loop: each of the connections is opened once per variant and reused by its sender in every round', async () => {
    const s = await startPair();
    const { rate: _rate, ...closedLoad } = load;
    await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load: { ...closedLoad, mode: 'closed', connections: 3, pairs: 3 },
      log: new MemoryLogger(),
    });
    for (const variant of ['baseline', 'candidate'] as const) {
      // 3 senders each with its own connection, over warm-up + 3 rounds: exactly 3, neither fewer nor more.
      expect(s[variant].connections).toBe(3);
      expect(s[variant].received).toBeGreaterThan(4 * 3);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.baseline.openConnections + s.candidate.openConnections).toBe(0);
  });

  it('warms up, runs the planned pairs, merges client and server values and reports each round', async () => {
    const s = await startPair();
    const log = new MemoryLogger();
    const calls: string[] = [];
    const persisted: number[] = [];
    const result = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load,
      serverMetrics: countingHooks(s, calls),
      log,
      onRound: (_round, all) => void persisted.push(all.length),
    });
    expect(result.aborted).toBeUndefined();
    expect(result.rounds.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(result.rounds.map((r) => r.pair)).toEqual([0, 0, 1, 1]);
    expect(persisted).toEqual([1, 2, 3, 4]);
    // Two scrapes per round, none during warm-up.
    expect(calls).toHaveLength(8);
    for (const round of result.rounds) {
      expect(round.valid).toBe(true);
      expect(round.client.requests).toBe(20); // 40 req/s x 0.5 s
      for (const metric of CLIENT_METRICS) expect(round.values[metric.name]).toEqual(expect.any(Number));
      // The warm-up's requests are not in the round: the server saw exactly the round's 20.
      expect(round.values.server_requests).toBe(20);
      // The counts behind a ratio travel with the round, for judging a rate on its pooled counts.
      expect(round.counts).toEqual({ server_share: { events: 20, trials: 20 } });
    }
    // Each variant's rounds reached its own server: the baseline answers after 30 ms, a floor no load can lower.
    const p50 = (variant: Variant) =>
      result.rounds.filter((r) => r.variant === variant).map((r) => r.values.latency_p50!);
    for (const value of p50('baseline')) expect(value).toBeGreaterThanOrEqual(29);
    for (const value of p50('candidate')) expect(value).toBeGreaterThanOrEqual(4);
    expect(result.rounds.every((r) => r.values.error_rate === 0 && r.values.throughput! > 0)).toBe(true);
    expect(log.lines.filter((l) => l.startsWith('warm-up'))).toHaveLength(2);
    expect(
      log.lines.filter((l) =>
        /^round \d\/4 (baseline|candidate): \d+\.\d req\/s, p50 \d+\.\d ms, p99 \d+\.\d ms$/.test(l),
      ),
    ).toHaveLength(4);
  });

  it('keeps the bounds of the quantiles the buckets bound, beside their values, in every round', async () => {
    const s = await startPair();
    const result = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load: { ...load, pairs: 1, warmupMs: 0 },
      serverMetrics: {
        scrape: async () => ({}),
        compute: () => ({
          values: { pool_wait_p95: 0.475, pipeline_time: 3 },
          invalidReasons: [],
          bounds: { pool_wait_p95: { lower: 0, upper: 0.5 } },
        }),
      },
      log: new MemoryLogger(),
    });
    expect(result.rounds).toHaveLength(2);
    for (const round of result.rounds) {
      expect(round.values.pool_wait_p95).toBe(0.475);
      expect(round.bounds).toEqual({ pool_wait_p95: { lower: 0, upper: 0.5 } });
    }
  });

  it('server metrics that could not be measured are missing for those metrics only: the round and its client figures count', async () => {
    const s = await startPair();
    const hooks: ServerMetricsHooks = {
      scrape: async () => ({}),
      compute: () => ({
        values: { pool_wait_p95: 3 },
        invalidReasons: ['counter reset between scrapes'],
        bounds: { pool_wait_p95: { lower: 0, upper: 5 } },
      }),
    };
    const log = new MemoryLogger();
    const result = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load: { ...load, pairs: 1, warmupMs: 0 },
      serverMetrics: hooks,
      log,
    });
    const [first] = result.rounds;
    // Only a generator that sent late (a busy machine) could invalidate these rounds; the server metrics never do.
    for (const round of result.rounds)
      for (const reason of round.invalidReasons) expect(reason).toMatch(/because the generator was late/);
    expect(first!.flags).toContain('server-metrics-missing');
    expect(first!.serverMetricsProblems).toEqual(['counter reset between scrapes']);
    expect(first!.values.pool_wait_p95).toBeNull();
    // A bound of a value that was not measured says nothing either.
    expect(first!.bounds).toBeUndefined();
    expect(first!.values.error_rate).toBe(0);
    expect(log.lines.some((l) => /server metrics not measured: counter reset between scrapes/.test(l))).toBe(true);
    // A target on the server metric has no data and says why; one on a client metric is judged.
    const pair = [
      { ...first!, variant: 'baseline' as const },
      { ...first!, variant: 'candidate' as const },
    ];
    expect(pairRounds(pair, 'error_rate', false).excluded).toEqual([]);
    expect(pairRounds(pair, 'pool_wait_p95', true).excluded[0]).toEqual({
      pair: first!.pair,
      cause: 'not-measured',
      variant: 'baseline',
      metric: 'pool_wait_p95',
      serverMetricsProblems: ['counter reset between scrapes'],
    });
  });

  it('a candidate that answers 500 to every request: its rounds are measured and the gate fails with the counts', async () => {
    const baseline = await startLoopbackServer(delayed(2));
    const candidate = await startLoopbackServer((_request, response) => {
      response.writeHead(500);
      response.end('internal error');
    });
    servers = [baseline, candidate];
    const log = new MemoryLogger();
    const result = await runBenchmark({
      targets: { baseline: { baseUrl: baseline.url }, candidate: { baseUrl: candidate.url } },
      workload,
      load: { ...load, pairs: 5, warmupMs: 0 },
      log,
    });
    // No success, so no latency to print: not "p50 0.0 ms".
    expect(
      log.lines.filter((l) => /^round \d+\/10 candidate: \d+\.\d req\/s, no successful response$/.test(l)),
    ).toHaveLength(5);
    const candidateRounds = result.rounds.filter((r) => r.variant === 'candidate');
    expect(candidateRounds).toHaveLength(5);
    // A busy 2-core machine may send a round's requests late (the only thing that invalidates one); the 500s never do.
    expect(candidateRounds.filter((r) => r.valid).length).toBeGreaterThanOrEqual(1);
    for (const round of candidateRounds) {
      for (const reason of round.invalidReasons) expect(reason).toMatch(/because the generator was late/);
      expect(round.flags).toContain('no-successful-response');
      expect(round.values.error_rate).toBe(1);
      expect(round.values.latency_p95).toBeNull();
    }
    const targets: Target[] = [
      { kind: 'absolute', expression: 'error_rate <= 1%', metric: 'error_rate', comparator: '<=', threshold: 0.01 },
      { kind: 'regression', expression: 'latency_p95 worsens <= 10%', metric: 'latency_p95', maxRegression: 0.1 },
    ];
    const evaluation = evaluateTargets(targets, result.rounds, CLIENT_METRICS);
    expect(evaluation.verdict).toBe('fail');
    expect(evaluation.targets.map((t) => t.status)).toEqual(['fail', 'fail']);
    expect(targetNote(targets[0]!.expression, evaluation.targets[0]!.reason)).toMatch(
      /^error_rate <= 1%: fail; in (\d) of \1 candidate rounds no request succeeded \((\d+) of \2 requests failed: HTTP 500 × \2\): an error rate of 100 % in those rounds\.$/,
    );
  });

  it('ends with an InfrastructureError naming the dead variant and carrying the earlier rounds', async () => {
    const s = await startPair();
    const error = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load: { ...load, warmupMs: 0, seed: 3 },
      log: new MemoryLogger(),
      // The candidate's process "crashes" after the first round.
      onRound: async (round: RoundRecord) => {
        if (round.index === 0) await s.candidate.close();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BenchmarkInfrastructureError);
    expect(error).toBeInstanceOf(InfrastructureError);
    const failure = error as BenchmarkInfrastructureError;
    expect(failure.variant).toBe('candidate');
    expect(failure.message).toMatch(
      /^candidate backend \(http:\/\/127\.0\.0\.1:\d+\) failed during round \d\/4 .*ECONNREFUSED/,
    );
    expect(failure.rounds.length).toBeGreaterThanOrEqual(1);
    expect(failure.rounds.every((r) => r.variant === 'baseline' || r.index === 0)).toBe(true);
  });

  it('stops between rounds on abort and returns the rounds so far', async () => {
    const s = await startPair();
    const controller = new AbortController();
    const result = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load: { ...load, warmupMs: 0 },
      log: new MemoryLogger(),
      signal: controller.signal,
      onRound: (_round, all) => {
        if (all.length === 2) controller.abort(new Error('cancelled by the workflow'));
      },
    });
    expect(result.rounds).toHaveLength(2);
    expect(result.aborted).toEqual({ reason: 'cancelled by the workflow' });
  });

  it('extends an earlier benchmark from startPair with the same plan it would have had', async () => {
    const s = await startPair();
    const result = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.url }, candidate: { baseUrl: s.candidate.url } },
      workload,
      load: { ...load, pairs: 1, warmupMs: 0, mode: 'closed', connections: 2 },
      log: new MemoryLogger(),
      startPair: 3,
    });
    expect(result.rounds.map((r) => [r.index, r.pair])).toEqual([
      [6, 3],
      [7, 3],
    ]);
    expect(result.rounds[0]!.client.targetRate).toBeUndefined();
  });

  it('refuses invalid load settings before sending anything', async () => {
    await expect(
      runBenchmark({
        targets: { baseline: { baseUrl: 'http://127.0.0.1:1' }, candidate: { baseUrl: 'http://127.0.0.1:1' } },
        workload,
        load: { ...load, rate: -5 },
        log: new MemoryLogger(),
      }),
    ).rejects.toThrow(/load\.rate: got -5; expected a number > 0/);
  });
});
