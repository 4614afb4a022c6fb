/**
 * Is "Detectable" met? For each noise model and gate shape: simulate A/A runs and take the "Detectable"
 * each one reports, then for every such run simulate a fresh run whose true slowdown is exactly that
 * figure and count how often the gate catches it (fails `worsens <= 0%`). A "Detectable" worth its name
 * is caught at least 75 % of the time (the goal of issue #19; its nominal power is 80 %).
 *
 * Two figures side by side, from the same A/A runs:
 * - `interval`: today's, read off the interval actually used (src/stats/detectable.ts);
 * - `previous`: the formula it replaced, (t_{1-α/2} + t_power) · s / √n with s = 1.4826 · MAD / √(3/π),
 *   kept here only to be measured against.
 *
 * Run: npx tsx bench/detectable-check.ts [--runs=1000] [--seed=1] [--json=bench/results/detectable/FILE.json]
 */
import { writeFileSync } from 'node:fs';
import { median } from 'simple-statistics';
import { parseTarget } from '../src/config/targets.js';
import { evaluateTargets } from '../src/gate/evaluate-targets.js';
import { createRandom } from '../src/stats/prng.js';
import { planLooks } from '../src/stats/sequential.js';
import { parseArgs } from './args.js';
import { previousDetectable } from './calibration/calibration.js';
import { DEFAULT_NOISE, type NoiseModel, SIMULATED_METRIC, simulateRounds } from './calibration/simulate.js';
import { provenance } from './provenance.js';

const args = parseArgs(process.argv.slice(2), ['runs', 'seed', 'json']);
const runs = Number(args.get('runs') ?? 1000);
const seed = Number(args.get('seed') ?? 1);
if (!(Number.isInteger(runs) && runs >= 10))
  throw new Error(`--runs: got ${args.get('runs')}; expected an integer >= 10`);

const MODELS: { name: string; model: NoiseModel }[] = [
  { name: 'default', model: DEFAULT_NOISE },
  { name: 'no bursts', model: { ...DEFAULT_NOISE, burstProbability: 0 } },
  { name: 'heavy', model: { ...DEFAULT_NOISE, roundSigma: 0.08, burstProbability: 0.08 } },
  // Fitted to the 12 A/A runs of the real 3-minute series (docs/statistics.md, "The simulation refitted").
  {
    name: 'fitted pipeline_time',
    model: {
      roundSigma: 0.0412,
      windowSigma: 0.0138,
      driftStepSigma: 0.04,
      trendPerRound: -0.00381,
      burstProbability: 0.00694,
      burstFactor: [1.34, 1.41],
      runSigma: 0.0473,
    },
  },
  {
    name: 'fitted latency_p95',
    model: {
      roundSigma: 0.0864,
      windowSigma: 0.0319,
      driftStepSigma: 0.0412,
      trendPerRound: -0.00471,
      burstProbability: 0.00556,
      burstFactor: [1.73, 2.18],
      runSigma: 0.0415,
    },
  },
];

/** A gate shape: fixed pairs at one level (alpha per target after Holm), or the last look of a sequential plan. */
interface Shape {
  name: string;
  pairs: number;
  /** Two-sided alpha of the interval the target is judged with. */
  alpha: number;
  sequential?: { minPairs: number; blockPairs: number };
}
const SHAPES: Shape[] = [
  { name: '8 pairs, 98 %', pairs: 8, alpha: 0.02 },
  { name: '10 pairs, 99.33 % (Holm, 3 targets)', pairs: 10, alpha: 0.02 / 3 },
  { name: '16 pairs, 98 %', pairs: 16, alpha: 0.02 },
  { name: '30 pairs, 98 %', pairs: 30, alpha: 0.02 },
  { name: '30 pairs, last of looks 10/15/…/30', pairs: 30, alpha: 0.02, sequential: { minPairs: 10, blockPairs: 5 } },
];

const target = parseTarget('latency_p95 worsens <= 0%', [SIMULATED_METRIC]);
const metrics = [SIMULATED_METRIC];

function roundsOf(model: NoiseModel, shape: Shape, trueRatio: number, runSeed: number) {
  return simulateRounds(model, { pairs: shape.pairs, trueRatio, interleaved: true, random: createRandom(runSeed) });
}

function judge(model: NoiseModel, shape: Shape, trueRatio: number, runSeed: number) {
  const rounds = roundsOf(model, shape, trueRatio, runSeed);
  if (!shape.sequential) return evaluateTargets([target], rounds, metrics, { alpha: shape.alpha }).targets[0]!;
  // Sequential: looks until one decides; the figure reported is the one at the look the run stopped.
  const plan = planLooks({ alpha: shape.alpha, maxPairs: shape.pairs, ...shape.sequential });
  for (let look = 1; ; look++) {
    const pairs = plan.pairsAtLook[look - 1]!;
    const result = evaluateTargets(
      [target],
      rounds.filter((r) => r.pair < pairs),
      metrics,
      { sequential: { plan, look } },
    ).targets[0]!;
    if (result.status === 'fail' || result.status === 'pass' || look === plan.pairsAtLook.length) return result;
  }
}

interface Row {
  model: string;
  shape: string;
  runs: number;
  medianDetectable: number;
  medianPrevious: number;
  caughtAtOwnDetectable: number;
  caughtAtOwnPrevious: number;
  caughtAtMedianDetectable: number;
}
const rows: Row[] = [];
for (const entry of MODELS) {
  for (const shape of SHAPES) {
    const own: number[] = [];
    const previous: number[] = [];
    for (let i = 0; i < runs; i++) {
      const runSeed = seed * 1_000_003 + i;
      const aa = judge(entry.model, shape, 1, runSeed);
      if (aa.minDetectableEffect === null) continue;
      own.push(aa.minDetectableEffect);
      // The same run's log ratios rebuilt for the old formula (same seed, same rounds).
      const rounds = roundsOf(entry.model, shape, 1, runSeed);
      const ratios: number[] = [];
      for (let k = 0; k < aa.samples; k++) {
        const b = rounds.find((r) => r.pair === k && r.variant === 'baseline')!.values.latency_p95!;
        const c = rounds.find((r) => r.pair === k && r.variant === 'candidate')!.values.latency_p95!;
        ratios.push(Math.log(c / b));
      }
      previous.push(previousDetectable(ratios, 1 - aa.confidenceLevel!));
    }
    const caught = (effects: readonly number[], offset: number) =>
      effects.filter((effect, i) => judge(entry.model, shape, 1 + effect, offset + i).status === 'fail').length /
      effects.length;
    const medianOwn = median(own);
    const row: Row = {
      model: entry.name,
      shape: shape.name,
      runs: own.length,
      medianDetectable: medianOwn,
      medianPrevious: median(previous),
      caughtAtOwnDetectable: caught(own, seed * 2_000_003),
      caughtAtOwnPrevious: caught(previous, seed * 2_000_003),
      caughtAtMedianDetectable: caught(
        own.map(() => medianOwn),
        seed * 3_000_017,
      ),
    };
    rows.push(row);
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    console.log(
      `| ${row.model} | ${row.shape} | ${row.runs} | ${pct(row.medianDetectable)} | ${pct(row.caughtAtOwnDetectable)} | ${pct(row.caughtAtMedianDetectable)} | ${pct(row.medianPrevious)} | ${pct(row.caughtAtOwnPrevious)} |`,
    );
  }
}
const json = args.get('json');
if (json) writeFileSync(json, `${JSON.stringify({ provenance: provenance(), runs, seed, rows }, null, 2)}\n`);
