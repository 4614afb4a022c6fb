/**
 * Round designs side by side on the two reference backends (examples/backend-rag, Node, and
 * examples/backend-rag-python, FastAPI): how much A/A noise each leaves in the per-pair log ratio of
 * `pipeline_time` (server histogram mean) and `latency_p95`, and what a duet makes of an injected
 * slowdown. One session = one migrate + boot of both variants; within it the designs run as blocks on
 * the same backends in an order rotated per run, so whatever the machine does hits every design alike.
 *
 * Blocks of an A/A session (both variants the same code and settings), each about the same wall time:
 *   shuffled-pairs R × n, shuffled-pairs R/2 × 2n, duet R × 2n, duet R/2 × 4n
 * (a duet pair takes one round's time, a sequential pair two). A slowdown session gives the candidate
 * SLOWDOWN and runs duet R × 2n and shuffled-pairs R × n.
 *
 * Run: npx tsx bench/design-compare.ts [--runs 3] [--backends node,python] [--pairs 8] [--round 4s]
 *        [--slowdown 0.10] [--slow-backends node,python] [--stop-at ISO-time] [--out bench/results/duet]
 *        [--evaluate-only]
 *
 * Every session is stored as one JSON file as soon as it ends (commit, CPUs, Node version, load average
 * and `uptime` before and after), and a restart skips the stored ones. summary.json and the printed
 * tables are computed from all stored files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mean, standardDeviation } from 'simple-statistics';
import type { RunningBackend } from '../src/backend/backend-spec.js';
import type { PerfGateConfig } from '../src/config/config.js';
import { parseDuration } from '../src/config/durations.js';
import { loadConfig } from '../src/config/load.js';
import { errorMessage } from '../src/errors.js';
import type { RoundDesign } from '../src/load/round-plan.js';
import { runBenchmark } from '../src/load/run-benchmark.js';
import { MemoryLogger } from '../src/log.js';
import type { RoundRecord, Variant } from '../src/model/round-record.js';
import { cleanupAndCheck, createContext, runStage } from '../src/pipeline/run-gate.js';
import { newRunState } from '../src/pipeline/run-state.js';
import { loadSettingsFor, loadWorkload, serverMetricsFor } from '../src/pipeline/stages/bench.js';
import { hodgesLehmann } from '../src/stats/hodges-lehmann.js';
import { pairedLogRatios, pairRounds } from '../src/stats/paired-rounds.js';
import { parseArgs } from './args.js';
import { packageRoot, provenance, resultsDir } from './provenance.js';

const METRICS = ['pipeline_time', 'latency_p95'] as const;
/** The gate's confidence in the embedded default and the Python example (gate.confidence). */
const LEVEL = 0.98;

const args = parseArgs(process.argv.slice(2), [
  'runs',
  'backends',
  'slow-backends',
  'pairs',
  'round',
  'slowdown',
  'out',
  'stop-at',
  'evaluate-only',
]);
const runs = Number(args.get('runs') ?? 3);
const pairs = Number(args.get('pairs') ?? 8);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs: got ${args.get('runs')}; expected a whole number >= 1`);
if (!Number.isInteger(pairs) || pairs < 2)
  throw new Error(`--pairs: got ${args.get('pairs')}; expected a whole number >= 2`);
const roundMs = parseDuration('--round', args.get('round') ?? '4s');
const slowdown = Number(args.get('slowdown') ?? 0.1);
if (!(slowdown > 0 && slowdown <= 10)) throw new Error(`--slowdown: got ${args.get('slowdown')}; expected (0, 10]`);
const BACKENDS = { node: undefined, python: 'examples/backend-rag-python/perf-gate.yml' } as const;
type BackendName = keyof typeof BACKENDS;
const backends = (args.get('backends') ?? 'node,python').split(',').map((b) => {
  if (!(b in BACKENDS)) throw new Error(`--backends: got ${JSON.stringify(b)}; expected node, python`);
  return b as BackendName;
});
const slowBackends = new Set((args.get('slow-backends') ?? backends.join(',')).split(',').filter(Boolean));
/** --stop-at 2026-12-02T17:35Z: start no session after this instant (a session is stored whole or not at all). */
const stopAt = args.has('stop-at') ? Date.parse(args.get('stop-at')!) : Number.POSITIVE_INFINITY;
if (Number.isNaN(stopAt)) throw new Error(`--stop-at: got ${args.get('stop-at')}; expected an ISO date-time`);
const outDir = resolve(args.get('out') ?? resultsDir('duet'));
const runsDir = join(outDir, 'runs');

interface BlockPlan {
  label: string;
  design: RoundDesign;
  roundMs: number;
  pairs: number;
}

const aaBlocks: BlockPlan[] = [
  { label: `shuffled-pairs ${roundMs / 1000} s × ${pairs}`, design: 'shuffled-pairs', roundMs, pairs },
  {
    label: `shuffled-pairs ${roundMs / 2000} s × ${pairs * 2}`,
    design: 'shuffled-pairs',
    roundMs: roundMs / 2,
    pairs: pairs * 2,
  },
  { label: `duet ${roundMs / 1000} s × ${pairs * 2}`, design: 'duet', roundMs, pairs: pairs * 2 },
  { label: `duet ${roundMs / 2000} s × ${pairs * 4}`, design: 'duet', roundMs: roundMs / 2, pairs: pairs * 4 },
];
const slowBlocks: BlockPlan[] = [aaBlocks[2]!, aaBlocks[0]!];

/** A round as stored: what the statistics and the generator-health check read, without the histogram. */
type StoredRound = Pick<
  RoundRecord,
  'index' | 'pair' | 'variant' | 'startedAt' | 'durationMs' | 'valid' | 'invalidReasons' | 'flags' | 'values'
> & { client: Pick<RoundRecord['client'], 'requests' | 'achievedRate' | 'lateSends' | 'generator'> };

interface StoredBlock extends BlockPlan {
  wallMs: number;
  rounds: StoredRound[];
  error?: string;
}

interface SessionFile {
  backend: BackendName;
  kind: 'aa' | 'slow';
  slowdown: number;
  run: number;
  seed: number;
  rate: number;
  blocks: StoredBlock[];
  startedAt: string;
  loadAverage: { before: number[]; after: number[] };
  uptime: { before: string; after: string };
  commit: string;
  machine: Omit<ReturnType<typeof provenance>, 'commit'>;
  error?: string;
}

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const measuredBy = provenance();
const loadAverage = (): number[] => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();
const fileFor = (backend: BackendName, kind: 'aa' | 'slow', run: number): string =>
  join(
    runsDir,
    `run-${String(run).padStart(2, '0')}-${backend}-${kind === 'aa' ? 'aa' : `slow${Math.round(slowdown * 1000)}`}.json`,
  );

function sessionConfig(backend: BackendName, kind: 'aa' | 'slow', run: number, reportDir: string): PerfGateConfig {
  const path = BACKENDS[backend];
  const config = structuredClone(
    loadConfig(path ? { path: resolve(packageRoot, path), packageRoot } : { packageRoot }),
  );
  // A/A on one database: both variants run the Phase 1 candidate's settings and code.
  config.database.baseline = { strategy: 'shared' };
  const { baseline, candidate } = config.backend;
  if (baseline.kind !== 'command' || candidate.kind !== 'command')
    throw new Error('the reference configs run their backends as local commands');
  const env = { ...candidate.env };
  baseline.env = { ...env };
  candidate.env = kind === 'aa' ? { ...env } : { ...env, SLOWDOWN: String(slowdown) };
  config.load.seed += run;
  config.report.dir = reportDir;
  return config;
}

const compact = (r: RoundRecord): StoredRound => ({
  index: r.index,
  pair: r.pair,
  variant: r.variant,
  startedAt: r.startedAt,
  durationMs: r.durationMs,
  valid: r.valid,
  invalidReasons: r.invalidReasons,
  flags: r.flags,
  values: r.values,
  client: {
    requests: r.client.requests,
    achievedRate: r.client.achievedRate,
    ...(r.client.lateSends === undefined ? {} : { lateSends: r.client.lateSends }),
    ...(r.client.generator === undefined ? {} : { generator: r.client.generator }),
  },
});

/** Migrate and boot once, run the blocks in the run's rotated order, clean up always. */
async function runSession(backend: BackendName, kind: 'aa' | 'slow', run: number): Promise<SessionFile> {
  const reportDir = join(tmpdir(), 'perf-gate-design-compare', `${backend}-${kind}-${run}`);
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir, { recursive: true });
  const config = sessionConfig(backend, kind, run, reportDir);
  const log = new MemoryLogger();
  const { commit, ...machine } = measuredBy;
  const session: SessionFile = {
    backend,
    kind,
    slowdown: kind === 'aa' ? 0 : slowdown,
    run,
    seed: config.load.seed,
    rate: config.load.rate,
    blocks: [],
    startedAt: new Date().toISOString(),
    loadAverage: { before: loadAverage(), after: [] },
    uptime: { before: uptime(), after: '' },
    commit,
    machine,
  };
  const state = newRunState({ configPath: BACKENDS[backend] ?? null, overrides: {}, reportDir });
  const ctx = createContext({
    config,
    log,
    state,
    statePath: join(reportDir, 'state.json'),
    packageRoot,
    env: process.env,
  });
  try {
    await runStage(ctx, 'migrate');
    await runStage(ctx, 'boot');
    const running = ctx.state.backend!.running as Record<Variant, RunningBackend>;
    const workload = await loadWorkload(config);
    const serverMetrics = serverMetricsFor(config, running, log);
    const plans = kind === 'aa' ? aaBlocks : slowBlocks;
    // Rotate the order per run, so no design always runs first (coldest) or last.
    const order = plans.map((_, i) => plans[(i + run) % plans.length]!);
    for (const [i, plan] of order.entries()) {
      const started = performance.now();
      const blockConfig = structuredClone(config);
      blockConfig.load.roundDurationMs = plan.roundMs;
      const block: StoredBlock = { ...plan, wallMs: 0, rounds: [] };
      try {
        const result = await runBenchmark({
          targets: {
            baseline: { baseUrl: running.baseline.baseUrl },
            candidate: { baseUrl: running.candidate.baseUrl },
          },
          workload,
          // Each block opens its own connections: a short warm-up opens them, the first a longer one.
          load: loadSettingsFor(blockConfig, {
            pairs: plan.pairs,
            warmupMs: i === 0 ? config.load.warmupMs : 1000,
            seed: config.load.seed,
            design: plan.design,
          }),
          serverMetrics,
          log,
          signal: ctx.signal,
        });
        block.rounds = result.rounds.map(compact);
      } catch (error) {
        block.error = errorMessage(error);
      }
      block.wallMs = Math.round(performance.now() - started);
      session.blocks.push(block);
      out(
        `  ${backend} ${kind} #${run}: ${plan.label} ${(block.wallMs / 1000).toFixed(0)} s${block.error ? ` error: ${block.error}` : ''}`,
      );
    }
  } catch (error) {
    session.error = errorMessage(error);
  } finally {
    try {
      await cleanupAndCheck(ctx);
    } catch (error) {
      session.error = [session.error, `cleanup: ${errorMessage(error)}`].filter(Boolean).join('; ');
    }
  }
  session.loadAverage.after = loadAverage();
  session.uptime.after = uptime();
  return session;
}

// ---- evaluation (pure over the stored files) ----

interface BlockStats {
  n: number;
  mean: number;
  sd: number;
  halfWidth: number;
}

function blockStats(rounds: readonly StoredRound[], metric: string): BlockStats | null {
  const ratios = pairedLogRatios(pairRounds(rounds as RoundRecord[], metric, true));
  if (ratios.length < 3) return null;
  const hl = hodgesLehmann(ratios, LEVEL);
  return {
    n: ratios.length,
    mean: mean(ratios),
    sd: standardDeviation(ratios) * Math.sqrt(ratios.length / (ratios.length - 1)),
    halfWidth: (hl.interval[1] - hl.interval[0]) / 2,
  };
}

/** Mean log ratio of the duet pairs whose baseline (or candidate) round started first. */
function startOrderSplit(
  rounds: readonly StoredRound[],
  metric: string,
  ignoreValidity = false,
): { baselineFirst: number[]; candidateFirst: number[] } {
  const byPair = new Map<number, StoredRound[]>();
  for (const r of rounds) byPair.set(r.pair, [...(byPair.get(r.pair) ?? []), r]);
  const split = { baselineFirst: [] as number[], candidateFirst: [] as number[] };
  for (const group of byPair.values()) {
    const base = group.find((r) => r.variant === 'baseline');
    const cand = group.find((r) => r.variant === 'candidate');
    const b = base?.values[metric];
    const c = cand?.values[metric];
    if (!base || !cand || (!ignoreValidity && (!base.valid || !cand.valid)) || !b || !c || b <= 0 || c <= 0) continue;
    (base.index < cand.index ? split.baselineFirst : split.candidateFirst).push(Math.log(c / b));
  }
  return split;
}

const pooledSd = (blocks: readonly BlockStats[]): number =>
  Math.sqrt(blocks.reduce((s, b) => s + b.sd ** 2 * (b.n - 1), 0) / blocks.reduce((s, b) => s + b.n - 1, 0));
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (x: number, digits = 1): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(digits)} %`;

function summarize(files: readonly SessionFile[]): unknown {
  const rows: Record<string, unknown>[] = [];
  const groups = new Map<string, { file: SessionFile; block: StoredBlock }[]>();
  for (const file of files)
    for (const block of file.blocks) {
      const key = `${file.backend}|${file.kind}|${block.label}`;
      groups.set(key, [...(groups.get(key) ?? []), { file, block }]);
    }
  out();
  out(
    `| backend | kind | design | blocks | pairs | wall | metric | sd of log ratio | mean (bias) | ± sd of block means | 98 % half-width (median) | invalid rounds | saturated rounds (generator CPU, event-loop delay p99: medians) | every round counted: pairs, sd, mean, half-width |`,
  );
  out(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const [key, entries] of [...groups.entries()].sort()) {
    const [backend, kind, label] = key.split('|');
    const allRounds = entries.flatMap((e) => e.block.rounds);
    const invalid = allRounds.filter((r) => !r.valid).length;
    const saturated = allRounds.filter((r) => r.flags.includes('generator-saturated')).length;
    const cpu = allRounds.map((r) => r.client.generator?.cpuShare).filter((x): x is number => x !== undefined);
    const loopDelay = allRounds
      .map((r) => r.client.generator?.eventLoopDelayP99Ms)
      .filter((x): x is number => x !== undefined);
    const generator = {
      medianCpuShare: cpu.length ? median(cpu) : null,
      medianEventLoopDelayP99Ms: loopDelay.length ? median(loopDelay) : null,
    };
    const wall = median(entries.map((e) => e.block.wallMs)) / 1000;
    for (const metric of METRICS) {
      const stats = entries.map((e) => blockStats(e.block.rounds, metric)).filter((s): s is BlockStats => s !== null);
      // The same pairs with the generator's verdict ignored: what the spread would be if every round counted.
      const ignoringValidity = entries
        .map((e) =>
          blockStats(
            e.block.rounds.map((r) => ({ ...r, valid: true })),
            metric,
          ),
        )
        .filter((s): s is BlockStats => s !== null);
      if (stats.length === 0 && ignoringValidity.length === 0) continue;
      const all = stats.reduce((s, b) => s + b.mean * b.n, 0) / stats.reduce((s, b) => s + b.n, 0);
      const spreadOfMeans =
        stats.length > 1
          ? standardDeviation(stats.map((s) => s.mean)) * Math.sqrt(stats.length / (stats.length - 1))
          : Number.NaN;
      const row: Record<string, unknown> = {
        backend,
        kind,
        design: label,
        metric,
        blocks: stats.length,
        pairs: stats.reduce((s, b) => s + b.n, 0),
        medianWallS: wall,
        pooledSdLogRatio: pooledSd(stats),
        meanLogRatio: all,
        sdOfBlockMeans: spreadOfMeans,
        medianHalfWidth: median(stats.map((s) => s.halfWidth)),
        allRounds:
          ignoringValidity.length === 0
            ? null
            : {
                pairs: ignoringValidity.reduce((s, b) => s + b.n, 0),
                pooledSdLogRatio: pooledSd(ignoringValidity),
                meanLogRatio:
                  ignoringValidity.reduce((s, b) => s + b.mean * b.n, 0) /
                  ignoringValidity.reduce((s, b) => s + b.n, 0),
                medianHalfWidth: median(ignoringValidity.map((s) => s.halfWidth)),
              },
        blockStats: stats,
        invalidRounds: invalid,
        saturatedRounds: saturated,
        generator,
        rounds: allRounds.length,
      };
      if (label!.startsWith('duet')) {
        const splits = entries.map((e) => startOrderSplit(e.block.rounds, metric));
        const bf = splits.flatMap((s) => s.baselineFirst);
        const cf = splits.flatMap((s) => s.candidateFirst);
        row.startOrder = {
          baselineFirst: { pairs: bf.length, meanLogRatio: bf.length ? mean(bf) : null },
          candidateFirst: { pairs: cf.length, meanLogRatio: cf.length ? mean(cf) : null },
        };
        const every = entries.map((e) => startOrderSplit(e.block.rounds, metric, true));
        const ebf = every.flatMap((s) => s.baselineFirst);
        const ecf = every.flatMap((s) => s.candidateFirst);
        row.startOrderEveryRound = {
          baselineFirst: { pairs: ebf.length, meanLogRatio: ebf.length ? mean(ebf) : null },
          candidateFirst: { pairs: ecf.length, meanLogRatio: ecf.length ? mean(ecf) : null },
        };
      }
      rows.push(row);
      const every = row.allRounds as {
        pairs: number;
        pooledSdLogRatio: number;
        meanLogRatio: number;
        medianHalfWidth: number;
      } | null;
      const everyRound = every
        ? `${every.pairs}, ${(every.pooledSdLogRatio * 100).toFixed(1)} %, ${pct(every.meanLogRatio)}, ±${(every.medianHalfWidth * 100).toFixed(1)} %`
        : '–';
      out(
        `| ${backend} | ${kind} | ${label} | ${stats.length} | ${row.pairs} | ${wall.toFixed(0)} s | ${metric} | ${(pooledSd(stats) * 100).toFixed(1)} % | ${pct(all)} | ${Number.isNaN(spreadOfMeans) ? '–' : `${(spreadOfMeans * 100).toFixed(1)} %`} | ±${(median(stats.map((s) => s.halfWidth)) * 100).toFixed(1)} % | ${invalid}/${allRounds.length} | ${saturated}/${allRounds.length} (CPU ${((generator.medianCpuShare ?? Number.NaN) * 100).toFixed(0)} %, loop p99 ${(generator.medianEventLoopDelayP99Ms ?? Number.NaN).toFixed(0)} ms) | ${everyRound} |`,
      );
    }
  }
  out();
  out(
    'Start order in duets: mean log ratio (candidate/baseline) of the pairs whose baseline started first, and of those whose candidate started first:',
  );
  for (const row of rows.filter((r) => r.startOrder)) {
    const s = row.startOrder as {
      baselineFirst: { pairs: number; meanLogRatio: number | null };
      candidateFirst: { pairs: number; meanLogRatio: number | null };
    };
    const f = (x: number | null) => (x === null ? '–' : pct(x));
    const e = row.startOrderEveryRound as typeof s;
    out(
      `- ${row.backend} ${row.kind} ${row.design} ${row.metric}: baseline first ${f(s.baselineFirst.meanLogRatio)} (${s.baselineFirst.pairs} pairs), candidate first ${f(s.candidateFirst.meanLogRatio)} (${s.candidateFirst.pairs} pairs); every round counted: ${f(e.baselineFirst.meanLogRatio)} (${e.baselineFirst.pairs}), ${f(e.candidateFirst.meanLogRatio)} (${e.candidateFirst.pairs})`,
    );
  }
  const loads = files.map((f) => f.loadAverage);
  return {
    settings: { runs, pairs, roundMs, slowdown, level: LEVEL, backends },
    commits: [...new Set(files.map((f) => f.commit))],
    sessions: files.length,
    loadAverage1m: {
      before: [Math.min(...loads.map((l) => l.before[0]!)), Math.max(...loads.map((l) => l.before[0]!))],
      after: [Math.min(...loads.map((l) => l.after[0]!)), Math.max(...loads.map((l) => l.after[0]!))],
    },
    rows,
  };
}

function readStored(): SessionFile[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as SessionFile);
}

mkdirSync(runsDir, { recursive: true });
out(
  `# round designs side by side: ${backends.join(', ')}; ${runs} runs; round ${roundMs} ms, ${pairs} pairs; out ${outDir}`,
);
out(`measured by: commit ${measuredBy.commit}, ${measuredBy.cpus} × ${measuredBy.cpuModel}, Node ${measuredBy.node}`);
out(`at start: ${uptime()}`);
const started = performance.now();
if (args.get('evaluate-only') !== 'true') {
  for (let run = 1; run <= runs; run++) {
    for (const backend of backends) {
      for (const kind of ['aa', 'slow'] as const) {
        if (kind === 'slow' && !slowBackends.has(backend)) continue;
        if (Date.now() > stopAt) break;
        const file = fileFor(backend, kind, run);
        if (existsSync(file)) {
          out(`${backend} ${kind} #${run}: stored already, skipped`);
          continue;
        }
        const session = await runSession(backend, kind, run);
        writeFileSync(file, `${JSON.stringify(session)}\n`);
        const elapsed = ((performance.now() - started) / 60_000).toFixed(1);
        out(
          `${backend} ${kind} #${run}: stored ${file}; ${session.uptime.after}; ${elapsed} min${session.error ? `; error: ${session.error}` : ''}`,
        );
      }
    }
  }
}
const summary = summarize(readStored());
writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 1)}\n`);
out(`at end: ${uptime()}`);
