/**
 * Would fresh processes per block of pairs have made the duet's A/A runs honest, and at what cost in
 * detection? Built from stored duet runs (bench/goal-runs.ts --design duet): each run had its own pair of
 * processes, so a "blocked run" of R blocks of m pairs can be put together from m consecutive pairs of
 * R different runs of one kind, each block with a process offset of its own, as restarts would give.
 * Judged three ways on the same pairs: the Hodges–Lehmann interval on all R·m pair log ratios (blocks
 * ignored, one start's analysis), a Student t interval on the R block estimates (the block as the unit,
 * as load.processes judges), and "floor": the mean with a known between-process spread added to its
 * variance (tau 1.3 % Node, 1.8 % Python, from bench/aa-spread.ts; normal quantiles), the calibrated-floor
 * alternative, which needs that spread measured on the runner beforehand.
 *
 * Run: npx tsx bench/blocked-resample.ts [--dir bench/results/goal-duet] [--draws 4000]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoundRecord } from '../src/model/round-record.js';
import { hodgesLehmann } from '../src/stats/hodges-lehmann.js';
import { studentTInterval } from '../src/stats/location-interval.js';
import { pairedLogRatios, pairRounds } from '../src/stats/paired-rounds.js';
import { createRandom } from '../src/stats/prng.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), ['dir', 'draws', 'metric']);
const dir = args.get('dir') ?? 'bench/results/goal-duet';
const draws = Number(args.get('draws') ?? 4000);
const metric = args.get('metric') ?? 'pipeline_time';

function runsOf(backend: string, kind: string): number[][] {
  const runsDir = join(dir, backend, 'runs');
  return readdirSync(runsDir)
    .filter((f) => f.endsWith(`-${kind}.json`))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as { verdict: string; rounds: RoundRecord[] })
    .filter((r) => r.verdict !== 'error')
    .map((r) => pairedLogRatios(pairRounds(r.rounds, metric, true)));
}

// Levels of a two-sided interval: the whole alpha (Holm's last step) and alpha / 3 (its first).
const LEVELS = { last: 1 - 0.02, first: 1 - 0.02 / 3 };
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

for (const backend of ['node', 'python']) {
  const aa = runsOf(backend, 'aa');
  const slow = runsOf(backend, 'slow050');
  for (const [R, m] of [
    [1, 48],
    [1, 60],
    [3, 16],
    [4, 12],
    [6, 8],
    [8, 6],
  ] as const) {
    for (const [kind, runs] of [
      ['aa', aa],
      ['slow050', slow],
    ] as const) {
      if (R > runs.length) continue;
      const rng = createRandom(R * 1000 + m + (kind === 'aa' ? 0 : 7));
      const random = () => rng.next();
      let alarmsHL = 0;
      let alarmsT = 0;
      let guardHL = 0;
      let guardT = 0;
      let alarmsF = 0;
      let guardF = 0;
      const widthsF: number[] = [];
      const widthsHL: number[] = [];
      const widthsT: number[] = [];
      for (let d = 0; d < draws; d++) {
        const chosen = [...runs.keys()].sort(() => random() - 0.5).slice(0, R);
        const blocks = chosen.map((i) => {
          const r = runs[i]!;
          const start = Math.floor(random() * Math.max(1, r.length - m + 1));
          return r.slice(start, start + m);
        });
        const all = blocks.flat();
        const hl = hodgesLehmann(all, LEVELS.last).interval;
        const hlFirst = hodgesLehmann(all, LEVELS.first).interval;
        if (hl[0] > 0) alarmsHL++;
        if (hlFirst[1] < Math.log(1.05)) guardHL++;
        widthsHL.push((hl[1] - hl[0]) / 2);
        {
          // Known process spread (the floor): within-run variance of the mean plus tau^2 / R, normal quantiles.
          const tau = backend === 'node' ? 0.013 : 0.018;
          const mu = all.reduce((a, b) => a + b, 0) / all.length;
          const sw2 =
            blocks.reduce((a, b) => {
              const bm = b.reduce((x, y) => x + y, 0) / b.length;
              return a + b.reduce((x, y) => x + (y - bm) ** 2, 0);
            }, 0) /
            (all.length - R);
          const se = Math.sqrt(sw2 / all.length + (tau * tau) / R);
          const zLast = 2.326;
          const zFirst = 2.713;
          if (mu - zLast * se > 0) alarmsF++;
          if (mu + zFirst * se < Math.log(1.05)) guardF++;
          widthsF.push(zLast * se);
        }
        if (R >= 2) {
          const estimates = blocks.map((b) => hodgesLehmann(b, 0.5).estimate);
          const t = studentTInterval(estimates, LEVELS.last).interval;
          const tFirst = studentTInterval(estimates, LEVELS.first).interval;
          if (t[0] > 0) alarmsT++;
          if (tFirst[1] < Math.log(1.05)) guardT++;
          widthsT.push((t[1] - t[0]) / 2);
        }
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
      process.stdout.write(
        `${backend} ${kind.padEnd(7)} R=${R} m=${m}: worsens<=0% fails HL ${pct(alarmsHL / draws)} t ${R >= 2 ? pct(alarmsT / draws) : '-'}; ` +
          `5% guard passes HL ${pct(guardHL / draws)} t ${R >= 2 ? pct(guardT / draws) : '-'}; ` +
          `median half-width HL ${pct(median(widthsHL))} t ${R >= 2 ? pct(median(widthsT)) : '-'}; floor: fails ${pct(alarmsF / draws)} guard ${pct(guardF / draws)} half ${pct(median(widthsF))}\n`,
      );
    }
  }
}
