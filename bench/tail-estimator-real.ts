/**
 * Tail estimators on real gate runs: for each stored `rounds.json` (a gate's rounds with their HDR
 * histograms), the p95 latency change judged as today's gate does (each round's own p95, paired log
 * ratios, Hodges–Lehmann) and from the pooled requests of each variant with a pair-block interval
 * (bench/tail-estimator-coverage.ts has the simulated coverage of each). The truth of a real run is not
 * known, except in A/A runs (no change), so this reports interval widths side by side and, for A/A
 * runs, whether each interval holds 0.
 *
 * Run: npx tsx bench/tail-estimator-real.ts [--runs bench/results/goal] [--level 0.98] [--q 0.95]
 *   --runs: a folder searched (with its subfolders) for `*.rounds.json` files, as goal-runs keeps them:
 *   `<backend>/rounds/run-NN-<kind>.rounds.json`; an A/A run's name ends in `-aa`
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { latencyCountsOnGrid } from '../src/load/latency-histogram.js';
import type { RoundRecord } from '../src/model/round-record.js';
import { studentTQuantile } from '../src/stats/distributions.js';
import { hodgesLehmann } from '../src/stats/hodges-lehmann.js';
import { cumulativeCounts, logGrid, pooledQuantileRatio } from '../src/stats/pooled-quantile.js';
import { parseArgs } from './args.js';
import { packageRoot, provenance } from './provenance.js';

const args = parseArgs(process.argv.slice(2), ['runs', 'level', 'q']);
const folder = resolve(packageRoot, args.get('runs') ?? 'bench/results/goal');
const level = Number(args.get('level') ?? 0.98);
const q = Number(args.get('q') ?? 0.95);
const grid = logGrid(0.05, 120_000, 1.01);

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.rounds.json'))
    .sort()
    .map((f) => join(dir, f));
}

const pct = (logValue: number) => `${(100 * Math.expm1(logValue)).toFixed(1)} %`;
const half = ([lo, hi]: [number, number]) => `±${(100 * Math.expm1((hi - lo) / 2)).toFixed(1)} %`;
const holds0 = ([lo, hi]: [number, number]) => (lo <= 0 && 0 <= hi ? 'yes' : 'NO');

console.log(`replayed with ${JSON.stringify(provenance())}; ${folder}; level ${level}, q ${q}`);
console.log(
  '| run | valid pairs | per-round HL: estimate, half-width | pooled: estimate | pct half-width | boot-t half-width | jack-t half-width | A/A: 0 inside (HL / pct / boot-t / jack-t) |',
);
console.log('|---|---|---|---|---|---|---|---|');
const ratios: Record<string, number[]> = { pct: [], 'boot-t': [], 'jack-t': [] };
for (const file of files(folder)) {
  const rounds = JSON.parse(readFileSync(file, 'utf8')) as RoundRecord[];
  const byPair = new Map<number, Partial<Record<'baseline' | 'candidate', RoundRecord>>>();
  for (const r of rounds) {
    if (!r.valid || !r.client.histogram || r.client.ok === 0) continue;
    byPair.set(r.pair, { ...byPair.get(r.pair), [r.variant]: r });
  }
  const pairs = [...byPair.values()].filter((p) => p.baseline && p.candidate) as Record<
    'baseline' | 'candidate',
    RoundRecord
  >[];
  if (pairs.length < 7) continue;
  const perRound = pairs.map((p) => Math.log(p.candidate.client.latencyMs.p95 / p.baseline.client.latencyMs.p95));
  const hl = hodgesLehmann(perRound, level);
  const binned = pairs.map((p) => ({
    baseline: cumulativeCounts(latencyCountsOnGrid(p.baseline.client.histogram!, grid)),
    candidate: cumulativeCounts(latencyCountsOnGrid(p.candidate.client.histogram!, grid)),
  }));
  const boot = pooledQuantileRatio(grid, binned, q, level, { method: 'percentile', seed: 1, resamples: 2000 });
  const t = studentTQuantile(1 - (1 - level) / 2, pairs.length - 1);
  const bootT: [number, number] = [boot.estimate - t * boot.standardError, boot.estimate + t * boot.standardError];
  const jack = pooledQuantileRatio(grid, binned, q, level, { method: 'jackknife-t' });
  const name = relative(folder, file).replace('.rounds.json', '').replace('/rounds/', '/');
  const hlHalf = (hl.interval[1] - hl.interval[0]) / 2;
  ratios.pct!.push((boot.interval[1] - boot.interval[0]) / 2 / hlHalf);
  ratios['boot-t']!.push((bootT[1] - bootT[0]) / 2 / hlHalf);
  ratios['jack-t']!.push((jack.interval[1] - jack.interval[0]) / 2 / hlHalf);
  const aa = name.endsWith('-aa')
    ? `${holds0(hl.interval)} / ${holds0(boot.interval)} / ${holds0(bootT)} / ${holds0(jack.interval)}`
    : '';
  console.log(
    `| ${name} | ${pairs.length} | ${pct(hl.estimate)}, ${half(hl.interval)} | ${pct(boot.estimate)} | ${half(boot.interval)} | ${half(bootT)} | ${half(jack.interval)} | ${aa} |`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log('');
for (const [method, values] of Object.entries(ratios))
  if (values.length > 0)
    console.log(
      `pooled ${method} half-width / per-round HL half-width: median ${median(values)!.toFixed(2)} over ${values.length} runs`,
    );
