/**
 * "Detectable" on real runs: replays the gate of a stored calibration series (bench/calibrate-real.ts:
 * `latency_p95 worsens <= 0%` and `pipeline_time worsens <= 0%`, Holm, alpha 0.02, Hodges–Lehmann, looks
 * every 5 pairs from 10 to the series' maximum) on its stored rounds with today's code, and sets the
 * "Detectable" of the A/A runs beside what the slowdown runs actually measured and how often the gate
 * caught them. A "Detectable" is honest when changes at least that large are caught at least 75 % of the time.
 *
 * Run: npx tsx bench/detectable-real.ts [--series=bench/results/calibration/budget-3min] [--max-pairs=30]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median } from 'simple-statistics';
import { parseTarget } from '../src/config/targets.js';
import { evaluateTargets, type TargetEvaluation } from '../src/gate/evaluate-targets.js';
import { CLIENT_METRICS, type MetricInfo, type RoundRecord } from '../src/model/round-record.js';
import { pairedLogRatios, pairRounds } from '../src/stats/paired-rounds.js';
import { decideContinuation, planLooks } from '../src/stats/sequential.js';
import { parseArgs } from './args.js';
import { previousDetectable, type StoredRun } from './calibration/calibration.js';
import { packageRoot, provenance } from './provenance.js';

const args = parseArgs(process.argv.slice(2), ['series', 'max-pairs']);
const series = resolve(packageRoot, args.get('series') ?? 'bench/results/calibration/budget-3min');
const maxPairs = Number(args.get('max-pairs') ?? 30);

const metrics: MetricInfo[] = [
  ...CLIENT_METRICS,
  { name: 'pipeline_time', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pipeline time' },
];
const METRIC_NAMES = ['latency_p95', 'pipeline_time'] as const;
const targets = METRIC_NAMES.map((m) => parseTarget(`${m} worsens <= 0%`, metrics));
const plan = planLooks({ alpha: 0.02, minPairs: 10, blockPairs: 5, maxPairs });

/** The gate replayed look by look on the stored rounds; the evaluation at the look it stopped. */
function replay(run: StoredRun): TargetEvaluation[] {
  for (let look = 1; ; look++) {
    const pairs = plan.pairsAtLook[look - 1]!;
    const rounds = run.rounds.filter((r) => r.pair < pairs) as unknown as RoundRecord[];
    const result = evaluateTargets(targets, rounds, metrics, { sequential: { plan, look } });
    const next = decideContinuation({ plan, look, pairsDone: pairs, statuses: result.targets.map((t) => t.status) });
    if (!next.continue) return result.targets;
  }
}

const runsDir = join(series, 'runs');
const runs = readdirSync(runsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as StoredRun)
  .filter((r) => !r.error);
const kinds = [...new Set(runs.map((r) => r.slowdown))].sort((a, b) => a - b);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

const measuredBy = new Set(runs.map((r) => r.commit ?? 'not recorded'));
console.log(`replayed with ${JSON.stringify(provenance())}`);
console.log(
  `series ${series}: ${runs.length} runs (measured with ${[...measuredBy].join(', ')}), looks at ${plan.pairsAtLook.join(', ')} pairs\n`,
);
console.log(
  '| metric | A/A runs | A/A "Detectable" at the last look, median (range) | previous formula, median | kind | measured change (mean of runs) | caught |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [m, metric] of METRIC_NAMES.entries()) {
  const aa = runs.filter((r) => r.slowdown === 0).map((r) => replay(r)[m]!);
  const detectable = aa.map((t) => t.minDetectableEffect).filter((x): x is number => x !== null);
  const previous = runs
    .filter((r) => r.slowdown === 0)
    .map((r, i) => {
      const used = aa[i]!.samples;
      const ratios = pairedLogRatios(pairRounds(r.rounds as unknown as RoundRecord[], metric, true)).slice(0, used);
      return previousDetectable(ratios, 1 - aa[i]!.confidenceLevel!);
    });
  for (const kind of kinds.filter((k) => k > 0)) {
    const evaluated = runs.filter((r) => r.slowdown === kind).map((r) => replay(r)[m]!);
    const changes = evaluated.map((t) => t.estimate).filter((x): x is number => x !== null);
    const caught = evaluated.filter((t) => t.status === 'fail').length;
    console.log(
      `| ${metric} | ${aa.length} | ${pct(median(detectable))} (${pct(Math.min(...detectable))}–${pct(Math.max(...detectable))}) | ${pct(median(previous))} | +${pct(kind)} knob | ${pct(changes.reduce((a, b) => a + b, 0) / changes.length)} | ${caught} / ${evaluated.length} |`,
    );
  }
}
