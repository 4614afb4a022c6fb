/**
 * Four ways of finding a regression in a metric's history, measured side by side on the same simulated
 * histories: known single steps (+1, +2, +5, +10 %), creeping drifts (+0.5, +1, +2 % per merge over ten
 * merges) and histories with no change at all. Figures go into docs/history.md.
 *
 *   (a) chain of paired ratios: each merge's gate estimate (a log ratio with its interval) multiplied up
 *       over the last 1, 5, 10 or 20 merges (src/stats/drift.ts); alarm when the cumulative interval lies
 *       above 1 + tolerance, after which the chain starts again from the next merge. A chain of 1 is
 *       each gate's own interval.
 *   (b) E-divisive change points (src/stats/change-points.ts) over the per-commit values, run once over
 *       the whole history (as Otava runs over the stored history, with hindsight).
 *   (c) github-action-benchmark's rule: alarm when a commit's value exceeds the previous commit's by the
 *       alert threshold (its default 200 %, and 110 %).
 *   (d) conbench's lookback z-score: alarm when (value − mean) / sd of the previous values (up to
 *       100 commits, at least 2) exceeds 5 in the slower direction.
 *
 * Run: npx tsx bench/history-detection.ts [--series=500] [--seed=1] [--out=bench/results/history]
 *
 * Each history has 50 commits; a step lands at commit 25, a drift spans commits 20..29. Noise (see
 * docs/history.md for where the values come from): a gate's paired log-ratio estimate has sd 0.020
 * (pipeline_time, 3-minute budget: the sd across A/A runs of the per-run change); a per-commit value of
 * the metric has sd 0.047 on the log scale (the fitted run-to-run level, --run-sigma). A second setting
 * gives the values the paired sd (0.020) too, to separate what pairing buys from what the method does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { changePoints } from '../src/stats/change-points.js';
import { normalQuantile } from '../src/stats/distributions.js';
import { cumulativeDrift, driftExceeds, type PairedChange } from '../src/stats/drift.js';
import { createRandom, type Random } from '../src/stats/prng.js';
import { provenance, resultsDir } from './provenance.js';

const flag = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const seriesPerCell = Number(flag('series', '500'));
const seed = Number(flag('seed', '1'));
const outDir = resolve(flag('out', resultsDir('history')));

const COMMITS = 50;
const STEP_AT = 25;
const DRIFT_FROM = 20;
const DRIFT_MERGES = 10;
/** An alarm counts as finding the change when it falls within the changed commits ± this many. */
const TOLERANCE_COMMITS = 2;
/** Pairs per gate run: the interval of each gate uses an sd estimated from this many paired log ratios. */
const GATE_PAIRS = 30;
const LEVEL = 0.95;

/** Chains of the last 1 (a gate's own interval), 5, 10 and 20 merges. */
const chainSettings = {
  windows: [1, 5, 10, 20],
  level: LEVEL,
  tolerance: 0.02,
};
const eDivisiveSettings = {
  minSegmentSize: 5,
  significance: 0.05,
  maxChangePoints: 5,
  permutations: 199,
};
const zScoreSettings = { lookback: 100, threshold: 5 };

interface Scenario {
  name: string;
  /** True log change of each commit against its parent. */
  changes: number[];
  /** Commits whose alarms are true: [first, last] with the tolerance, or null when nothing changed. */
  truth: [number, number] | null;
}

function scenarios(): Scenario[] {
  const flat = () => new Array<number>(COMMITS).fill(0);
  const list: Scenario[] = [{ name: 'no change', changes: flat(), truth: null }];
  for (const step of [0.01, 0.02, 0.05, 0.1]) {
    const changes = flat();
    changes[STEP_AT] = Math.log1p(step);
    list.push({
      name: `step +${step * 100} %`,
      changes,
      truth: [STEP_AT - TOLERANCE_COMMITS, STEP_AT + TOLERANCE_COMMITS],
    });
  }
  for (const rate of [0.005, 0.01, 0.02]) {
    const changes = flat();
    for (let i = DRIFT_FROM; i < DRIFT_FROM + DRIFT_MERGES; i++) changes[i] = Math.log1p(rate);
    list.push({
      name: `drift +${rate * 100} %/merge`,
      changes,
      truth: [DRIFT_FROM - TOLERANCE_COMMITS, DRIFT_FROM + DRIFT_MERGES - 1 + TOLERANCE_COMMITS],
    });
  }
  return list;
}

interface History {
  /** Per-commit value of the metric (a latency around 100). */
  values: number[];
  /** Per-merge gate estimate with its interval (commit 0 has none: it is the starting point). */
  gates: PairedChange[];
}

/** Chi-square with k degrees of freedom as a sum of squared normals (k is 29: cheap enough). */
function chiSquare(random: Random, k: number): number {
  let sum = 0;
  for (let i = 0; i < k; i++) sum += random.normal() ** 2;
  return sum;
}

function simulate(scenario: Scenario, valueSigma: number, pairSigma: number, random: Random): History {
  const z = normalQuantile((1 + LEVEL) / 2);
  let level = 0;
  const values: number[] = [];
  const gates: PairedChange[] = [];
  for (let i = 0; i < COMMITS; i++) {
    level += scenario.changes[i]!;
    values.push(100 * Math.exp(level + valueSigma * random.normal()));
    if (i === 0) continue;
    const estimate = scenario.changes[i]! + pairSigma * random.normal();
    // The gate knows its standard error only from its own pairs.
    const se = pairSigma * Math.sqrt(chiSquare(random, GATE_PAIRS - 1) / (GATE_PAIRS - 1));
    gates.push({
      id: String(i),
      ratio: Math.exp(estimate),
      lower: Math.exp(estimate - z * se),
      upper: Math.exp(estimate + z * se),
      level: LEVEL,
    });
  }
  return { values, gates };
}

type Method = (history: History, seriesSeed: number) => number[];

/** (a) Alarm indices of the chain: the last `window` merges since the last alarm, checked after every merge. */
const chainOfRatios =
  (window: number): Method =>
  ({ gates }) => {
    const alarms: number[] = [];
    let from = 0;
    for (let g = 0; g < gates.length; g++) {
      const chain = gates.slice(Math.max(from, g + 1 - window), g + 1);
      if (driftExceeds(cumulativeDrift(chain, chainSettings.level), chainSettings.tolerance)) {
        alarms.push(g + 1);
        from = g + 1;
      }
    }
    return alarms;
  };

/** (b) E-divisive over the whole history; a change point at index i is an alarm at commit i (slower only). */
const eDivisive: Method = ({ values }, seriesSeed) =>
  changePoints(values, { ...eDivisiveSettings, seed: seriesSeed })
    .changePoints.filter((p) => (p.relativeChange ?? 0) > 0)
    .map((p) => p.index);

/** (c) github-action-benchmark: current / previous above the alert threshold (2 = 200 %). */
const ratioRule =
  (threshold: number): Method =>
  ({ values }) =>
    values.flatMap((v, i) => (i > 0 && v / values[i - 1]! > threshold ? [i] : []));

/** (d) conbench's lookback z-score against the previous values (at most `lookback`, at least 2). */
const lookbackZScore: Method = ({ values }) =>
  values.flatMap((v, i) => {
    if (i < 2) return [];
    const history = values.slice(Math.max(0, i - zScoreSettings.lookback), i);
    const mean = history.reduce((a, b) => a + b, 0) / history.length;
    const sd = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / (history.length - 1));
    return sd > 0 && (v - mean) / sd > zScoreSettings.threshold ? [i] : [];
  });

const methods: Array<[string, Method]> = [
  ...chainSettings.windows.map((window): [string, Method] => [`chain of ${window}`, chainOfRatios(window)]),
  ['E-divisive', eDivisive],
  ['ratio > 200 %', ratioRule(2)],
  ['ratio > 110 %', ratioRule(1.1)],
  ['lookback z > 5', lookbackZScore],
];

interface Tally {
  series: number;
  /** Series with at least one alarm in the truth window (recall's numerator), or with any alarm (no change). */
  detected: number;
  trueAlarms: number;
  falseAlarms: number;
  /** False alarms on commits 1..EARLY_COMMITS−1, where a rule has little history to go on. */
  earlyFalseAlarms: number;
}

const EARLY_COMMITS = 10;

function evaluate(scenario: Scenario, valueSigma: number, pairSigma: number, cellSeed: number): Map<string, Tally> {
  const tallies = new Map(
    methods.map(([name]) => [name, { series: 0, detected: 0, trueAlarms: 0, falseAlarms: 0, earlyFalseAlarms: 0 }]),
  );
  const random = createRandom(cellSeed);
  for (let s = 0; s < seriesPerCell; s++) {
    const history = simulate(scenario, valueSigma, pairSigma, random);
    for (const [name, method] of methods) {
      const alarms = method(history, cellSeed * 100_003 + s);
      const tally = tallies.get(name)!;
      const [first, last] = scenario.truth ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      const hits = alarms.filter((i) => i >= first && i <= last).length;
      tally.series++;
      tally.trueAlarms += hits;
      tally.falseAlarms += alarms.length - hits;
      tally.earlyFalseAlarms += alarms.filter((i) => i < EARLY_COMMITS && !(i >= first && i <= last)).length;
      if (scenario.truth === null ? alarms.length > 0 : hits > 0) tally.detected++;
    }
  }
  return tallies;
}

const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');

function main(): void {
  const started = performance.now();
  const noiseSettings = [
    {
      name: 'values sd 0.047, gates sd 0.020 (calibration)',
      valueSigma: 0.047,
      pairSigma: 0.02,
    },
    {
      name: 'values and gates sd 0.020 (same noise)',
      valueSigma: 0.02,
      pairSigma: 0.02,
    },
  ];
  const lines: string[] = [];
  const print = (text: string) => {
    lines.push(text);
    process.stdout.write(`${text}\n`);
  };
  const results: unknown[] = [];
  const machine = provenance();
  print(`# history detection: ${seriesPerCell} histories of ${COMMITS} commits per cell, seed ${seed}`);
  print(`commit ${machine.commit}, ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.os}`);
  print(
    `chain ${JSON.stringify(chainSettings)}; E-divisive ${JSON.stringify(eDivisiveSettings)}; z-score ${JSON.stringify(zScoreSettings)}`,
  );
  noiseSettings.forEach((noise, n) => {
    print(`\n## ${noise.name}`);
    const all = scenarios().map((scenario, c) => ({
      scenario,
      tallies: evaluate(scenario, noise.valueSigma, noise.pairSigma, seed * 1000 + n * 100 + c),
    }));
    const none = all[0]!.tallies;
    print(
      `\nfalse alarms on histories with no change: share of histories with any alarm / alarms per history / share of those alarms on commits 1-${EARLY_COMMITS - 1}`,
    );
    print(`| method | ${methods.map(([name]) => name).join(' | ')} |`);
    print(`|---|${methods.map(() => '---').join('|')}|`);
    print(
      `| no change | ${methods.map(([name]) => `${percent(none.get(name)!.detected / seriesPerCell)} / ${(none.get(name)!.falseAlarms / seriesPerCell).toFixed(2)} / ${percent(none.get(name)!.earlyFalseAlarms / none.get(name)!.falseAlarms)}`).join(' | ')} |`,
    );
    print(
      '\nrecall (histories with an alarm on the change) / precision (true alarms among all alarms, with as many no-change histories mixed in)',
    );
    print(`| scenario | ${methods.map(([name]) => name).join(' | ')} |`);
    print(`|---|${methods.map(() => '---').join('|')}|`);
    for (const { scenario, tallies } of all.slice(1)) {
      const cells = methods.map(([name]) => {
        const t = tallies.get(name)!;
        const falseAlarms = t.falseAlarms + none.get(name)!.falseAlarms;
        return `${percent(t.detected / t.series)} / ${percent(t.trueAlarms / (t.trueAlarms + falseAlarms))}`;
      });
      print(`| ${scenario.name} | ${cells.join(' | ')} |`);
    }
    results.push({
      noise,
      cells: all.map(({ scenario, tallies }) => ({
        scenario: scenario.name,
        truth: scenario.truth,
        tallies: Object.fromEntries(tallies),
      })),
    });
  });
  const seconds = (performance.now() - started) / 1000;
  print(`\n${seconds.toFixed(1)} s`);
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const settings = {
    seriesPerCell,
    seed,
    commits: COMMITS,
    stepAt: STEP_AT,
    driftFrom: DRIFT_FROM,
    driftMerges: DRIFT_MERGES,
    toleranceCommits: TOLERANCE_COMMITS,
    gatePairs: GATE_PAIRS,
    chainSettings,
    eDivisiveSettings,
    zScoreSettings,
  };
  writeFileSync(
    resolve(outDir, `${stamp}.json`),
    `${JSON.stringify({ measuredBy: machine, settings, seconds, results }, null, 1)}\n`,
  );
  writeFileSync(resolve(outDir, `${stamp}.txt`), `${lines.join('\n')}\n`);
}

main();
