/**
 * The goal table of decisive verdicts, measured with real gates on both reference backends
 * (examples/backend-rag, Node, and examples/backend-rag-python, FastAPI): each run is one whole gate
 * (migrate, boot, bench with its looks, report) with a measuring budget (gate.budget, 3 minutes by
 * default) and three targets judged together under Holm:
 *
 *   pipeline_time worsens <= 0%    caught or not: a true slowdown should fail it
 *   pipeline_time worsens <= 5%    a guard: an A/A run should pass it
 *   latency_p95 worsens <= 10%     a guard: an A/A run should pass it
 *
 * Kinds: A/A (both variants the same code and settings) and injected regressions, where the candidate
 * does a fixed amount of extra CPU work per request (the backends' EXTRA_WORK_MS). The work is set once
 * per backend from its first A/A run: size × that run's mean pipeline time. What it really did is
 * measured on the pooled rounds of all runs of a kind, not taken from the knob.
 *
 * Run: npx tsx bench/goal-runs.ts [--runs 20] [--backends node,python] [--sizes 0.05,0.10] [--budget 3m]
 *        [--design shuffled-pairs|duet] [--processes N] [--warmup 1s] [--stop-at ISO-time] [--out bench/results/goal] [--evaluate-only] [--max-load 1.5] [--wait-load 1.0]
 *
 * --design duet loads both variants at once (load.design: duet), with the budget planned for it (a pair in
 * one round's time, so twice the pairs); its runs go to bench/results/goal-duet unless --out says otherwise.
 *
 * --max-load leaves out of the tables any run whose one-minute load average was at or above it before or
 * after; --wait-load holds each run until the one-minute load average is below it (checked every 15 s), so
 * a campaign sharing the machine pauses instead of measuring someone else's work.
 *
 * Every run is stored as one JSON file as soon as it ends (commit, CPUs, Node version, load average
 * before and after), its rounds with their latency histograms beside it (`<backend>/rounds/`), a restart skips the stored ones, and summary.json and the printed tables are
 * computed from all stored files, so a stopped campaign keeps what it measured.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { PerfGateConfig } from '../src/config/config.js';
import { parseDuration } from '../src/config/durations.js';
import { loadConfig, metricCatalog } from '../src/config/load.js';
import { parseTarget } from '../src/config/targets.js';
import { errorMessage } from '../src/errors.js';
import { evaluateTargets } from '../src/gate/evaluate-targets.js';
import { planBudget } from '../src/load/budget-plan.js';
import { MemoryLogger } from '../src/log.js';
import type { RoundRecord } from '../src/model/round-record.js';
import { runWholeGate } from '../src/pipeline/run-gate.js';
import { parseArgs } from './args.js';
import {
  kindLabel,
  noiseFloor,
  type StoredRound,
  type StoredRun,
  summarizeAlternatives,
  variantValues,
} from './calibration/calibration.js';
import { type Provenance, packageRoot, provenance, resultsDir } from './provenance.js';

const TARGETS = ['pipeline_time worsens <= 0%', 'pipeline_time worsens <= 5%', 'latency_p95 worsens <= 10%'] as const;
const [DETECT, PIPELINE_GUARD, P95_GUARD] = TARGETS;
const BACKENDS = { node: undefined, python: 'examples/backend-rag-python/perf-gate.yml' } as const;
type BackendName = keyof typeof BACKENDS;

const args = parseArgs(process.argv.slice(2), [
  'runs',
  'backends',
  'sizes',
  'budget',
  'stop-at',
  'out',
  'evaluate-only',
  'max-load',
  'wait-load',
  'design',
  'processes',
  'warmup',
]);
const runs = Number(args.get('runs') ?? 20);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs: got ${args.get('runs')}; expected a whole number >= 1`);
const backends = (args.get('backends') ?? 'node,python').split(',').map((b) => {
  if (!(b in BACKENDS)) throw new Error(`--backends: got ${JSON.stringify(b)}; expected node, python`);
  return b as BackendName;
});
const sizes = (args.get('sizes') ?? '0.05,0.10').split(',').map((s) => {
  const value = Number(s);
  if (!(value > 0 && value <= 1)) throw new Error(`--sizes: got ${JSON.stringify(s)}; expected fractions in (0, 1]`);
  return value;
});
const budgetMs = parseDuration('--budget', args.get('budget') ?? '3m');
const DESIGNS = ['shuffled-pairs', 'duet'] as const;
const design = (args.get('design') ?? 'shuffled-pairs') as (typeof DESIGNS)[number];
if (!DESIGNS.includes(design)) throw new Error(`--design: got ${args.get('design')}; expected ${DESIGNS.join(', ')}`);
const processes = Number(args.get('processes') ?? 1);
if (!(Number.isInteger(processes) && processes >= 1))
  throw new Error(`--processes: got ${args.get('processes')}; expected a whole number >= 1`);
const warmupMs = args.has('warmup') ? parseDuration('--warmup', args.get('warmup')!) : undefined;
const stopAt = args.has('stop-at') ? Date.parse(args.get('stop-at')!) : Number.POSITIVE_INFINITY;
if (Number.isNaN(stopAt)) throw new Error(`--stop-at: got ${args.get('stop-at')}; expected an ISO date-time`);
const maxLoad = args.has('max-load') ? Number(args.get('max-load')) : Number.POSITIVE_INFINITY;
if (Number.isNaN(maxLoad)) throw new Error(`--max-load: got ${args.get('max-load')}; expected a number`);
const waitLoad = args.has('wait-load') ? Number(args.get('wait-load')) : Number.POSITIVE_INFINITY;
if (!(waitLoad > 0)) throw new Error(`--wait-load: got ${args.get('wait-load')}; expected a number above 0`);
const outDir = resolve(
  args.get('out') ??
    resultsDir(`${design === 'duet' ? 'goal-duet' : 'goal'}${processes > 1 ? `-processes${processes}` : ''}`),
);
const evaluateOnly = args.get('evaluate-only') === 'true';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const measuredBy = provenance();
const loadAverage = (): number[] => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

/** A stored goal run: the calibration's StoredRun plus the backend, the work injected and the machine. */
type GoalRun = StoredRun & {
  backend: BackendName;
  extraWorkMs: number;
  plan?: {
    design?: string;
    processes?: number;
    warmupMs?: number;
    roundDurationMs: number;
    pairs: number;
    maxPairs: number;
  };
  machine?: Omit<Provenance, 'commit'>;
};

const runsDir = (backend: BackendName) => join(outDir, backend, 'runs');
const fileFor = (backend: BackendName, size: number, run: number): string =>
  join(
    runsDir(backend),
    `run-${String(run).padStart(2, '0')}-${size === 0 ? 'aa' : `slow${String(Math.round(size * 1000)).padStart(3, '0')}`}.json`,
  );

function readRuns(backend: BackendName): GoalRun[] {
  const dir = runsDir(backend);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as GoalRun);
}

const quiet = (r: GoalRun): boolean =>
  maxLoad === Number.POSITIVE_INFINITY ||
  (r.loadAverage !== undefined && r.loadAverage.before[0]! < maxLoad && r.loadAverage.after[0]! < maxLoad);

/** Mean of one variant's per-round pipeline_time over a run's valid rounds, ms. */
function meanPipelineMs(rounds: readonly StoredRound[]): number | null {
  const values = [
    ...variantValues(rounds, 'baseline', 'pipeline_time'),
    ...variantValues(rounds, 'candidate', 'pipeline_time'),
  ];
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The extra work for a size on a backend: size × the mean pipeline time of its first stored A/A run,
 * fixed from then on (settings.json), so every run of the campaign injects the same work.
 */
function extraWorkFor(backend: BackendName, size: number): number | null {
  const settingsPath = join(outDir, backend, 'settings.json');
  if (existsSync(settingsPath)) {
    const settings = JSON.parse(readFileSync(settingsPath, 'utf8')) as { referencePipelineMs: number };
    return Number((size * settings.referencePipelineMs).toFixed(3));
  }
  const first = readRuns(backend).find((r) => r.slowdown === 0 && r.verdict !== 'error');
  const reference = first ? meanPipelineMs(first.rounds) : null;
  if (reference === null) return null;
  writeFileSync(
    settingsPath,
    `${JSON.stringify({ referencePipelineMs: Number(reference.toFixed(4)), from: `run ${first!.run} (A/A)`, commit: first!.commit }, null, 1)}\n`,
  );
  return Number((size * reference).toFixed(3));
}

function goalConfig(
  backend: BackendName,
  size: number,
  extraWorkMs: number,
  run: number,
  reportDir: string,
): PerfGateConfig {
  const path = BACKENDS[backend];
  const config = loadConfig({ packageRoot, ...(path ? { path: join(packageRoot, path) } : {}) });
  config.database.baseline = { strategy: 'shared' };
  const { baseline, candidate } = config.backend;
  if (baseline.kind !== 'command' || candidate.kind !== 'command')
    throw new Error(`the ${backend} reference config must start its backends as local commands`);
  // Both variants run the Phase 1 settings, the code a follow-up pull request starts from.
  const env = { ...candidate.env };
  baseline.env = { ...env };
  candidate.env = size === 0 ? { ...env } : { ...env, EXTRA_WORK_MS: String(extraWorkMs) };
  const catalog = metricCatalog(config);
  config.targets = TARGETS.map((t, i) => parseTarget(t, catalog, `goal target ${i}`));
  // The budget plans rounds, pairs and looks as it would for a config that sets none of them.
  config.load.design = design;
  config.load.processes = processes;
  if (warmupMs !== undefined) config.load.warmupMs = warmupMs;
  const plan = planBudget({
    budgetMs,
    warmupMs: config.load.warmupMs,
    roundsPerPair: design === 'duet' ? 1 : 2,
    processes,
    explicit: {},
    confidence: config.gate.confidence,
    minPairs: config.gate.minPairs,
    targets: TARGETS.length,
  });
  config.gate.budget = plan;
  config.load.roundDurationMs = plan.roundDurationMs;
  config.load.pairs = plan.pairs;
  config.load.maxPairs = plan.maxPairs;
  config.load.seed = config.load.seed + run;
  config.gate.failOnInconclusive = false;
  config.report.dir = reportDir;
  return config;
}

async function runOne(backend: BackendName, size: number, extraWorkMs: number, run: number): Promise<GoalRun> {
  const reportDir = join(tmpdir(), 'perf-gate-goal', `${backend}-${run}-${size}`);
  rmSync(reportDir, { recursive: true, force: true });
  const config = goalConfig(backend, size, extraWorkMs, run, reportDir);
  const before = loadAverage();
  const started = performance.now();
  const log = new MemoryLogger();
  const base = { backend, extraWorkMs, slowdown: size, run, naiveRounds: [] as StoredRound[] };
  try {
    const { results } = await runWholeGate({
      config,
      log,
      statePath: join(reportDir, 'state.json'),
      packageRoot,
      configPath: null,
      env: process.env,
      report: { version: 'goal-runs' },
    });
    return {
      ...base,
      verdict: results.verdict,
      targets: results.targets.map((t) => ({
        expression: t.expression,
        metric: t.metric,
        status: t.status,
        estimate: t.estimate,
        ci: t.ci,
      })),
      pairsUsed: results.decision?.measuredPairs ?? 0,
      wallMs: Math.round(performance.now() - started),
      rounds: results.rounds.map((r) => ({
        index: r.index,
        pair: r.pair,
        variant: r.variant,
        ...(r.process !== undefined ? { process: r.process } : {}),
        valid: r.valid,
        invalidReasons: r.invalidReasons,
        values: r.values,
      })),
      plan: {
        design: config.load.design,
        processes: config.load.processes,
        warmupMs: config.load.warmupMs,
        roundDurationMs: config.load.roundDurationMs,
        pairs: config.load.pairs,
        maxPairs: config.load.maxPairs,
      },
      loadAverage: { before, after: loadAverage() },
      ...(results.error ? { error: `${results.error.stage}: ${results.error.message}` } : {}),
    };
  } catch (error) {
    return {
      ...base,
      verdict: 'error',
      targets: [],
      pairsUsed: 0,
      wallMs: Math.round(performance.now() - started),
      rounds: [],
      loadAverage: { before, after: loadAverage() },
      error: errorMessage(error),
    };
  }
}

/** The former default's pair count: 10 pairs and one look at the whole alpha (then with 5 s rounds). */
const FORMER_PAIRS = 10;
const formerTargets = new Map<BackendName, ReturnType<typeof formerGate>>();

function formerGate(backend: BackendName) {
  const path = BACKENDS[backend];
  const config = loadConfig({ packageRoot, ...(path ? { path: join(packageRoot, path) } : {}) });
  const catalog = metricCatalog(config);
  return {
    catalog,
    targets: TARGETS.map((t, i) => parseTarget(t, catalog, `goal target ${i}`)),
    alpha: 1 - config.gate.confidence,
  };
}

/**
 * The former design replayed on a run's own rounds: its first 10 pairs judged once, at the whole alpha,
 * Holm over the three targets, with today's estimators. (Its rounds are this run's, 2.8 s at the
 * budget's plan, not the former 5 s.)
 */
function formerStatuses(backend: BackendName, run: GoalRun): Map<string, string> {
  let gate = formerTargets.get(backend);
  if (!gate) {
    gate = formerGate(backend);
    formerTargets.set(backend, gate);
  }
  // One start of the backends, as the former design had: process numbers are left out.
  const rounds = run.rounds
    .filter((r) => r.pair < FORMER_PAIRS)
    .map(({ process: _process, ...r }) => r) as unknown as RoundRecord[];
  const evaluated = evaluateTargets(gate.targets, rounds, gate.catalog, { alpha: gate.alpha });
  return new Map(evaluated.targets.map((t) => [t.expression, t.status]));
}

const pct = (k: number, n: number): string => (n === 0 ? '–' : `${((100 * k) / n).toFixed(0)} % (${k}/${n})`);
const signed = (x: number | null): string => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`);

function summarize(backend: BackendName, print: boolean): unknown {
  const all = readRuns(backend);
  const stored = all.filter(quiet);
  const judged = stored.filter((r) => r.verdict !== 'error');
  const kinds = [...new Set(judged.map((r) => r.slowdown))].sort((a, b) => a - b);
  const status = (r: GoalRun, expression: string) => r.targets.find((t) => t.expression === expression)?.status;
  const rows = kinds.map((size) => {
    const ofKind = judged.filter((r) => r.slowdown === size);
    const count = (predicate: (r: GoalRun) => boolean) => ofKind.filter(predicate).length;
    const truth = noiseFloor(ofKind, 'pipeline_time', { alpha: 0.02, power: 0.8, budgets: [] });
    const truthP95 = noiseFloor(ofKind, 'latency_p95', { alpha: 0.02, power: 0.8, budgets: [] });
    return {
      size,
      kind: kindLabel(size),
      runs: ofKind.length,
      errors: stored.filter((r) => r.slowdown === size && r.verdict === 'error').length,
      extraWorkMs: ofKind[0]?.extraWorkMs ?? 0,
      anyFail: count((r) => r.verdict === 'fail'),
      detectFail: count((r) => status(r, DETECT) === 'fail'),
      pipelineGuardPass: count((r) => status(r, PIPELINE_GUARD) === 'pass'),
      p95GuardPass: count((r) => status(r, P95_GUARD) === 'pass'),
      inconclusive: count((r) => r.verdict === 'inconclusive'),
      former: (() => {
        const statuses = ofKind.map((r) => formerStatuses(backend, r));
        const of = (expression: string, status: string) => statuses.filter((s) => s.get(expression) === status).length;
        return {
          anyFail: statuses.filter((s) => [...s.values()].includes('fail')).length,
          detectFail: of(DETECT, 'fail'),
          pipelineGuardPass: of(PIPELINE_GUARD, 'pass'),
          p95GuardPass: of(P95_GUARD, 'pass'),
        };
      })(),
      meanPairs: ofKind.length ? ofKind.reduce((a, r) => a + r.pairsUsed, 0) / ofKind.length : null,
      meanWallS: ofKind.length ? ofKind.reduce((a, r) => a + r.wallMs, 0) / ofKind.length / 1000 : null,
      measuredPipelineChange: truth.meanLogRatio === null ? null : Math.expm1(truth.meanLogRatio),
      measuredP95Change: truthP95.meanLogRatio === null ? null : Math.expm1(truthP95.meanLogRatio),
    };
  });
  const alternatives = ['pipeline_time', 'latency_p95'].map((m) =>
    summarizeAlternatives(judged, m, { naiveAlpha: 0.01 }),
  );
  const commits: Record<string, number> = {};
  for (const { commit = 'not recorded' } of stored) commits[commit] = (commits[commit] ?? 0) + 1;
  const loads = stored.filter((r) => r.loadAverage).map((r) => r.loadAverage!);
  const summary = {
    backend,
    settings: {
      budgetMs,
      design,
      processes,
      sizes,
      targets: TARGETS,
      maxLoad: Number.isFinite(maxLoad) ? maxLoad : null,
    },
    stored: all.length,
    quiet: stored.length,
    commits,
    machine: measuredBy.cpus ? `${measuredBy.cpus} × ${measuredBy.cpuModel}, Node ${measuredBy.node}` : undefined,
    rows,
    alternatives,
    loadAverage: loads.length
      ? {
          min: Math.min(...loads.flatMap((l) => [l.before[0]!, l.after[0]!])),
          max: Math.max(...loads.flatMap((l) => [l.before[0]!, l.after[0]!])),
        }
      : null,
  };
  writeFileSync(join(outDir, backend, 'summary.json'), `${JSON.stringify(summary, null, 1)}\n`);
  if (!print) return summary;
  out();
  out(`## ${backend} backend: ${stored.length} runs (of ${all.length} stored), budget ${budgetMs / 1000} s`);
  out(
    `measured with: ${Object.entries(commits)
      .map(([c, n]) => `${c} (${n})`)
      .join(', ')}`,
  );
  if (summary.loadAverage)
    out(`load average (1 min) before/after the runs: ${summary.loadAverage.min}..${summary.loadAverage.max}`);
  out(
    `| kind | extra work | measured pipeline_time change | runs | errors | any target failed | ${DETECT}: fail | ${PIPELINE_GUARD}: pass | ${P95_GUARD}: pass | inconclusive | mean pairs | mean wall |`,
  );
  out(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) {
    out(
      `| ${r.kind} | ${r.extraWorkMs} ms | ${signed(r.measuredPipelineChange)} (p95 ${signed(r.measuredP95Change)}) | ${r.runs} | ${r.errors} | ${pct(r.anyFail, r.runs)} | ${pct(r.detectFail, r.runs)} | ${pct(r.pipelineGuardPass, r.runs)} | ${pct(r.p95GuardPass, r.runs)} | ${pct(r.inconclusive, r.runs)} | ${r.meanPairs?.toFixed(1) ?? '–'} | ${r.meanWallS?.toFixed(0) ?? '–'} s |`,
    );
  }
  out();
  out(`The former design on the same runs (first ${FORMER_PAIRS} pairs, one look):`);
  out(`| kind | runs | any target failed | ${DETECT}: fail | ${PIPELINE_GUARD}: pass | ${P95_GUARD}: pass |`);
  out(`|---|---|---|---|---|---|`);
  for (const r of rows) {
    out(
      `| ${r.kind} | ${r.runs} | ${pct(r.former.anyFail, r.runs)} | ${pct(r.former.detectFail, r.runs)} | ${pct(r.former.pipelineGuardPass, r.runs)} | ${pct(r.former.p95GuardPass, r.runs)} |`,
    );
  }
  out();
  out(`Alternatives on the same rounds, alarm rate per kind (${rows.map((r) => r.kind).join(' / ')}):`);
  out(`| rule | pipeline_time | latency_p95 |`);
  out(`|---|---|---|`);
  for (const [rule, label] of [
    ['ratioRule110', 'github-action-benchmark: mean ratio > 110 %'],
    ['ratioRule200', 'github-action-benchmark: mean ratio > 200 % (its default)'],
    ['mannWhitneySlower', 'benchstat-style Mann–Whitney p < 0.05, candidate median higher'],
  ] as const) {
    out(
      `| ${label} | ${alternatives.map((perKind) => perKind.map((k) => (k.alarmRate[rule] === null ? '–' : `${(k.alarmRate[rule]! * 100).toFixed(0)} %`)).join(' / ')).join(' | ')} |`,
    );
  }
  return summary;
}

mkdirSync(outDir, { recursive: true });
for (const backend of backends) mkdirSync(runsDir(backend), { recursive: true });
out(
  `# perf-gate goal runs: ${backends.join(', ')}; kinds A/A and ${sizes.map(kindLabel).join(', ')}; budget ${budgetMs / 1000} s; out ${outDir}`,
);
out(
  `measured by: commit ${measuredBy.commit}, ${measuredBy.cpus} × ${measuredBy.cpuModel}, Node ${measuredBy.node}, ${measuredBy.os}`,
);
out(`load average at start: ${loadAverage().join(' ')}`);
const started = performance.now();
if (!evaluateOnly) {
  campaign: for (let run = 1; run <= runs; run++) {
    for (const size of [0, ...sizes]) {
      for (const backend of backends) {
        const file = fileFor(backend, size, run);
        if (existsSync(file)) continue;
        if (Date.now() > stopAt) {
          out(`--stop-at passed: stopping before ${backend} ${kindLabel(size)} #${run}`);
          break campaign;
        }
        const extraWorkMs = size === 0 ? 0 : extraWorkFor(backend, size);
        if (extraWorkMs === null) {
          out(`${backend} ${kindLabel(size)} #${run}: no A/A run stored yet to size the extra work from; skipped`);
          continue;
        }
        while (loadAverage()[0]! >= waitLoad && Date.now() <= stopAt) {
          await new Promise((done) => setTimeout(done, 15_000));
        }
        if (Date.now() > stopAt) continue;
        const stored = await runOne(backend, size, extraWorkMs, run);
        const { commit, ...machine } = measuredBy;
        writeFileSync(file, `${JSON.stringify({ ...stored, commit, machine } satisfies GoalRun)}\n`);
        // The rounds with their latency histograms, for estimators that need every request (tail-estimator-real.ts).
        const roundsFile = join(tmpdir(), 'perf-gate-goal', `${backend}-${run}-${size}`, 'rounds.json');
        if (existsSync(roundsFile)) {
          mkdirSync(join(outDir, backend, 'rounds'), { recursive: true });
          copyFileSync(roundsFile, join(outDir, backend, 'rounds', basename(file).replace('.json', '.rounds.json')));
        }
        const targets = stored.targets.map((t) => `${t.expression}: ${t.status} ${signed(t.estimate)}`).join('; ');
        out(
          `${backend} ${kindLabel(size)} #${run}: ${stored.verdict} (${targets}) ${stored.pairsUsed} pairs, ${(stored.wallMs / 1000).toFixed(0)} s, load ${stored.loadAverage?.after[0]}; ${((performance.now() - started) / 60_000).toFixed(1)} min elapsed${stored.error ? `; error: ${stored.error}` : ''}`,
        );
        summarize(backend, false);
      }
    }
  }
}
for (const backend of backends) summarize(backend, true);
