/**
 * Coverage and decisions of the candidate intervals for a rate (error rate, early-exit ratio) judged
 * over rounds, by simulation with a known true rate, over-dispersion between rounds and round sizes
 * like the gate's; and the bias of per-round centres against the pooled ratio. Pure and seeded
 * (src/stats/prng.ts); writes the tables to stdout and the figures with their provenance to
 * bench/results/rates/rate-coverage.json.
 *
 *   npx tsx bench/rate-coverage.ts [--runs=2000] [--resamples=500] [--seed=19] [--out=<file>]
 *
 * Between-round over-dispersion: round i's own rate is drawn from a beta with mean p and intra-round
 * correlation ρ (a beta-binomial count: variance n·p(1−p)·(1 + (n − 1)ρ)), so ρ = 0.01 at 150 requests
 * a round makes the count 2.5 times as variable as a binomial one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hodgesLehmann } from '../src/stats/hodges-lehmann.js';
import { createRandom, type Random } from '../src/stats/prng.js';
import { analyzeRate, clopperPearson, clusterDispersion, type RoundCount } from '../src/stats/rate-interval.js';
import { provenance, resultsDir } from './provenance.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? ''];
  }),
);
const RUNS = Number(args.get('runs') ?? 2000);
const RESAMPLES = Number(args.get('resamples') ?? 500);
const SEED = Number(args.get('seed') ?? 19);
const OUT = args.get('out') ?? `${resultsDir('rates')}/rate-coverage.json`;
const LEVELS = [0.98, 1 - 0.02 / 3] as const;

type Interval = [number, number];
/**
 * per-round-hl: today's rule, Hodges–Lehmann on the rounds' rates; cp-pooled: Clopper–Pearson on the
 * pooled counts as if binomial; cp-pearson: the same on counts divided by φ from Pearson's χ²;
 * cp-cluster: φ from the round-cluster variance; cp-cluster-t: that with φ's excess scaled by
 * (t_{k−1} / z)², the gate's choice (src/stats/rate-interval.ts); block-bootstrap: percentile bootstrap
 * of the ratio of sums over whole rounds.
 */
type Method = 'per-round-hl' | 'cp-pooled' | 'cp-pearson' | 'cp-cluster' | 'cp-cluster-t' | 'block-bootstrap';
const METHODS: readonly Method[] = [
  'per-round-hl',
  'cp-pooled',
  'cp-pearson',
  'cp-cluster',
  'cp-cluster-t',
  'block-bootstrap',
];

function gamma(random: Random, shape: number): number {
  // Marsaglia & Tsang (2000); shapes below 1 through G(a) = G(a + 1) · U^(1/a).
  if (shape < 1) return gamma(random, shape + 1) * random.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = random.normal();
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = random.next();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

function roundRate(random: Random, p: number, rho: number): number {
  if (rho === 0 || p === 0) return p;
  const s = 1 / rho - 1;
  const a = gamma(random, p * s);
  const b = gamma(random, (1 - p) * s);
  return a / (a + b);
}

function binomial(random: Random, n: number, p: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (random.next() < p) x++;
  return x;
}

function simulateRounds(
  random: Random,
  p: number,
  rho: number,
  rounds: number,
  minN: number,
  maxN: number,
): RoundCount[] {
  const counts: RoundCount[] = [];
  for (let i = 0; i < rounds; i++) {
    const trials = minN + random.integer(maxN - minN + 1);
    counts.push({ events: binomial(random, trials, roundRate(random, p, rho)), trials });
  }
  return counts;
}

/** Round-block percentile bootstrap of the ratio of sums (rounds resampled whole). */
function blockBootstrap(random: Random, counts: readonly RoundCount[], levels: readonly number[]): Interval[] {
  const k = counts.length;
  const replicates = new Float64Array(RESAMPLES);
  for (let b = 0; b < RESAMPLES; b++) {
    let events = 0;
    let trials = 0;
    for (let i = 0; i < k; i++) {
      const c = counts[random.integer(k)]!;
      events += c.events;
      trials += c.trials;
    }
    replicates[b] = events / trials;
  }
  replicates.sort();
  const at = (q: number) => replicates[Math.min(RESAMPLES - 1, Math.max(0, Math.floor(q * RESAMPLES)))]!;
  return levels.map((l) => [at((1 - l) / 2), at(1 - (1 - l) / 2)] as Interval);
}

/** Clopper–Pearson on the counts divided by Pearson's χ² over k − 1 across rounds, floored at 1. */
function pearson(counts: readonly RoundCount[], events: number, trials: number, level: number): Interval {
  const p = events / trials;
  let chi = 0;
  if (p > 0 && p < 1) for (const c of counts) chi += (c.events - c.trials * p) ** 2 / (c.trials * p * (1 - p));
  const phi = counts.length >= 2 ? Math.max(1, chi / (counts.length - 1)) : 1;
  return clopperPearson(events / phi, trials / phi, level);
}

function intervals(random: Random, counts: readonly RoundCount[]): Record<Method, Interval[]> {
  const events = counts.reduce((s, c) => s + c.events, 0);
  const trials = counts.reduce((s, c) => s + c.trials, 0);
  const chosen = analyzeRate(counts);
  const perRound = counts.map((c) => c.events / c.trials);
  return {
    'per-round-hl': LEVELS.map((l) => hodgesLehmann(perRound, l).interval),
    'cp-pooled': LEVELS.map((l) => clopperPearson(events, trials, l)),
    'cp-pearson': LEVELS.map((l) => pearson(counts, events, trials, l)),
    'cp-cluster': LEVELS.map((l) => {
      const phi = Math.max(1, clusterDispersion(counts, events / trials));
      return clopperPearson(events / phi, trials / phi, l);
    }),
    'cp-cluster-t': LEVELS.map((l) => chosen.interval(l)),
    'block-bootstrap': blockBootstrap(random, counts, LEVELS),
  };
}

interface CoverageCell {
  rate: number;
  rho: number;
  rounds: number;
  /** method -> per level: coverage, median upper bound (Infinity when unbounded) */
  methods: Record<Method, { coverage: number; medianUpper: number }[]>;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function coverageCell(seed: number, rate: number, rho: number, rounds: number): CoverageCell {
  const random = createRandom(seed);
  const covered = Object.fromEntries(METHODS.map((m) => [m, LEVELS.map(() => 0)])) as Record<Method, number[]>;
  const uppers = Object.fromEntries(METHODS.map((m) => [m, LEVELS.map(() => [] as number[])])) as Record<
    Method,
    number[][]
  >;
  for (let r = 0; r < RUNS; r++) {
    const all = intervals(random, simulateRounds(random, rate, rho, rounds, 60, 250));
    for (const m of METHODS)
      all[m].forEach(([lo, hi], j) => {
        if (lo <= rate && rate <= hi) covered[m][j]! += 1;
        uppers[m][j]!.push(hi);
      });
  }
  return {
    rate,
    rho,
    rounds,
    methods: Object.fromEntries(
      METHODS.map((m) => [
        m,
        LEVELS.map((_, j) => ({ coverage: covered[m][j]! / RUNS, medianUpper: median(uppers[m][j]!) })),
      ]),
    ) as CoverageCell['methods'],
  };
}

interface DecisionCell {
  rate: number;
  rounds: number;
  rho: number;
  methods: Record<Method, { pass: number; fail: number }>;
}

/** `rate <= threshold` at 98 % (one target, α = 2 %): pass when the interval is wholly at or below it. */
function decisionCell(seed: number, rate: number, rho: number, rounds: number, threshold: number): DecisionCell {
  const random = createRandom(seed);
  const tally = Object.fromEntries(METHODS.map((m) => [m, { pass: 0, fail: 0 }])) as DecisionCell['methods'];
  for (let r = 0; r < RUNS; r++) {
    const all = intervals(random, simulateRounds(random, rate, rho, rounds, 60, 250));
    for (const m of METHODS) {
      const [lo, hi] = all[m][0]!;
      if (hi <= threshold) tally[m].pass += 1;
      else if (lo > threshold) tally[m].fail += 1;
    }
  }
  for (const m of METHODS) {
    tally[m].pass /= RUNS;
    tally[m].fail /= RUNS;
  }
  return { rate, rounds, rho, methods: tally };
}

/**
 * The early-exit question: rounds of a fixed number of requests drawn from a workload file in which
 * some requests make more rerank decisions than others and exit early less often, so that a round's
 * rate is correlated with its size. The workload's true rate is the pooled one, events / decisions
 * over the whole file; compares the mean, median and Hodges–Lehmann centre of per-round ratios with
 * the ratio of the pooled sums.
 */
interface BiasCell {
  scenario: string;
  trueRate: number;
  rounds: number;
  requestsPerRound: number;
  estimators: Record<string, { mean: number; bias: number }>;
  pooledCoverage98: number;
}

interface RequestKind {
  /** Share of the workload's requests. */
  share: number;
  /** Rerank decisions a request of this kind makes. */
  decisions: number;
  /** Chance that one decision exits early. */
  earlyExit: number;
}

function pickKind(kinds: readonly RequestKind[], u: number): RequestKind {
  let below = 0;
  for (const kind of kinds) {
    below += kind.share;
    if (u < below) return kind;
  }
  return kinds[kinds.length - 1]!;
}

function biasCell(seed: number, scenario: string, kinds: RequestKind[], rounds: number, perRound: number): BiasCell {
  const random = createRandom(seed);
  const trueRate =
    kinds.reduce((s, k) => s + k.share * k.decisions * k.earlyExit, 0) /
    kinds.reduce((s, k) => s + k.share * k.decisions, 0);
  const sums = {
    'mean of per-round ratios': 0,
    'median of per-round ratios': 0,
    'Hodges–Lehmann of per-round ratios': 0,
    'pooled ratio': 0,
  };
  let covered = 0;
  for (let r = 0; r < RUNS; r++) {
    const counts: RoundCount[] = [];
    while (counts.length < rounds) {
      let events = 0;
      let trials = 0;
      for (let q = 0; q < perRound; q++) {
        const kind = pickKind(kinds, random.next());
        trials += kind.decisions;
        events += binomial(random, kind.decisions, kind.earlyExit);
      }
      if (trials > 0) counts.push({ events, trials });
    }
    const ratios = counts.map((c) => c.events / c.trials);
    const analysis = analyzeRate(counts);
    sums['mean of per-round ratios'] += ratios.reduce((s, x) => s + x, 0) / ratios.length;
    sums['median of per-round ratios'] += median(ratios);
    sums['Hodges–Lehmann of per-round ratios'] += hodgesLehmann(ratios, 0.5).estimate;
    sums['pooled ratio'] += analysis.estimate;
    const [lo, hi] = analysis.interval(0.98);
    if (lo <= trueRate && trueRate <= hi) covered++;
  }
  return {
    scenario,
    trueRate,
    rounds,
    requestsPerRound: perRound,
    estimators: Object.fromEntries(
      Object.entries(sums).map(([name, sum]) => [name, { mean: sum / RUNS, bias: sum / RUNS - trueRate }]),
    ),
    pooledCoverage98: covered / RUNS,
  };
}

const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '∞');

function main(): void {
  const started = Date.now();
  let seed = SEED;
  const coverage: CoverageCell[] = [];
  for (const rounds of [5, 6, 10, 20])
    for (const rate of [0.01, 0.05, 0.3])
      for (const rho of [0, 0.003, 0.01, 0.03]) coverage.push(coverageCell(seed++, rate, rho, rounds));

  const decisions: DecisionCell[] = [];
  for (const rounds of [6, 10, 20])
    for (const rate of [0, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03])
      decisions.push(decisionCell(seed++, rate, 0.003, rounds, 0.01));

  // Short requests (one rerank decision, often early) and long ones (several decisions, rarely early);
  // the mix is set so that the workload's rate is 29.4 % like the issue's file (100 of 340 decisions).
  const correlated: RequestKind[] = [
    { share: 0.2, decisions: 0, earlyExit: 0 },
    { share: 0.5, decisions: 1, earlyExit: 0.5 },
    { share: 0.3, decisions: 4, earlyExit: 0.2082 },
  ];
  const uncorrelated: RequestKind[] = [
    { share: 0.2, decisions: 0, earlyExit: 0 },
    { share: 0.8, decisions: 1, earlyExit: 0.294 },
  ];
  const bias: BiasCell[] = [];
  for (const [name, kinds] of [
    ['rate independent of round size', uncorrelated],
    ['rate falls with round size', correlated],
  ] as const)
    for (const rounds of [10, 20]) bias.push(biasCell(seed++, name, kinds, rounds, 60));

  const levelNames = LEVELS.map((l) => `${Number((l * 100).toPrecision(4))} %`);
  console.log(`## Coverage (${RUNS} runs a cell; rounds of 60–250 requests; bootstrap ${RESAMPLES} resamples)\n`);
  console.log(`| rounds | rate | ρ | ${METHODS.flatMap((m) => levelNames.map((l) => `${m} ${l}`)).join(' | ')} |`);
  console.log(`|${'---|'.repeat(3 + METHODS.length * LEVELS.length)}`);
  for (const c of coverage)
    console.log(
      `| ${c.rounds} | ${pct(c.rate)} | ${c.rho} | ${METHODS.flatMap((m) => c.methods[m].map((x) => pct(x.coverage))).join(' | ')} |`,
    );
  console.log(`\n## Median upper bound at 98 %\n`);
  console.log(`| rounds | rate | ρ | ${METHODS.join(' | ')} |`);
  console.log(`|${'---|'.repeat(3 + METHODS.length)}`);
  for (const c of coverage)
    console.log(
      `| ${c.rounds} | ${pct(c.rate)} | ${c.rho} | ${METHODS.map((m) => pct(c.methods[m][0]!.medianUpper, 2)).join(' | ')} |`,
    );
  console.log(`\n## Decisions on \`rate <= 1%\` at 98 % (ρ = 0.003): pass / fail\n`);
  console.log(`| rounds | true rate | ${METHODS.join(' | ')} |`);
  console.log(`|${'---|'.repeat(2 + METHODS.length)}`);
  for (const d of decisions)
    console.log(
      `| ${d.rounds} | ${pct(d.rate, 2)} | ${METHODS.map((m) => `${pct(d.methods[m].pass)} / ${pct(d.methods[m].fail)}`).join(' | ')} |`,
    );
  console.log(`\n## Bias of per-round centres (60 requests a round)\n`);
  const estimatorNames = Object.keys(bias[0]!.estimators);
  console.log(`| scenario | true rate | rounds | ${estimatorNames.join(' | ')} | pooled 98 % coverage |`);
  console.log(`|${'---|'.repeat(4 + estimatorNames.length)}`);
  for (const b of bias)
    console.log(
      `| ${b.scenario} | ${pct(b.trueRate)} | ${b.rounds} | ${estimatorNames.map((e) => `${pct(b.estimators[e]!.mean, 2)} (${b.estimators[e]!.bias >= 0 ? '+' : ''}${(b.estimators[e]!.bias * 100).toFixed(2)})`).join(' | ')} | ${pct(b.pooledCoverage98)} |`,
    );
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${seconds.toFixed(0)} s`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify({ measuredBy: provenance(), settings: { runs: RUNS, resamples: RESAMPLES, seed: SEED, levels: LEVELS, roundSize: [60, 250] }, coverage, decisions, bias, seconds }, null, 2)}\n`,
  );
}

main();
