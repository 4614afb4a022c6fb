/**
 * A duet benchmark against two real loopback servers: both rounds of a pair must run at the same time and
 * send the same requests in the same order, and a backend that dies must end the benchmark the way it does
 * for one round at a time (the rounds so far kept, the other round of the pair included).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadSettings } from '../../src/load/load-settings.js';
import { BenchmarkInfrastructureError, runBenchmark, type ServerMetricsHooks } from '../../src/load/run-benchmark.js';
import { parseWorkload } from '../../src/load/workload.js';
import { MemoryLogger } from '../../src/log.js';
import type { Variant } from '../../src/model/round-record.js';
import { answerOk, type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

// Eight distinct requests in a seeded shuffled order: a round's sequence depends on its pair's seed.
const workload = parseWorkload(
  { requests: Array.from({ length: 8 }, (_, i) => ({ method: 'GET', path: `/item/${i}` })) },
  'test',
  'shuffled',
);

// One connection per variant keeps the arrival order at the server the send order. A generous rate
// tolerance: the test is about orchestration, and a busy 2-core machine may send late.
const load: LoadSettings = {
  mode: 'open',
  rate: 40,
  maxInFlight: 1,
  roundDurationMs: 600,
  warmupMs: 0,
  pairs: 4,
  design: 'duet',
  seed: 5,
  rateTolerance: 0.5,
};

interface RecordingServer {
  server: LoopbackServer;
  /** Paths in the order the server received them, and when (performance.now()). */
  paths: string[];
  times: number[];
}

let servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
  servers = [];
});

async function recordingServer(): Promise<RecordingServer> {
  const paths: string[] = [];
  const times: number[] = [];
  const server = await startLoopbackServer((request, response) => {
    paths.push(request.url ?? '');
    times.push(performance.now());
    answerOk(request, response);
  });
  servers.push(server);
  return { server, paths, times };
}

/** Hooks that cut each server's request log at the scrapes around a round: the requests of that round. */
function roundLogs(
  s: Record<Variant, RecordingServer>,
  seen: { variant: Variant; paths: string[]; times: number[] }[],
): ServerMetricsHooks {
  return {
    async scrape(variant) {
      return { variant, at: s[variant].paths.length };
    },
    compute(before, after) {
      const from = before as { variant: Variant; at: number };
      const to = (after as { at: number }).at;
      const paths = s[from.variant].paths.slice(from.at, to);
      seen.push({ variant: from.variant, paths, times: s[from.variant].times.slice(from.at, to) });
      return { values: { server_requests: paths.length }, invalidReasons: [] };
    },
  };
}

describe('runBenchmark: duet', () => {
  it('runs both rounds of a pair at once on the same request sequence, in the planned start order', async () => {
    const s = { baseline: await recordingServer(), candidate: await recordingServer() };
    const seen: { variant: Variant; paths: string[]; times: number[] }[] = [];
    const log = new MemoryLogger();
    const { rounds } = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.server.url }, candidate: { baseUrl: s.candidate.server.url } },
      workload,
      load,
      serverMetrics: roundLogs(s, seen),
      log,
    });

    expect(rounds).toHaveLength(8);
    expect(rounds.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let pair = 0; pair < 4; pair++) {
      const [first, second] = rounds.filter((r) => r.pair === pair);
      expect(new Set([first!.variant, second!.variant])).toEqual(new Set(['baseline', 'candidate']));
      expect(first!.index).toBeLessThan(second!.index);
      expect(log.lines).toContain(`debug: pair ${pair}: both variants at once, ${first!.variant} starts first`);
      // Both rounds record the same planned start (the shared schedule's first send).
      expect(Math.abs(Date.parse(first!.startedAt) - Date.parse(second!.startedAt))).toBeLessThanOrEqual(2);
    }
    const ofVariant = (variant: Variant) => seen.filter((x) => x.variant === variant);
    // Both servers were loaded at the same time: request i of a pair reached them at about the same instant
    // (planned 25 ms apart, so rounds one after the other would differ by a whole round, 600 ms).
    for (let pair = 0; pair < 4; pair++) {
      const [b, c] = [ofVariant('baseline')[pair]!.times, ofVariant('candidate')[pair]!.times];
      const gaps = b
        .slice(0, c.length)
        .map((t, i) => Math.abs(t - c[i]!))
        .sort((x, y) => x - y);
      expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(20);
    }
    // Both servers saw the same requests in the same order, round by round. 24 are planned per round; with
    // one connection a send still held back when the window closes is dropped, so one round may miss its
    // last requests (more on a busy machine): the two sequences agree as far as both go.
    const baselineRounds = ofVariant('baseline').map((x) => x.paths);
    const candidateRounds = ofVariant('candidate').map((x) => x.paths);
    expect(baselineRounds).toHaveLength(4);
    expect(candidateRounds).toHaveLength(4);
    for (let pair = 0; pair < 4; pair++) {
      const [b, c] = [baselineRounds[pair]!, candidateRounds[pair]!];
      const both = Math.min(b.length, c.length);
      expect(both).toBeGreaterThanOrEqual(4);
      expect(Math.max(b.length, c.length)).toBeLessThanOrEqual(24);
      expect(c.slice(0, both)).toEqual(b.slice(0, both));
    }
    // ... and the sequence is the pair's own, not one fixed sequence for every round.
    expect(new Set(baselineRounds.map((p) => p.join(' '))).size).toBeGreaterThan(1);
  });

  it('a stall of the generator during a duet invalidates both rounds: each sender counts its own late sends', async () => {
    const s = { baseline: await recordingServer(), candidate: await recordingServer() };
    // The event loop is blocked for 300 ms in the middle of the pair: about 12 of each round's 24 sends
    // leave late, well above the 20 % a round may have.
    const stall = setTimeout(() => {
      const until = performance.now() + 300;
      while (performance.now() < until) {}
    }, 200);
    const { rounds } = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.server.url }, candidate: { baseUrl: s.candidate.server.url } },
      workload,
      load: { ...load, pairs: 1, maxInFlight: 64 },
      log: new MemoryLogger(),
    }).finally(() => clearTimeout(stall));
    expect(rounds.map((r) => r.variant).sort()).toEqual(['baseline', 'candidate']);
    for (const round of rounds) {
      expect(round.valid).toBe(false);
      expect(round.invalidReasons.join('; ')).toMatch(
        /left more than 10 ms after their planned time because the generator was late/,
      );
      expect(round.flags).toContain('generator-saturated');
    }
  });

  it('a backend that dies in a duet ends the benchmark and keeps the rounds so far, the other round of the pair too', async () => {
    const s = { baseline: await recordingServer(), candidate: await recordingServer() };
    const error = await runBenchmark({
      targets: { baseline: { baseUrl: s.baseline.server.url }, candidate: { baseUrl: s.candidate.server.url } },
      workload,
      load: { ...load, maxInFlight: 4 },
      log: new MemoryLogger(),
      // The candidate's process "crashes" after the first pair.
      onRound: async (_round, all) => {
        if (all.length === 2) await s.candidate.server.close();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BenchmarkInfrastructureError);
    const failure = error as BenchmarkInfrastructureError;
    expect(failure.variant).toBe('candidate');
    expect(failure.message).toMatch(
      /^candidate backend \(http:\/\/127\.0\.0\.1:\d+\) failed during round \d\/8 \(pair 1\)/,
    );
    expect(failure.rounds.map((r) => [r.pair, r.variant])).toEqual([
      ...failure.rounds.slice(0, 2).map((r) => [0, r.variant]),
      [1, 'baseline'],
    ]);
  });
});
