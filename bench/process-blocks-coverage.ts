/**
 * What the start of the backends as the unit (load.processes, src/stats/process-blocks.ts) buys and costs,
 * by simulation. A run is R starts of m duet pairs each; every start adds an offset of its own, drawn
 * N(0, tau²) on the log scale, to all its pairs' log ratios, and each pair adds noise of sd sigma with
 * heavy tails (Student t on 5 degrees of freedom, scaled to sd sigma). sigma 7 % is the median per-pair sd
 * of the stored duet A/A runs (bench/results/goal-duet: 7.2 % Node, 7.1 % Python); tau 1.3 % and 1.8 %
 * are the per-process offsets those runs implied (docs/statistics.md, "Duet rounds under the same budget").
 * Analyses, on the same runs:
 *   - pairs, HL: every pair one sample, the Hodges–Lehmann interval (perf-gate with one start);
 *   - starts, t: Student t on each start's Hodges–Lehmann estimate (perf-gate with load.processes = R);
 *   - starts, HL: the signed-rank (Hodges–Lehmann) interval on the same start estimates.
 * Levels as the three goal targets meet them under Holm: the catch (`worsens <= 0%`) at 98 % two-sided
 * (an alarm is a lower bound above 0: a one-sided 1 %), the 5 % guard at 99 % (Holm's second step).
 * Run: npx tsx bench/process-blocks-coverage.ts [--runs 10000] [--sigma 0.07] [--seed 1]
 */
import { studentTQuantile } from '../src/stats/distributions.js';
import { hodgesLehmann } from '../src/stats/hodges-lehmann.js';
import { studentTInterval } from '../src/stats/location-interval.js';
import { createRandom } from '../src/stats/prng.js';
import { parseArgs } from './args.js';
import { provenance } from './provenance.js';

const args = parseArgs(process.argv.slice(2), ['runs', 'sigma', 'seed']);
const runs = Number(args.get('runs') ?? 10_000);
const sigma = Number(args.get('sigma') ?? 0.07);
const seed = Number(args.get('seed') ?? 1);

const DESIGNS = [
  { starts: 1, pairs: 60 },
  { starts: 10, pairs: 6 },
  { starts: 20, pairs: 3 },
] as const;
const TAUS = [0, 0.013, 0.018];
const GUARD = Math.log(1.05);
const EFFECT = Math.log(1.05);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

const random = createRandom(seed);
const t5Scale = Math.sqrt(3 / 5); // a t(5) deviate has variance 5/3
function heavyNoise(): number {
  let chi = 0;
  for (let i = 0; i < 5; i++) chi += random.normal() ** 2;
  return (random.normal() / Math.sqrt(chi / 5)) * t5Scale * sigma;
}

function simulate(starts: number, pairs: number, tau: number, effect: number) {
  const blocks: number[][] = [];
  for (let s = 0; s < starts; s++) {
    const offset = tau * random.normal();
    blocks.push(Array.from({ length: pairs }, () => effect + offset + heavyNoise()));
  }
  return blocks;
}

interface Tally {
  alarms: number;
  guards: number;
  covered: number;
  halfWidths: number[];
}
const tally = (): Tally => ({ alarms: 0, guards: 0, covered: 0, halfWidths: [] });
function judge(t: Tally, wide: [number, number], guard: [number, number], truth: number) {
  if (wide[0] > 0) t.alarms++;
  if (guard[1] < GUARD) t.guards++;
  if (wide[0] <= truth && truth <= wide[1]) t.covered++;
  t.halfWidths.push((wide[1] - wide[0]) / 2);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

process.stdout.write(
  `# npx tsx bench/process-blocks-coverage.ts --runs ${runs} --sigma ${sigma} --seed ${seed}; ${provenance().commit}\n`,
);
process.stdout.write(
  '| tau | starts × pairs | analysis | A/A: alarm (`worsens <= 0%` failed) | A/A: 5 % guard passed | A/A: 98 % interval covers 0 | median half-width | +5 %: caught |\n|---|---|---|---|---|---|---|---|\n',
);
for (const tau of TAUS) {
  for (const { starts, pairs } of DESIGNS) {
    const byAnalysis = {
      pairs: [tally(), tally()],
      starts: [tally(), tally()],
      startsHL: [tally(), tally()],
    };
    for (const [k, effect] of [0, EFFECT].entries()) {
      for (let r = 0; r < runs; r++) {
        const blocks = simulate(starts, pairs, tau, effect);
        const all = blocks.flat();
        judge(byAnalysis.pairs[k]!, hodgesLehmann(all, 0.98).interval, hodgesLehmann(all, 0.99).interval, effect);
        if (starts >= 2) {
          const estimates = blocks.map((b) => hodgesLehmann(b, 0.5).estimate);
          judge(
            byAnalysis.starts[k]!,
            studentTInterval(estimates, 0.98).interval,
            studentTInterval(estimates, 0.99).interval,
            effect,
          );
          judge(
            byAnalysis.startsHL[k]!,
            hodgesLehmann(estimates, 0.98).interval,
            hodgesLehmann(estimates, 0.99).interval,
            effect,
          );
        }
      }
    }
    for (const analysis of ['pairs', 'starts', 'startsHL'] as const) {
      if (analysis !== 'pairs' && starts < 2) continue;
      const [aa, slow] = byAnalysis[analysis];
      const name = { pairs: 'pairs, HL', starts: `starts, t (${starts - 1} df)`, startsHL: 'starts, HL' }[analysis];
      process.stdout.write(
        `| ${pct(tau)} | ${starts} × ${pairs} | ${name} | ` +
          `${pct(aa!.alarms / runs)} | ${pct(aa!.guards / runs)} | ${pct(aa!.covered / runs)} | ${pct(median(aa!.halfWidths))} | ${pct(slow!.alarms / runs)} |\n`,
      );
    }
  }
}
process.stdout.write(`\n(t quantile check: t(19) at 0.99 = ${studentTQuantile(0.99, 19).toFixed(3)})\n`);
