/**
 * Simulated calibration of perf-gate's decision rule against the alternatives, on the same noise
 * models. Run: npx tsx bench/calibrate-simulated.ts [--runs=10000] [--seed=1] [--round-sigma=0.04]
 *   [--window-sigma=0]
 *   [--drift-step-sigma=0.01] [--trend-per-round=0.001] [--burst-probability=0.03]
 *   [--burst-min=1.1] [--burst-max=1.8] [--run-sigma=0.1] [--max-pairs=30] [--min-pairs=10]
 *   [--block-pairs=5] [--alpha=0.02] [--tolerance=0] [--coverage-runs=2000] [--json=path]
 *   [--sections=coverage,gates,scenarios,alternatives]
 * Prints markdown tables; docs/statistics.md records a run of it. --json writes the raw figures with the
 * commit, CPUs and Node version that produced them (keep such files under bench/results/).
 */
import { writeFileSync } from 'node:fs';
import type { IntervalMethod } from '../src/stats/location-analysis.js';
import type { SpendingFunction } from '../src/stats/sequential.js';
import {
  DEFAULT_NOISE,
  type GateConfig,
  type NoiseModel,
  simulateAlternatives,
  simulateCoverage,
  simulateGateRun,
} from './calibration/simulate.js';
import { provenance } from './provenance.js';

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unrecognised argument ${JSON.stringify(arg)}; expected --name=value`);
    args.set(match[1]!, match[2]!);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const num = (name: string, fallback: number): number => {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name}: got ${JSON.stringify(raw)}; expected a number`);
  return value;
};

const model: NoiseModel = {
  roundSigma: num('round-sigma', DEFAULT_NOISE.roundSigma),
  windowSigma: num('window-sigma', DEFAULT_NOISE.windowSigma),
  driftStepSigma: num('drift-step-sigma', DEFAULT_NOISE.driftStepSigma),
  trendPerRound: num('trend-per-round', DEFAULT_NOISE.trendPerRound),
  burstProbability: num('burst-probability', DEFAULT_NOISE.burstProbability),
  burstFactor: [num('burst-min', DEFAULT_NOISE.burstFactor[0]), num('burst-max', DEFAULT_NOISE.burstFactor[1])],
  runSigma: num('run-sigma', DEFAULT_NOISE.runSigma),
};
const runs = num('runs', 10_000);
const coverageRuns = num('coverage-runs', 2000);
const seed = num('seed', 1);
const alpha = num('alpha', 0.02);
const tolerance = num('tolerance', 0);
const maxPairs = num('max-pairs', 30);
const minPairs = num('min-pairs', 10);
const blockPairs = num('block-pairs', 5);
const ratios = [1, 1.05, 1.1];
const sections = new Set((args.get('sections') ?? 'coverage,gates,scenarios,alternatives').split(','));
const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
const started = performance.now();
const measuredBy = provenance();
const report: Record<string, unknown> = {
  measuredBy,
  model,
  runs,
  seed,
  alpha,
  tolerance,
  maxPairs,
  minPairs,
  blockPairs,
};

out(`# perf-gate simulated calibration`);
out(`noise model: ${JSON.stringify(model)}`);
out(
  `measured by: commit ${measuredBy.commit}, ${measuredBy.cpus} × ${measuredBy.cpuModel}, Node ${measuredBy.node}, ${measuredBy.os}`,
);
out(
  `gate: "latency_p95 worsens <= ${tolerance * 100}%", alpha ${alpha} (false alarm <= ${alpha / 2}), ${minPairs}..${maxPairs} pairs in blocks of ${blockPairs}; ${runs} simulated gate runs per cell; seed ${seed}`,
);
out();

// 1. Coverage of the interval methods (what chooses the default method).
if (sections.has('coverage')) {
  out(
    `## Coverage of the true ratio by a ${(1 - alpha) * 100} % interval, fixed n (${coverageRuns} runs per cell; bootstrap ${Math.min(coverageRuns, 1000)})`,
  );
  out(`| method | pairs | coverage | mean width |`);
  out(`|---|---|---|---|`);
  const coverage: unknown[] = [];
  for (const method of ['t', 'hodges-lehmann', 'bootstrap'] as IntervalMethod[]) {
    for (const pairs of [10, 20, 30]) {
      const n = method === 'bootstrap' ? Math.min(coverageRuns, 1000) : coverageRuns;
      let covered = 0;
      let width = 0;
      for (let i = 0; i < n; i++) {
        const r = simulateCoverage(model, {
          pairs,
          level: 1 - alpha,
          trueRatio: 1.05,
          seed: seed * 1_000_003 + i,
          method,
        });
        if (r.covered) covered++;
        width += r.width;
      }
      coverage.push({ method, pairs, coverage: covered / n, width: width / n });
      out(`| ${method} | ${pairs} | ${pct(covered / n)} | ${pct(width / n)} |`);
    }
  }
  report.coverage = coverage;
  out();
}

// 2. perf-gate's gate, per method and stopping rule.
if (sections.has('gates')) {
  out(`## perf-gate gate outcomes ("worsens <= ${tolerance * 100}%": fail = alarm)`);
  out(`| method | looks | true change | fail (alarm) | pass | inconclusive | mean pairs |`);
  out(`|---|---|---|---|---|---|---|`);
  const gates: unknown[] = [];
  const target = {
    kind: 'regression' as const,
    expression: `latency_p95 worsens <= ${tolerance * 100}%`,
    metric: 'latency_p95',
    maxRegression: tolerance,
  };
  for (const method of ['t', 'hodges-lehmann'] as IntervalMethod[]) {
    for (const spending of ['fixed', 'obrien-fleming', 'pocock'] as (SpendingFunction | 'fixed')[]) {
      const gate: GateConfig = { target, method, alpha, minPairs, blockPairs, maxPairs, spending };
      for (const ratio of ratios) {
        const counts = { pass: 0, fail: 0, inconclusive: 0, 'no-data': 0 };
        let pairs = 0;
        for (let i = 0; i < runs; i++) {
          const outcome = simulateGateRun(model, gate, ratio, seed * 7_919 + i);
          counts[outcome.status]++;
          pairs += outcome.pairsUsed;
        }
        const row = {
          method,
          spending,
          ratio,
          fail: counts.fail / runs,
          pass: counts.pass / runs,
          inconclusive: (counts.inconclusive + counts['no-data']) / runs,
          meanPairs: pairs / runs,
        };
        gates.push(row);
        const looks = spending === 'fixed' ? `1 (${maxPairs} pairs)` : spending;
        out(
          `| ${method} | ${looks} | ${ratio === 1 ? 'A/A' : `+${Math.round((ratio - 1) * 100)} %`} | ${pct(row.fail)} | ${pct(row.pass)} | ${pct(row.inconclusive)} | ${row.meanPairs.toFixed(1)} |`,
        );
      }
    }
  }
  report.gates = gates;
  out();
}

// 3. The default gate (Hodges–Lehmann, O'Brien–Fleming looks) on targets with a tolerance, three outcomes.
if (sections.has('scenarios')) {
  out(`## Default gate (hodges-lehmann, obrien-fleming looks) on targets with a margin`);
  out(`| target | true change | pass | fail | inconclusive | mean pairs |`);
  out(`|---|---|---|---|---|---|`);
  const scenarios: unknown[] = [];
  const margins = [
    {
      target: {
        kind: 'regression' as const,
        expression: 'latency_p95 worsens <= 5%',
        metric: 'latency_p95',
        maxRegression: 0.05,
      },
      ratios: [1, 1.05, 1.1, 1.15],
    },
    {
      target: {
        kind: 'improvement' as const,
        expression: 'latency_p95 improves >= 20%',
        metric: 'latency_p95',
        minImprovement: 0.2,
      },
      ratios: [0.7, 0.75, 0.8, 0.9],
    },
  ];
  for (const { target: scenarioTarget, ratios: truths } of margins) {
    const gate: GateConfig = {
      target: scenarioTarget,
      method: 'hodges-lehmann',
      alpha,
      minPairs,
      blockPairs,
      maxPairs,
      spending: 'obrien-fleming',
    };
    for (const ratio of truths) {
      const counts = { pass: 0, fail: 0, inconclusive: 0, 'no-data': 0 };
      let pairs = 0;
      for (let i = 0; i < runs; i++) {
        const outcome = simulateGateRun(model, gate, ratio, seed * 15_485_863 + i);
        counts[outcome.status]++;
        pairs += outcome.pairsUsed;
      }
      const row = {
        target: scenarioTarget.expression,
        ratio,
        pass: counts.pass / runs,
        fail: counts.fail / runs,
        inconclusive: (counts.inconclusive + counts['no-data']) / runs,
        meanPairs: pairs / runs,
      };
      scenarios.push(row);
      const change = `${ratio >= 1 ? '+' : ''}${Math.round((ratio - 1) * 100)} %`;
      out(
        `| ${scenarioTarget.expression} | ${change} | ${pct(row.pass)} | ${pct(row.fail)} | ${pct(row.inconclusive)} | ${row.meanPairs.toFixed(1)} |`,
      );
    }
  }
  report.scenarios = scenarios;
  out();
}

// 4. The alternatives on the same noise model, with the full budget of rounds.
if (sections.has('alternatives')) {
  out(`## Alternatives, alarm rates (${maxPairs} rounds per variant)`);
  out(`| rule | A/A (false alarm) | +5 % | +10 % |`);
  out(`|---|---|---|---|`);
  const names = {
    ratioRule200: 'github-action-benchmark ratio > 200 % (vs previous run)',
    ratioRule110: 'github-action-benchmark ratio > 110 % (vs previous run)',
    benchstatMannWhitney: 'benchstat-style Mann–Whitney p < 0.05, interleaved rounds',
    benchstatBeforeAfter: 'benchstat-style Mann–Whitney p < 0.05, before/after rounds',
    naiveBeforeAfter: `naive before/after, Welch t one-sided ${alpha / 2}`,
  } as const;
  const alarms: Record<string, number[]> = {
    ratioRule200: [],
    ratioRule110: [],
    benchstatMannWhitney: [],
    benchstatBeforeAfter: [],
    naiveBeforeAfter: [],
  };
  for (const ratio of ratios) {
    const counts: Record<string, number> = {
      ratioRule200: 0,
      ratioRule110: 0,
      benchstatMannWhitney: 0,
      benchstatBeforeAfter: 0,
      naiveBeforeAfter: 0,
    };
    for (let i = 0; i < runs; i++) {
      const a = simulateAlternatives(model, { pairs: maxPairs, trueRatio: ratio, alpha, seed: seed * 104_729 + i });
      for (const key of Object.keys(counts)) if (a[key as keyof typeof a]) counts[key]!++;
    }
    for (const key of Object.keys(counts)) alarms[key]!.push(counts[key]! / runs);
  }
  for (const [key, label] of Object.entries(names)) out(`| ${label} | ${alarms[key]!.map(pct).join(' | ')} |`);
  report.alternatives = alarms;
  out();
}
out(`elapsed ${((performance.now() - started) / 1000).toFixed(1)} s`);

const jsonPath = args.get('json');
if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(report, null, 1)}\n`);
