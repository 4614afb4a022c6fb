/**
 * Coverage of the interval `perf-gate verify` puts on the mean of autocorrelated buckets, against the
 * naive interval that treats buckets as independent. Series: stationary AR(1) with unit variance,
 * x[t] = phi x[t-1] + sqrt(1 - phi²) e[t], true mean 0, at phi 0, 0.5, 0.8 and 30..240 buckets.
 * Methods, all at the same level:
 *   - cbb-t: verify's method (src/verify/block-bootstrap.ts): circular block bootstrap standard error,
 *     block length from the AR(1) plug-in, Student t on n/b - 1 degrees of freedom;
 *   - cbb-percentile: the percentile interval of the same resamples;
 *   - iid-t: mean ± t(n-1) s/√n, blind to the dependence.
 * Beside them, Kayenta's kind of rule (a Mann–Whitney U test per metric, canary buckets against stable
 * buckets, as its judge classifies metrics): the share of A/A runs, two independent AR(1) series with
 * the same mean, in which it calls the variants different at the same level. Those series come from a
 * generator of their own, so the columns above are unchanged by it.
 * Run: npx tsx bench/verify-coverage.ts [--runs=2000] [--resamples=1000] [--level=0.95] [--seed=1] [--json=path]
 * Prints a markdown table; --json (default bench/results/verify/coverage-<level>.json) keeps the raw figures.
 *
 * --comparison=before-after checks the before-vs-after interval instead: two independent AR(1) windows
 * of n buckets each (after, before) with the same mean, the difference of their means with each
 * window's block-bootstrap error added in variance and Welch–Satterthwaite degrees of freedom
 * (differenceOfMeans), against Welch's iid interval. Raw figures: coverage-before-after-<level>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { studentTQuantile } from '../src/stats/distributions.js';
import { mannWhitneyU } from '../src/stats/mann-whitney.js';
import { createRandom } from '../src/stats/prng.js';
import {
  blockBootstrapMean,
  circularBlockMeans,
  differenceOfMeans,
  iidMeanInterval,
  percentileInterval,
} from '../src/verify/block-bootstrap.js';
import { provenance, resultsDir } from './provenance.js';

const args = new Map<string, string>();
for (const arg of process.argv.slice(2)) {
  const match = /^--([a-z-]+)=(.*)$/.exec(arg);
  if (!match) throw new Error(`unrecognised argument ${JSON.stringify(arg)}; expected --name=value`);
  args.set(match[1]!, match[2]!);
}
const num = (name: string, fallback: number): number => (args.has(name) ? Number(args.get(name)) : fallback);
const runs = num('runs', 2000);
const resamples = num('resamples', 1000);
const level = num('level', 0.95);
const seed = num('seed', 1);
const beforeAfter = args.get('comparison') === 'before-after';
if (args.has('comparison') && !beforeAfter)
  throw new Error(`--comparison: got ${args.get('comparison')}; expected before-after (or leave it out)`);
const json = args.get('json') ?? `${resultsDir('verify')}/coverage-${beforeAfter ? 'before-after-' : ''}${level}.json`;

const PHIS = [0, 0.5, 0.8];
const SIZES = [30, 60, 120, 240];

function ar1(n: number, phi: number, random: ReturnType<typeof createRandom>): number[] {
  const innovation = Math.sqrt(1 - phi * phi);
  const out = new Array<number>(n);
  let x = random.normal();
  for (let t = 0; t < n; t++) {
    if (t > 0) x = phi * x + innovation * random.normal();
    out[t] = x;
  }
  return out;
}

interface Cell {
  phi: number;
  n: number;
  runs: number;
  coverage: { cbbT: number; cbbPercentile: number; iidT: number };
  meanWidth: { cbbT: number; cbbPercentile: number; iidT: number };
  meanBlockLength: number;
  /** A/A runs in which a two-sided Mann–Whitney test at 1 - level called canary and stable different. */
  mannWhitneyFalseAlarm: number;
}

/** Welch's interval for mean(a) − mean(b), blind to the dependence within each window. */
function welchInterval(a: readonly number[], b: readonly number[]): [number, number] {
  const stats = (xs: readonly number[]) => {
    const mean = xs.reduce((x, y) => x + y, 0) / xs.length;
    return { mean, v: xs.reduce((acc, x) => acc + (x - mean) ** 2, 0) / (xs.length - 1) / xs.length, n: xs.length };
  };
  const [x, y] = [stats(a), stats(b)];
  const df = (x.v + y.v) ** 2 / (x.v ** 2 / (x.n - 1) + y.v ** 2 / (y.n - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, df) * Math.sqrt(x.v + y.v);
  return [x.mean - y.mean - half, x.mean - y.mean + half];
}

if (beforeAfter) {
  const started = Date.now();
  const random = createRandom(seed);
  const rows: { phi: number; n: number; verify: number; welch: number; widthRatio: number; df: number }[] = [];
  for (const phi of PHIS) {
    for (const n of SIZES) {
      let verifyHits = 0;
      let welchHits = 0;
      let widths = 0;
      let welchWidths = 0;
      let df = 0;
      for (let r = 0; r < runs; r++) {
        const after = ar1(n, phi, random);
        const before = ar1(n, phi, random);
        const bootSeed = random.integer(2 ** 31);
        const d = differenceOfMeans(
          blockBootstrapMean(after, { seed: bootSeed, resamples }),
          blockBootstrapMean(before, { seed: bootSeed + 1, resamples }),
        );
        const [low, high] = d.interval(level);
        const [wLow, wHigh] = welchInterval(after, before);
        if (low <= 0 && 0 <= high) verifyHits += 1;
        if (wLow <= 0 && 0 <= wHigh) welchHits += 1;
        widths += high - low;
        welchWidths += wHigh - wLow;
        df += d.degreesOfFreedom;
      }
      rows.push({
        phi,
        n,
        verify: verifyHits / runs,
        welch: welchHits / runs,
        widthRatio: widths / welchWidths,
        df: df / runs,
      });
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const lines = [
    `Before vs after: coverage of nominal ${pct(level)} intervals for the difference of two AR(1) windows' means, ${runs} pairs of windows per cell, ${resamples} resamples, seed ${seed}`,
    '',
    '| phi | buckets per window | verify (two CBB errors, Welch–Satterthwaite t) | Welch iid t | width verify / Welch | mean degrees of freedom |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.phi} | ${r.n} | ${pct(r.verify)} | ${pct(r.welch)} | ${r.widthRatio.toFixed(2)} | ${r.df.toFixed(1)} |`,
    ),
    '',
    `Monte Carlo standard error of a coverage near ${pct(level)}: ${pct(Math.sqrt((level * (1 - level)) / runs))}. ${seconds.toFixed(0)} s.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(
    json,
    `${JSON.stringify({ measuredBy: provenance(), settings: { comparison: 'before-after', runs, resamples, level, seed }, seconds, rows }, null, 2)}\n`,
  );
  process.stdout.write(`raw figures: ${json}\n`);
  process.exit(0);
}

const started = Date.now();
const cells: Cell[] = [];
const random = createRandom(seed);
const pairsRandom = createRandom(seed + 7919);
for (const phi of PHIS) {
  for (const n of SIZES) {
    const hits = { cbbT: 0, cbbPercentile: 0, iidT: 0 };
    const widths = { cbbT: 0, cbbPercentile: 0, iidT: 0 };
    let blocks = 0;
    let mannWhitneyAlarms = 0;
    for (let r = 0; r < runs; r++) {
      const canary = ar1(n, phi, pairsRandom);
      const stable = ar1(n, phi, pairsRandom);
      if (mannWhitneyU(canary, stable).pValue < 1 - level) mannWhitneyAlarms += 1;
      const series = ar1(n, phi, random);
      const bootSeed = random.integer(2 ** 31);
      const analysis = blockBootstrapMean(series, { seed: bootSeed, resamples });
      const intervals = {
        cbbT: analysis.interval(level),
        cbbPercentile: percentileInterval(circularBlockMeans(series, analysis.blockLength, resamples, bootSeed), level),
        iidT: iidMeanInterval(series, level),
      };
      for (const key of Object.keys(intervals) as (keyof typeof intervals)[]) {
        const [low, high] = intervals[key];
        if (low <= 0 && 0 <= high) hits[key] += 1;
        widths[key] += high - low;
      }
      blocks += analysis.blockLength;
    }
    const share = (x: number): number => x / runs;
    cells.push({
      phi,
      n,
      runs,
      coverage: { cbbT: share(hits.cbbT), cbbPercentile: share(hits.cbbPercentile), iidT: share(hits.iidT) },
      meanWidth: { cbbT: share(widths.cbbT), cbbPercentile: share(widths.cbbPercentile), iidT: share(widths.iidT) },
      meanBlockLength: share(blocks),
      mannWhitneyFalseAlarm: share(mannWhitneyAlarms),
    });
  }
}
const seconds = (Date.now() - started) / 1000;

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const lines = [
  `Coverage of nominal ${pct(level)} intervals for the mean of AR(1) series, ${runs} series per cell, ${resamples} resamples, seed ${seed}`,
  '',
  '| phi | buckets | verify (CBB, t) | CBB percentile | iid t | mean block | width verify / iid | Mann–Whitney A/A false alarm |',
  '|---|---|---|---|---|---|---|---|',
  ...cells.map(
    (c) =>
      `| ${c.phi} | ${c.n} | ${pct(c.coverage.cbbT)} | ${pct(c.coverage.cbbPercentile)} | ${pct(c.coverage.iidT)} | ${c.meanBlockLength.toFixed(1)} | ${(c.meanWidth.cbbT / c.meanWidth.iidT).toFixed(2)} | ${pct(c.mannWhitneyFalseAlarm)} |`,
  ),
  '',
  `Monte Carlo standard error of a coverage near ${pct(level)}: ${pct(Math.sqrt((level * (1 - level)) / runs))}. ${seconds.toFixed(0)} s.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(dirname(json), { recursive: true });
writeFileSync(
  json,
  `${JSON.stringify({ measuredBy: provenance(), settings: { runs, resamples, level, seed }, seconds, cells }, null, 2)}\n`,
);
process.stdout.write(`raw figures: ${json}\n`);
