/**
 * Tail targets (latency_p95 and the like): which estimator, by simulation. Each simulated gate run has
 * `pairs` pairs of rounds; a round holds `requests` request latencies drawn from a log-normal body with
 * a slow tail (a share of requests `tail-factor` times slower: lock waits, cache misses), shifted per
 * round by round noise, noise shared by the pair's two rounds, a random-walk drift and rare bursts. The
 * candidate's requests are the baseline's distribution scaled by 1 + effect, so every quantile's true
 * ratio is exactly 1 + effect.
 *
 * Compared, on the same simulated rounds:
 *   per-round HL   today's gate: each round's own p95, the paired log ratios, Hodges–Lehmann interval
 *   pooled pct     pooled p95 of each variant's requests, pair-block percentile bootstrap
 *   pooled boot-t  the same estimate ± t(n−1) × bootstrap standard error
 *   pooled jack-t  the same estimate ± t(n−1) × delete-one-pair jackknife standard error
 * Reported per cell: coverage of the true log ratio at `level` (two-sided), median half-width, and the
 * share of runs in which `worsens <= 0%` fails (lower bound above 0) and `worsens <= 10%` passes
 * (upper bound below log 1.1).
 *
 * Run: npx tsx bench/tail-estimator-coverage.ts [--sims 2000] [--pairs 10,20,30] [--effects 0,0.05,0.1]
 *        [--requests 140] [--level 0.98] [--q 0.95] [--resamples 1000] [--round-sigma 0.04]
 *        [--window-sigma 0.03] [--drift-step 0.02] [--burst-probability 0.01] [--request-sigma 0.45]
 *        [--tail-share 0.04] [--tail-factor 4] [--stall-probability 0] [--stall-share 0.08]
 *        [--stall-factor 5] [--seed 1] [--out bench/results/tail]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { studentTQuantile } from '../src/stats/distributions.js';
import { hodgesLehmann } from '../src/stats/hodges-lehmann.js';
import {
  bucketOf,
  type CumulativeCounts,
  cumulativeCounts,
  logGrid,
  pooledQuantile,
  pooledQuantileRatio,
} from '../src/stats/pooled-quantile.js';
import { createRandom, type Random } from '../src/stats/prng.js';
import { parseArgs } from './args.js';
import { provenance, resultsDir } from './provenance.js';

const args = parseArgs(process.argv.slice(2), [
  'sims',
  'pairs',
  'effects',
  'requests',
  'level',
  'q',
  'resamples',
  'round-sigma',
  'window-sigma',
  'drift-step',
  'burst-probability',
  'request-sigma',
  'tail-share',
  'tail-factor',
  'stall-probability',
  'stall-share',
  'stall-factor',
  'seed',
  'out',
]);
const num = (name: string, fallback: number): number => {
  const raw = args.get(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name}: got ${raw}; expected a number`);
  return value;
};
const list = (name: string, fallback: string): number[] =>
  (args.get(name) ?? fallback).split(',').map((s) => {
    const value = Number(s);
    if (!Number.isFinite(value)) throw new Error(`--${name}: got ${JSON.stringify(s)}; expected numbers`);
    return value;
  });

const settings = {
  sims: num('sims', 2000),
  pairs: list('pairs', '10,20,30'),
  effects: list('effects', '0,0.05,0.1'),
  requests: num('requests', 140),
  level: num('level', 0.98),
  q: num('q', 0.95),
  resamples: num('resamples', 1000),
  roundSigma: num('round-sigma', 0.04),
  windowSigma: num('window-sigma', 0.03),
  driftStep: num('drift-step', 0.02),
  burstProbability: num('burst-probability', 0.01),
  requestSigma: num('request-sigma', 0.45),
  tailShare: num('tail-share', 0.04),
  tailFactor: num('tail-factor', 4),
  stallProbability: num('stall-probability', 0),
  stallShare: num('stall-share', 0.08),
  stallFactor: num('stall-factor', 5),
  seed: num('seed', 1),
};
const grid = logGrid(0.05, 120_000, 1.01);
const METHODS = ['per-round HL', 'pooled pct', 'pooled boot-t', 'pooled jack-t'] as const;
type Method = (typeof METHODS)[number];

/**
 * One round's requests, binned: base 5 ms × round shift × each request's own spread. A stalled round
 * (a GC pause, a checkpoint: `stall-probability`) has a run of `stall-share` of its requests
 * `stall-factor` times slower, which moves that round's p95 far more than the pooled one.
 */
function round(random: Random, shift: number, scale: number): CumulativeCounts {
  const counts = new Float64Array(grid.upper.length);
  const stalled = random.next() < settings.stallProbability;
  const stallStart = Math.floor(random.next() * settings.requests * (1 - settings.stallShare));
  const stallEnd = stallStart + Math.round(settings.stallShare * settings.requests);
  for (let k = 0; k < settings.requests; k++) {
    let value = 5 * Math.exp(shift + settings.requestSigma * random.normal()) * scale;
    if (random.next() < settings.tailShare) value *= settings.tailFactor;
    if (stalled && k >= stallStart && k < stallEnd) value *= settings.stallFactor;
    counts[bucketOf(grid, value)]! += 1;
  }
  return cumulativeCounts(counts);
}

/** A gate run's rounds: pairs in shuffled order, drift over the schedule, noise per round and per pair. */
function simulateRun(random: Random, pairs: number, effect: number) {
  const out: { baseline: CumulativeCounts; candidate: CumulativeCounts }[] = [];
  let drift = 0;
  const burst = () =>
    random.next() < settings.burstProbability ? Math.log(1.3) + random.next() * (Math.log(2) - Math.log(1.3)) : 0;
  for (let i = 0; i < pairs; i++) {
    const shared = settings.windowSigma * random.normal();
    const candidateFirst = random.next() < 0.5;
    const shifts: number[] = [];
    for (let r = 0; r < 2; r++) {
      drift += settings.driftStep * random.normal();
      shifts.push(drift + shared + settings.roundSigma * random.normal() + burst());
    }
    const [first, second] = shifts as [number, number];
    const baselineShift = candidateFirst ? second : first;
    const candidateShift = candidateFirst ? first : second;
    out.push({ baseline: round(random, baselineShift, 1), candidate: round(random, candidateShift, 1 + effect) });
  }
  return out;
}

interface Cell {
  pairs: number;
  effect: number;
  covered: Record<Method, number>;
  halfWidths: Record<Method, number[]>;
  detect: Record<Method, number>;
  guardPass: Record<Method, number>;
  sims: number;
}

const started = performance.now();
const cells: Cell[] = [];
const tail = (1 - settings.level) / 2;
for (const pairs of settings.pairs) {
  for (const effect of settings.effects) {
    const random = createRandom(settings.seed * 7919 + pairs * 31 + Math.round(effect * 1000));
    const zero = () => Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<Method, number>;
    const cell: Cell = {
      pairs,
      effect,
      covered: zero(),
      halfWidths: Object.fromEntries(METHODS.map((m) => [m, []])) as unknown as Record<Method, number[]>,
      detect: zero(),
      guardPass: zero(),
      sims: settings.sims,
    };
    const truth = Math.log1p(effect);
    const t = studentTQuantile(1 - tail, pairs - 1);
    for (let s = 0; s < settings.sims; s++) {
      const run = simulateRun(random, pairs, effect);
      const perRound = run.map(
        (p) =>
          Math.log(pooledQuantile(grid, [p.candidate], settings.q)) -
          Math.log(pooledQuantile(grid, [p.baseline], settings.q)),
      );
      const hl = hodgesLehmann(perRound, settings.level);
      const boot = pooledQuantileRatio(grid, run, settings.q, settings.level, {
        method: 'percentile',
        seed: s + 1,
        resamples: settings.resamples,
      });
      const jack = pooledQuantileRatio(grid, run, settings.q, settings.level, { method: 'jackknife-t' });
      const intervals: Record<Method, [number, number]> = {
        'per-round HL': hl.interval,
        'pooled pct': boot.interval,
        'pooled boot-t': [boot.estimate - t * boot.standardError, boot.estimate + t * boot.standardError],
        'pooled jack-t': jack.interval,
      };
      for (const m of METHODS) {
        const [lo, hi] = intervals[m];
        if (lo <= truth && truth <= hi) cell.covered[m] += 1;
        cell.halfWidths[m].push((hi - lo) / 2);
        if (lo > 0) cell.detect[m] += 1;
        if (hi < Math.log(1.1)) cell.guardPass[m] += 1;
      }
    }
    cells.push(cell);
    process.stderr.write(
      `pairs ${pairs}, effect ${effect}: done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
}

const medianOf = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(1)} %`;
const halfWidthPct = (h: number) => `±${(100 * Math.expm1(h)).toFixed(1)} %`;
const lines: string[] = [];
lines.push(`measured by ${JSON.stringify(provenance())}`);
lines.push(`settings ${JSON.stringify(settings)}`);
lines.push('');
lines.push(
  `| pairs | true change | method | coverage at ${settings.level * 100} % | median half-width | worsens <= 0%: fail | worsens <= 10%: pass |`,
);
lines.push('|---|---|---|---|---|---|---|');
for (const cell of cells) {
  for (const m of METHODS) {
    lines.push(
      `| ${cell.pairs} | ${cell.effect === 0 ? 'A/A' : `+${cell.effect * 100} %`} | ${m} | ${pct(cell.covered[m], cell.sims)} | ${halfWidthPct(medianOf(cell.halfWidths[m]))} | ${pct(cell.detect[m], cell.sims)} | ${pct(cell.guardPass[m], cell.sims)} |`,
    );
  }
}
lines.push('');
lines.push(`${((performance.now() - started) / 1000).toFixed(0)} s`);
process.stdout.write(`${lines.join('\n')}\n`);

const outDir = resolve(args.get('out') ?? resultsDir('tail'));
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `coverage-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      measuredBy: provenance(),
      settings,
      cells: cells.map((c) => ({
        pairs: c.pairs,
        effect: c.effect,
        sims: c.sims,
        coverage: Object.fromEntries(METHODS.map((m) => [m, c.covered[m] / c.sims])),
        medianHalfWidth: Object.fromEntries(METHODS.map((m) => [m, medianOf(c.halfWidths[m])])),
        worsensZeroFails: Object.fromEntries(METHODS.map((m) => [m, c.detect[m] / c.sims])),
        worsensTenPasses: Object.fromEntries(METHODS.map((m) => [m, c.guardPass[m] / c.sims])),
      })),
    },
    null,
    1,
  )}\n`,
);
process.stderr.write(`written to ${file}\n`);
