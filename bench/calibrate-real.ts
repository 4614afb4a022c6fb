/**
 * Calibration of the gate on the REAL reference backend (examples/backend-rag): A/A runs and runs
 * with an injected slowdown (the backend's SLOWDOWN knob), each a whole gate with its sequential
 * extension, interleaved by kind so the machine's state hits all kinds alike. Every run is stored
 * as one JSON file as soon as it ends, so a stopped run keeps its data and a restart resumes.
 *
 * Run: npx tsx bench/calibrate-real.ts --runs 20 --slowdowns 0.05,0.10 [--round 2s]
 *        [--pairs 10 --max-pairs 20] [--naive-pairs 10] [--out bench/results/calibration/budget-80s] [--evaluate-only [--max-load 2]]
 *
 * Each run also measures a naive before/after block (design 'sequential': all baseline rounds,
 * then all candidate rounds) on the same booted backends right after the gate's rounds: it costs
 * no extra database set-up or boot, and it sees the same machine state as the gate it is compared
 * with. Its fixed place (always after the gate) is part of what makes it naive.
 *
 * Raw runs are data, not docs: they go under bench/results/ (bench/results/README.md says what is known
 * of runs stored before each recorded its provenance); docs/statistics.md keeps the tables.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningBackend } from '../src/backend/backend-spec.js';
import type { PerfGateConfig } from '../src/config/config.js';
import { parseDuration } from '../src/config/durations.js';
import { loadConfig, metricCatalog } from '../src/config/load.js';
import { parseTarget } from '../src/config/targets.js';
import { errorMessage } from '../src/errors.js';
import { runBenchmark } from '../src/load/run-benchmark.js';
import { type Logger, MemoryLogger } from '../src/log.js';
import type { RoundRecord, Variant } from '../src/model/round-record.js';
import type { StageContext } from '../src/pipeline/context.js';
import { runWholeGate } from '../src/pipeline/run-gate.js';
import { loadSettingsFor, loadWorkload, serverMetricsFor } from '../src/pipeline/stages/bench.js';
import { parseArgs } from './args.js';
import {
  fitNoiseModel,
  kindLabel,
  noiseFloor,
  type StoredRound,
  type StoredRun,
  summarizeAlternatives,
  summarizeGateOutcomes,
} from './calibration/calibration.js';
import { DEFAULT_NOISE } from './calibration/simulate.js';
import { type Provenance, packageRoot, provenance, resultsDir } from './provenance.js';

const METRICS = ['latency_p95', 'pipeline_time'] as const;
const TARGETS = METRICS.map((m) => `${m} worsens <= 0%`);

const args = parseArgs(process.argv.slice(2), [
  'runs',
  'slowdowns',
  'round',
  'pairs',
  'max-pairs',
  'naive-pairs',
  'out',
  'evaluate-only',
  'max-load',
]);
const whole = (name: string, fallback: number, min: number): number => {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`--${name}: got ${JSON.stringify(raw)}; expected a whole number >= ${min}`);
  return value;
};
const runs = whole('runs', 20, 1);
const pairs = whole('pairs', 10, 2);
const maxPairs = whole('max-pairs', 20, pairs);
const naivePairs = whole('naive-pairs', pairs, 0);
const slowdowns = (args.get('slowdowns') ?? '0.05,0.10').split(',').map((s) => {
  const value = Number(s);
  if (!(value > 0 && value <= 10))
    throw new Error(`--slowdowns: got ${JSON.stringify(s)}; expected fractions in (0, 10], e.g. 0.05,0.10`);
  return value;
});
const outDir = resolve(args.get('out') ?? resultsDir('calibration/budget-80s'));
const runsDir = join(outDir, 'runs');
const evaluateOnly = args.get('evaluate-only') === 'true';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
/** Which code and machine measured the runs: stored with each, so runs of different engines or machines are never mixed unknowingly. */
const measuredBy = provenance();
/** A stored run as written to its file: the evaluation's StoredRun plus the machine that measured it. */
type RunFile = StoredRun & { machine?: Omit<Provenance, 'commit'> };
const loadAverage = (): number[] => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const fileFor = (slowdown: number, run: number): string =>
  join(
    runsDir,
    `run-${String(run).padStart(2, '0')}-${
      slowdown === 0
        ? 'aa'
        : `slow${Math.round(slowdown * 1000)
            .toString()
            .padStart(3, '0')}`
    }.json`,
  );

/** The embedded default turned into a calibration gate: one DB, identical candidate unless slowed. */
function calibrationConfig(base: PerfGateConfig, slowdown: number, run: number, reportDir: string): PerfGateConfig {
  const config = structuredClone(base);
  config.database.baseline = { strategy: 'shared' };
  // Both variants run the Phase 1 settings (the code a follow-up pull request would start from).
  const { baseline, candidate } = config.backend;
  if (baseline.kind !== 'command' || candidate.kind !== 'command')
    throw new Error('calibration runs the embedded default, whose backends are local commands');
  const env = { ...candidate.env };
  baseline.env = { ...env };
  candidate.env = slowdown === 0 ? { ...env } : { ...env, SLOWDOWN: String(slowdown) };
  const catalog = metricCatalog(config);
  config.targets = TARGETS.map((t, i) => parseTarget(t, catalog, `calibration target ${i}`));
  if (args.has('round')) config.load.roundDurationMs = parseDuration('--round', args.get('round'));
  config.load.pairs = pairs;
  config.load.maxPairs = maxPairs;
  // A different request order per run index; the kinds of one index share it.
  config.load.seed = base.load.seed + run;
  config.gate.failOnInconclusive = false;
  config.report.dir = reportDir;
  return config;
}

/** The naive before/after block on the gate's running backends: no warm-up, they are warm. */
async function runNaiveBlock(ctx: StageContext): Promise<RoundRecord[]> {
  const running = ctx.state.backend?.running;
  if (!running?.baseline || !running.candidate) return [];
  const backends = running as Record<Variant, RunningBackend>;
  const result = await runBenchmark({
    targets: { baseline: { baseUrl: backends.baseline.baseUrl }, candidate: { baseUrl: backends.candidate.baseUrl } },
    workload: await loadWorkload(ctx.config),
    load: loadSettingsFor(ctx.config, {
      pairs: naivePairs,
      warmupMs: 0,
      seed: ctx.config.load.seed + 1000,
      design: 'sequential',
    }),
    serverMetrics: serverMetricsFor(ctx.config, backends, ctx.log),
    log: ctx.log,
    signal: ctx.signal,
  });
  return result.rounds;
}

const compact = (r: RoundRecord): StoredRound => ({
  index: r.index,
  pair: r.pair,
  variant: r.variant,
  valid: r.valid,
  invalidReasons: r.invalidReasons,
  values: r.values,
});

/** One gate (migrate, boot, bench with sequential looks, report) plus the naive block; cleanup always. */
async function runOne(slowdown: number, run: number, log: Logger): Promise<StoredRun> {
  const reportDir = join(tmpdir(), 'perf-gate-calibrate', `${run}-${slowdown}`);
  rmSync(reportDir, { recursive: true, force: true });
  const config = calibrationConfig(base, slowdown, run, reportDir);
  const before = loadAverage();
  const started = performance.now();
  let gateMs = 0;
  let naive: RoundRecord[] = [];
  let naiveError: string | undefined;
  const { results } = await runWholeGate({
    config,
    log,
    statePath: join(reportDir, 'state.json'),
    packageRoot,
    configPath: null,
    env: process.env,
    report: { version: 'calibrate-real' },
    // While the backends still run: the naive before/after block, after the gate's own rounds.
    afterStages: async (ctx) => {
      gateMs = performance.now() - started;
      if (ctx.state.failure || naivePairs === 0) return;
      try {
        naive = await runNaiveBlock(ctx);
      } catch (error) {
        naiveError = errorMessage(error);
      }
    },
  });
  return {
    slowdown,
    run,
    verdict: results.verdict,
    targets: results.targets.map((t) => ({
      expression: t.expression,
      metric: t.metric,
      status: t.status,
      estimate: t.estimate,
      ci: t.ci,
    })),
    pairsUsed: results.decision?.measuredPairs ?? 0,
    wallMs: Math.round(gateMs),
    rounds: results.rounds.map(compact),
    naiveRounds: naive.map(compact),
    loadAverage: { before, after: loadAverage() },
    commit: measuredBy.commit,
    ...(results.error || naiveError
      ? {
          error: [
            results.error ? `${results.error.stage}: ${results.error.message}` : '',
            naiveError ? `naive block: ${naiveError}` : '',
          ]
            .filter(Boolean)
            .join('; '),
        }
      : {}),
  };
}

/** --max-load: evaluate only runs whose 1-minute load average stayed below it (a quiet machine). */
const maxLoad = args.has('max-load') ? Number(args.get('max-load')) : Infinity;
if (Number.isNaN(maxLoad))
  throw new Error(`--max-load: got ${JSON.stringify(args.get('max-load'))}; expected a number`);

function readStoredRuns(): RunFile[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as RunFile)
    .filter(
      (r) =>
        maxLoad === Infinity ||
        (r.loadAverage !== undefined && r.loadAverage.before[0]! < maxLoad && r.loadAverage.after[0]! < maxLoad),
    );
}

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`;
const signedPct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

/** Prints the tables and writes summary.json; called after every run, so partial data is summarized too. */
function summarize(stored: RunFile[], print: boolean): void {
  const alpha = Number((1 - base.gate.confidence).toPrecision(6));
  const gate = summarizeGateOutcomes(stored);
  const alternatives = METRICS.map((m) => summarizeAlternatives(stored, m, { naiveAlpha: alpha / 2 }));
  const aa = stored.filter((r) => r.slowdown === 0 && r.verdict !== 'error');
  // Two targets under Holm: the per-target level at the last step is alpha / 2 (conservative side).
  const floors = METRICS.map((m) =>
    noiseFloor(aa, m, { alpha: alpha / METRICS.length, power: 0.8, budgets: [pairs, maxPairs] }),
  );
  const fits = METRICS.map((m) => fitNoiseModel(aa, m, DEFAULT_NOISE));
  // Which code measured the pooled runs ("not recorded": runs stored before the commit was).
  const commits: Record<string, number> = {};
  for (const { commit = 'not recorded' } of stored) commits[commit] = (commits[commit] ?? 0) + 1;
  const machines: Record<string, number> = {};
  for (const { machine } of stored) {
    const key = machine ? `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.os}` : 'not recorded';
    machines[key] = (machines[key] ?? 0) + 1;
  }
  writeFileSync(
    join(outDir, 'summary.json'),
    `${JSON.stringify({ settings: { runs, slowdowns, pairs, maxPairs, naivePairs, roundDurationMs: calibrationConfig(base, 0, 0, '').load.roundDurationMs, alpha, targets: TARGETS }, commits, machines, gate, alternatives, floors, fits }, null, 1)}\n`,
  );
  if (!print) return;
  out();
  out(
    `measured with: ${Object.entries(commits)
      .map(([c, n]) => `${c} (${n} runs)`)
      .join(', ')}`,
  );
  out(
    `on: ${Object.entries(machines)
      .map(([m, n]) => `${m} (${n} runs)`)
      .join(', ')}`,
  );
  if (Object.keys(commits).length > 1)
    out('warning: these runs were measured by different code; the tables below pool them');
  if (Object.keys(machines).length > 1)
    out('warning: these runs were measured on different machines or Node versions; the tables below pool them');
  out();
  out(
    `## perf-gate on the reference backend: ${TARGETS.join(' and ')}, Holm, alpha ${alpha} (false alarm <= ${alpha / 2}), ${pairs}..${maxPairs} pairs`,
  );
  out(
    `| kind | runs | errors | fail (false alarm / detection) | fail latency_p95 | fail pipeline_time | pass | inconclusive | mean pairs | mean wall time |`,
  );
  out(`|---|---|---|---|---|---|---|---|---|---|`);
  for (const g of gate) {
    out(
      `| ${g.kind} | ${g.runs} | ${g.errors} | ${pct(g.failRate)} | ${pct(g.failRateByMetric.latency_p95)} | ${pct(g.failRateByMetric.pipeline_time)} | ${pct(g.passRate)} | ${pct(g.inconclusiveRate)} | ${g.meanPairs?.toFixed(1) ?? '–'} | ${g.meanWallMs === null ? '–' : `${(g.meanWallMs / 1000).toFixed(0)} s`} |`,
    );
  }
  out();
  // What the injected slowdown really did to each metric on this machine (queueing can amplify it).
  out(
    `Mean paired change per kind (geometric mean of candidate/baseline over all pairs of all runs; spread = sd of the per-run means):`,
  );
  for (const g of gate) {
    const ofKind = stored.filter((r) => r.slowdown === g.slowdown && r.verdict !== 'error');
    const parts = METRICS.map((m) => {
      const f = noiseFloor(ofKind, m, { alpha, power: 0.8, budgets: [] });
      return `${m} ${signedPct(f.meanLogRatio === null ? null : Math.expm1(f.meanLogRatio))} (sd ${f.sdOfRunMeans?.toFixed(3) ?? '–'})`;
    });
    out(`- ${g.kind}: ${parts.join(', ')}`);
  }
  out();
  out(`## Alternatives on the same runs: alarm rate per kind (${gate.map((g) => g.kind).join(' / ')})`);
  out(`| rule | ${METRICS.join(' | ')} |`);
  out(`|---|${METRICS.map(() => '---').join('|')}|`);
  const rules = [
    ['ratioRule200', 'github-action-benchmark: mean ratio > 200 %'],
    ['ratioRule110', 'github-action-benchmark: mean ratio > 110 %'],
    ['mannWhitneyDifferent', 'benchstat-style Mann–Whitney p < 0.05 two-sided ("different")'],
    ['mannWhitneySlower', '  … and candidate median higher'],
    ['naiveSlower', `naive before/after (${naivePairs}+${naivePairs} rounds), Welch t on logs, one-sided ${alpha / 2}`],
  ] as const;
  for (const [rule, label] of rules) {
    out(
      `| ${label} | ${alternatives.map((perKind) => perKind.map((k) => `${pct(k.alarmRate[rule])} (${k.runs[rule]})`).join(' / ')).join(' | ')} |`,
    );
  }
  out();
  out(`## A/A noise floor (${aa.length} runs)`);
  out(
    `| metric | pairs | mean A/A ratio − 1 | sd across runs of it | sd of paired log ratio | robust sd | 95 % of paired ratios within | MDE @ ${pairs} pairs | MDE @ ${maxPairs} pairs |`,
  );
  out(`|---|---|---|---|---|---|---|---|---|`);
  for (const f of floors) {
    const range = f.ratioRange ? `${signedPct(f.ratioRange[0])} .. ${signedPct(f.ratioRange[1])}` : '–';
    out(
      `| ${f.metric} | ${f.pairs} | ${signedPct(f.meanLogRatio === null ? null : Math.expm1(f.meanLogRatio))} | ${f.sdOfRunMeans?.toFixed(4) ?? '–'} | ${f.sdLogRatio?.toFixed(4) ?? '–'} | ${f.robustSdLogRatio?.toFixed(4) ?? '–'} | ${range} | ${pct(f.minDetectableEffect[0]?.change)} | ${pct(f.minDetectableEffect[1]?.change)} |`,
    );
  }
  out(
    `(MDE: true change decided with 80 % power at the per-target level ${alpha / METRICS.length}, one look, pooled sd.)`,
  );
  out();
  out(`## Noise model fitted to the A/A rounds (flags for bench/calibrate-simulated.ts)`);
  for (const f of fits) {
    const m = f.model;
    const flag = (x: number) => Number(x.toPrecision(3));
    out(
      `${f.metric}: --round-sigma=${flag(m.roundSigma)} --window-sigma=${flag(m.windowSigma)} --drift-step-sigma=${flag(m.driftStepSigma)} --trend-per-round=${flag(m.trendPerRound)} --burst-probability=${flag(m.burstProbability)} --burst-min=${flag(m.burstFactor[0])} --burst-max=${flag(m.burstFactor[1])} --run-sigma=${flag(m.runSigma)}`,
    );
    out(
      `  (${f.details.runs} runs, ${f.details.rounds} rounds, ${f.details.withinPairDifferences} within-pair differences, ${f.details.burstDifferences} beyond ${f.details.burstCut} robust sd; semivariance by lag: ${f.details.semivariance.map((g) => `${g.lag}:${g.value.toExponential(2)}`).join(' ')})`,
    );
  }
  const loads = stored.filter((r) => r.loadAverage).map((r) => r.loadAverage!);
  if (loads.length > 0)
    out(
      `load average (1 min) over the runs: before ${Math.min(...loads.map((l) => l.before[0]!)).toFixed(2)}..${Math.max(...loads.map((l) => l.before[0]!)).toFixed(2)}, after ${Math.min(...loads.map((l) => l.after[0]!)).toFixed(2)}..${Math.max(...loads.map((l) => l.after[0]!)).toFixed(2)}`,
    );
}

const base = loadConfig({ packageRoot });
mkdirSync(runsDir, { recursive: true });
out(`# perf-gate calibration on the reference backend`);
out(
  `runs ${runs} per kind, kinds ${[0, ...slowdowns].map(kindLabel).join(', ')}, pairs ${pairs}..${maxPairs}, naive block ${naivePairs}+${naivePairs}, round ${calibrationConfig(base, 0, 0, '').load.roundDurationMs} ms; out ${outDir}`,
);
const startLoad = loadAverage();
out(`load average at start: ${startLoad.join(' ')}`);
out(
  `measured by: commit ${measuredBy.commit}, ${measuredBy.cpus} × ${measuredBy.cpuModel}, Node ${measuredBy.node}, ${measuredBy.os}`,
);
const started = performance.now();
if (!evaluateOnly) {
  const log = new MemoryLogger();
  for (let run = 1; run <= runs; run++) {
    for (const slowdown of [0, ...slowdowns]) {
      const file = fileFor(slowdown, run);
      if (existsSync(file)) {
        out(`${kindLabel(slowdown)} #${run}: stored already, skipped`);
        continue;
      }
      log.lines.length = 0;
      let stored: StoredRun;
      try {
        stored = await runOne(slowdown, run, log);
      } catch (error) {
        stored = {
          slowdown,
          run,
          verdict: 'error',
          targets: [],
          pairsUsed: 0,
          wallMs: 0,
          rounds: [],
          naiveRounds: [],
          error: errorMessage(error),
        };
      }
      const { commit: _commit, ...machine } = measuredBy;
      writeFileSync(file, `${JSON.stringify({ ...stored, commit: measuredBy.commit, machine } satisfies RunFile)}\n`);
      const targets = stored.targets.map((t) => `${t.metric} ${t.status} ${signedPct(t.estimate)}`).join(', ');
      const elapsed = ((performance.now() - started) / 60_000).toFixed(1);
      out(
        `${kindLabel(slowdown)} #${run}: ${stored.verdict} (${targets}) ${stored.pairsUsed} pairs, ${(stored.wallMs / 1000).toFixed(0)} s; load ${stored.loadAverage?.after[0] ?? '?'}; ${elapsed} min elapsed${stored.error ? `; error: ${stored.error}` : ''}`,
      );
      if (stored.verdict === 'error')
        out(
          log.lines
            .filter((l) => l.startsWith('error') || l.startsWith('warning'))
            .slice(-5)
            .join('\n'),
        );
      summarize(readStoredRuns(), false);
    }
  }
}
summarize(readStoredRuns(), true);
out();
out(
  `load average at start: ${startLoad.join(' ')}; at end: ${loadAverage().join(' ')}; elapsed ${((performance.now() - started) / 60_000).toFixed(1)} min`,
);
