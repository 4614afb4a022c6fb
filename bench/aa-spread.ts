/**
 * Do a run's intervals account for all the noise there is between A/A runs? For each stored A/A run of
 * a goal campaign (bench/goal-runs.ts), the mean paired log ratio of a metric over its valid pairs and
 * that mean's standard error within the run (sd / √pairs). If two fresh processes of the same code
 * differed only by round-to-round noise, the run means would scatter across runs by about the
 * within-run standard error (ratio ≈ 1). A ratio well above 1 means each pair of processes carries an
 * offset of its own (memory layout, hash seeds, JIT decisions) that no number of rounds within one run
 * can average out, so a within-run interval is too narrow for a zero-tolerance target.
 *
 * Run: npx tsx bench/aa-spread.ts --dirs bench/results/goal,bench/results/goal-duet [--metric pipeline_time]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoundRecord } from '../src/model/round-record.js';
import { pairedLogRatios, pairRounds } from '../src/stats/paired-rounds.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), ['dirs', 'metric']);
const dirs = (args.get('dirs') ?? 'bench/results/goal,bench/results/goal-duet').split(',');
const metric = args.get('metric') ?? 'pipeline_time';

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sdOf = (xs: number[]) => {
  const m = meanOf(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

process.stdout.write(
  `| campaign | backend | A/A runs | mean of run means | between-run sd of run means | median within-run standard error | ratio |\n|---|---|---|---|---|---|---|\n`,
);
for (const dir of dirs) {
  for (const backend of ['node', 'python']) {
    const runsDir = join(dir, backend, 'runs');
    if (!existsSync(runsDir)) continue;
    const means: number[] = [];
    const errors: number[] = [];
    for (const file of readdirSync(runsDir)
      .filter((f) => f.endsWith('-aa.json'))
      .sort()) {
      const run = JSON.parse(readFileSync(join(runsDir, file), 'utf8')) as { verdict: string; rounds: RoundRecord[] };
      if (run.verdict === 'error') continue;
      const ratios = pairedLogRatios(pairRounds(run.rounds, metric, true));
      if (ratios.length < 3) continue;
      means.push(meanOf(ratios));
      errors.push(sdOf(ratios) / Math.sqrt(ratios.length));
    }
    if (means.length < 2) continue;
    const within = [...errors].sort((a, b) => a - b)[Math.floor(errors.length / 2)]!;
    const between = sdOf(means);
    process.stdout.write(
      `| ${dir.split('/').at(-1)} | ${backend} | ${means.length} | ${pct(meanOf(means))} | ${pct(between)} | ${pct(within)} | ${(between / within).toFixed(2)} |\n`,
    );
  }
}
