/**
 * Reference values for histogramQuantile, computed by Prometheus itself.
 *
 * Prometheus has no "evaluate this expression on these buckets" command, but `promtool test rules` does
 * exactly that inside its unit-test harness: it loads `input_series` into an in-memory TSDB and evaluates
 * each `promql_expr_test` expression with the real PromQL engine. We give every expression an empty
 * expectation, so each test fails and promtool prints what the engine returned ("got: {...} <value>",
 * formatted with Go's %E at full precision). Those values are collected into the committed fixture
 * test/fixtures/metrics/promtool-histogram-quantile.json, which test/metrics/histogram-quantile.test.ts
 * compares against our implementation.
 *
 * Run: npx tsx scripts/reference/promtool-histogram-quantile.ts   (needs /usr/bin/promtool)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Count = number | 'NaN' | '+Inf' | '-Inf';
interface BucketCase {
  id: string;
  description: string;
  /** `le` label values exactly as exposed, with cumulative counts. */
  buckets: Array<[le: string, count: Count]>;
}

const QUANTILES = ['-0.1', '0', '0.01', '0.25', '0.5', '0.75', '0.9', '0.99', '1', '1.1', 'NaN'];

const HAND_PICKED: BucketCase[] = [
  {
    id: 'basic',
    description: 'four buckets, interpolation inside each',
    buckets: [
      ['0.1', 1],
      ['0.5', 3],
      ['1', 7],
      ['+Inf', 10],
    ],
  },
  {
    id: 'le-spelling',
    description: 'le="1" and le="1.0" are one bucket (counts summed)',
    buckets: [
      ['0.5', 2],
      ['1', 3],
      ['1.0', 3],
      ['+Inf', 8],
    ],
  },
  {
    id: 'le-inf-spelling',
    description: 'le="Inf" and le="+Inf" are one bucket',
    buckets: [
      ['0.5', 2],
      ['1', 4],
      ['Inf', 3],
      ['+Inf', 3],
    ],
  },
  {
    id: 'no-inf',
    description: 'no +Inf bucket: NaN',
    buckets: [
      ['0.1', 1],
      ['0.5', 3],
      ['1', 7],
    ],
  },
  { id: 'only-inf', description: 'a single (+Inf) bucket: fewer than 2 buckets, NaN', buckets: [['+Inf', 10]] },
  {
    id: 'zero-count',
    description: 'no observations: NaN',
    buckets: [
      ['0.1', 0],
      ['1', 0],
      ['+Inf', 0],
    ],
  },
  {
    id: 'non-monotonic',
    description: 'counts that decrease are flattened to the running maximum',
    buckets: [
      ['0.1', 5],
      ['0.2', 3],
      ['0.5', 8],
      ['1', 6],
      ['+Inf', 9],
    ],
  },
  {
    id: 'negative-lowest',
    description: 'lowest bucket bound < 0: its bound is returned',
    buckets: [
      ['-1', 2],
      ['0', 4],
      ['1', 8],
      ['+Inf', 10],
    ],
  },
  {
    id: 'zero-lowest',
    description: 'lowest bucket bound == 0: 0 is returned inside it',
    buckets: [
      ['0', 5],
      ['1', 10],
      ['+Inf', 10],
    ],
  },
  {
    id: 'zero-lowest-empty',
    description: 'lowest bound 0 with no observations in it (q=0 gives 0, not 0/0)',
    buckets: [
      ['0', 0],
      ['1', 5],
      ['+Inf', 5],
    ],
  },
  {
    id: 'in-inf-bucket',
    description: 'rank falls in the +Inf bucket: highest finite bound',
    buckets: [
      ['0.1', 1],
      ['0.2', 2],
      ['+Inf', 100],
    ],
  },
  {
    id: 'empty-first',
    description: 'empty lowest bucket (0/0 at q=0)',
    buckets: [
      ['0.1', 0],
      ['0.2', 5],
      ['+Inf', 5],
    ],
  },
  {
    id: 'two-buckets',
    description: 'exactly two buckets',
    buckets: [
      ['2.5', 4],
      ['+Inf', 4],
    ],
  },
  {
    id: 'nan-count',
    description: 'a NaN bucket count',
    buckets: [
      ['0.1', 1],
      ['0.5', 'NaN'],
      ['1', 7],
      ['+Inf', 10],
    ],
  },
  {
    id: 'inf-count',
    description: 'an infinite +Inf bucket count',
    buckets: [
      ['0.1', 1],
      ['1', 7],
      ['+Inf', '+Inf'],
    ],
  },
  {
    id: 'negative-counts',
    description: 'negative counts',
    buckets: [
      ['0.1', -3],
      ['1', 2],
      ['+Inf', 4],
    ],
  },
  {
    id: 'large-counts',
    description: 'counts near 2^53',
    buckets: [
      ['0.005', 1e15],
      ['0.01', 3e15],
      ['0.1', 8e15],
      ['+Inf', 9e15],
    ],
  },
  {
    id: 'prom-client-defaults',
    description: "prom-client's default buckets (seconds) with a realistic latency spread",
    buckets: [
      ['0.005', 12],
      ['0.01', 80],
      ['0.025', 410],
      ['0.05', 905],
      ['0.1', 1402],
      ['0.25', 1790],
      ['0.5', 1880],
      ['1', 1901],
      ['2.5', 1904],
      ['5', 1905],
      ['10', 1905],
      ['+Inf', 1906],
    ],
  },
  {
    id: 'scientific-le',
    description: 'le written in exponent notation',
    buckets: [
      ['1e-3', 3],
      ['5.0e-3', 9],
      ['1e0', 20],
      ['+Inf', 21],
    ],
  },
  {
    id: 'all-negative',
    description: 'all finite bounds negative',
    buckets: [
      ['-10', 1],
      ['-5', 4],
      ['-1', 9],
      ['+Inf', 12],
    ],
  },
];

/** mulberry32: a tiny seeded PRNG, so the random cases are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCases(count: number, seed: number): BucketCase[] {
  const random = seededRandom(seed);
  const cases: BucketCase[] = [];
  for (let c = 0; c < count; c++) {
    const n = 1 + Math.floor(random() * 8);
    let bound = random() < 0.2 ? -random() * 2 : random() * 0.01;
    let cumulative = 0;
    const buckets: Array<[string, Count]> = [];
    for (let i = 0; i < n; i++) {
      bound += random() * (random() < 0.5 ? 0.05 : 1.5);
      // Mostly monotonic counts; one in six buckets steps down to exercise the monotonic fix.
      cumulative =
        random() < 1 / 6 ? Math.max(0, cumulative - Math.floor(random() * 5)) : cumulative + Math.floor(random() * 40);
      buckets.push([String(Number(bound.toPrecision(6))), cumulative]);
    }
    buckets.push(['+Inf', cumulative + Math.floor(random() * 10)]);
    cases.push({ id: `random-${c}`, description: `seeded random layout #${c}`, buckets });
  }
  return cases;
}

function countText(count: Count): string {
  if (typeof count === 'string') return count === '+Inf' ? 'Inf' : count;
  return String(count);
}

function buildRuleTest(cases: BucketCase[]): {
  yaml: string;
  expressions: Array<{ caseId: string; q: string; expr: string }>;
} {
  const series: string[] = [];
  const expressions: Array<{ caseId: string; q: string; expr: string }> = [];
  for (const bucketCase of cases) {
    for (const [le, count] of bucketCase.buckets) {
      series.push(
        `      - series: 'h_bucket{case="${bucketCase.id}",le="${le}"}'\n        values: '${countText(count)}'`,
      );
    }
    for (const q of QUANTILES) {
      expressions.push({
        caseId: bucketCase.id,
        q,
        expr: `histogram_quantile(${q}, h_bucket{case="${bucketCase.id}"})`,
      });
    }
  }
  const tests = expressions.map((e) => `      - expr: '${e.expr}'\n        eval_time: 0\n        exp_samples: []`);
  const yaml = [
    'rule_files: []',
    'evaluation_interval: 1m',
    'tests:',
    '  - interval: 1m',
    '    input_series:',
    ...series,
    '    promql_expr_test:',
    ...tests,
    '',
  ].join('\n');
  return { yaml, expressions };
}

/** Reads promtool's failure report: `expr: "<go-quoted>", time: 0s,` then `exp: ...` then `got: {labels} value`. */
function parsePromtoolOutput(output: string): Map<string, string | null> {
  const results = new Map<string, string | null>();
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const exprMatch = /^\s*expr: (".*"), time: /.exec(lines[i]!);
    if (!exprMatch) continue;
    const expr = JSON.parse(exprMatch[1]!) as string;
    const gotLine = lines.slice(i + 1, i + 4).find((l) => /^\s*got: /.test(l));
    if (gotLine === undefined) throw new Error(`no "got:" line after expr ${expr}`);
    const got = gotLine.replace(/^\s*got: /, '').trim();
    if (got === 'nil') {
      results.set(expr, null);
      continue;
    }
    const valueMatch = /^\{[^}]*\} (\S+)$/.exec(got);
    if (!valueMatch) throw new Error(`cannot read promtool's result ${JSON.stringify(got)} for ${expr}`);
    results.set(expr, valueMatch[1]!);
  }
  return results;
}

function main(): void {
  const cases = [...HAND_PICKED, ...randomCases(40, 20261123)];
  const { yaml, expressions } = buildRuleTest(cases);
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-promtool-'));
  try {
    const file = join(dir, 'histogram-quantile.test.yml');
    writeFileSync(file, yaml);
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error) throw run.error;
    const versionRun = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    const version = (versionRun.stdout || versionRun.stderr).split('\n')[0]!.trim();
    const results = parsePromtoolOutput(`${run.stdout}\n${run.stderr}`);
    const fixtureCases = cases.map((bucketCase) => ({
      ...bucketCase,
      expected: expressions
        .filter((e) => e.caseId === bucketCase.id)
        .map((e) => {
          if (!results.has(e.expr)) throw new Error(`promtool reported nothing for ${e.expr}`);
          return { q: e.q, value: results.get(e.expr) ?? null };
        }),
    }));
    const fixture = {
      generatedBy: 'scripts/reference/promtool-histogram-quantile.ts',
      prometheus: version,
      note: 'Values are as printed by promtool (Go %E formatting); null means the engine returned no sample.',
      cases: fixtureCases,
    };
    const here = dirname(fileURLToPath(import.meta.url));
    const out = join(here, '..', '..', 'test', 'fixtures', 'metrics', 'promtool-histogram-quantile.json');
    // One case per line: readable in a diff, and small.
    const header = JSON.stringify({ ...fixture, cases: [] }).replace(/"cases":\[\]\}$/, '"cases": [\n');
    const body = fixture.cases.map((c) => `  ${JSON.stringify(c)}`).join(',\n');
    writeFileSync(out, `${header}${body}\n]}\n`);
    process.stdout.write(
      `wrote ${fixtureCases.length} cases, ${expressions.length} quantiles (${version}) to ${out}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
