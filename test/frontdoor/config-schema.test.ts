/**
 * schema/perf-gate.schema.json against the loader (src/config/load.ts): an editor that uses the schema
 * must flag what perf-gate would refuse, and must not flag what perf-gate runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.js';
import { loaderVerdict, REPO_ROOT, SCHEMA, schemaAccepts, schemaErrors, withValue } from '../helpers/config-schema.js';

const EXAMPLES_DIR = `${REPO_ROOT}examples/workflows/`;
const EXAMPLE_ENV = { BASELINE_URL: 'https://my-rag-api-baseline.fly.dev', LIVE_URL: 'https://my-rag-api.fly.dev' };
const exampleConfigs = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.perf-gate.yml'));

const DEFAULT_DOC = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, unknown>;

/** Exercises every section: a request list, a separate-url baseline, a command migration, every backend key. */
const FULL_DOC: Record<string, unknown> = {
  database: {
    url: 'postgres://u:p@localhost:5432/preview',
    migrations: { command: ['alembic', 'upgrade', 'head'] },
    baseline: { strategy: 'separate-url', url: 'postgres://u:p@localhost:5432/baseline' },
    productionPattern: 'prod',
    allowProduction: false,
  },
  backend: {
    kind: 'image',
    image: 'api:candidate',
    cwd: '.',
    env: { A: '1' },
    envFile: '.env',
    port: 8000,
    portEnv: 'PORT',
    databaseUrlEnv: 'DATABASE_URL',
    network: 'host',
    dockerArgs: ['--init'],
    cpus: '1',
    memory: '1g',
    healthPath: '/healthz',
    metricsPath: '/metrics',
    healthTimeout: '90s',
    baseline: { image: 'api:baseline', env: { B: '2' } },
    candidate: { command: ['uvicorn', 'app:app'], kind: 'command', port: 8001 },
  },
  load: {
    mode: 'closed',
    rate: 10,
    connections: 8,
    roundDuration: '2s',
    warmup: 1,
    pairs: 4,
    maxPairs: 8,
    design: 'abba',
    seed: 7,
    timeout: '500ms',
    rateTolerance: 0.1,
    workload: {
      requests: [
        {
          method: 'post',
          path: '/search',
          headers: { 'content-type': 'application/json' },
          body: { q: 'x' },
          weight: 2,
        },
      ],
      order: 'sequential',
    },
  },
  metrics: [
    {
      name: 'p_time',
      description: 'd',
      kind: 'histogram_quantile',
      quantile: 0.5,
      metric: 'x_seconds',
      labels: { step: 'total' },
      unit: 'ms',
      direction: 'lower-is-better',
    },
    {
      name: 'ratio',
      kind: 'counter_ratio',
      metric: 'a_total',
      denominator: { metric: 'b_total', labels: { code: '200' } },
      unit: 'ratio',
      direction: 'higher-is-better',
    },
    { name: 'conns', kind: 'gauge', metric: 'pool_size', unit: 'count' },
  ],
  targets: ['p_time improves >= 10%', 'ratio >= 30%', 'latency_p95 worsens <= 5%', 'throughput >= 5 req/s'],
  gate: { confidence: 0.95, minPairs: 3, failOnInconclusive: true },
  report: { dir: 'out', title: 't' },
};

function describeErrors(document: unknown): string {
  return schemaErrors(document)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
    .join('; ');
}

describe('the schema accepts what perf-gate runs', () => {
  it('the embedded default', () => {
    expect(loaderVerdict(DEFAULT_DOC)).toEqual({ ok: true });
    expect(describeErrors(DEFAULT_DOC)).toBe('');
  });

  it('a config using every key of every section', () => {
    expect(loaderVerdict(FULL_DOC)).toEqual({ ok: true });
    expect(describeErrors(FULL_DOC)).toBe('');
  });

  it.each(exampleConfigs)('example config %s (loader and schema both accept it)', (file) => {
    const text = readFileSync(EXAMPLES_DIR + file, 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=')).toBe(true);
    const doc = parseYaml(text) as unknown;
    expect(loaderVerdict(doc, EXAMPLE_ENV)).toEqual({ ok: true });
    expect(describeErrors(doc)).toBe('');
  });

  it('finds the example configs (the list above is not empty by accident)', () => {
    expect(exampleConfigs.length).toBeGreaterThanOrEqual(3);
  });

  // Spellings the loader reads although they are not the canonical type; an editor must not flag them.
  const lenient: [string, (string | number)[], unknown][] = [
    ['a quoted number', ['load', 'rate'], '40'],
    ['a number read from the environment', ['load', 'rate'], '${RATE}'],
    ['a boolean written as text', ['gate', 'failOnInconclusive'], 'true'],
    ['a bare number of seconds as duration', ['load', 'roundDuration'], 4],
    ['a migration version as a number', ['database', 'migrations', 'to'], 22],
    ['an env value that is a number', ['backend', 'baseline', 'env', 'DB_POOL_SIZE'], 10],
    ['a lowercase method', ['load', 'workload'], { requests: [{ method: 'post', path: '/search', body: 'text' }] }],
    ['an empty value (YAML "key:" with nothing after it)', ['load', 'mode'], null],
    ['an empty gate section', ['gate'], null],
    ['a counter named without _total', ['metrics', 2, 'metric'], 'rag_early_exit'],
    ['a target with extra spaces', ['targets', 0], '  pipeline_time   improves   by at least 20 %'],
    ['a url read from the environment', ['backend', 'url'], '${BACKEND_URL}'],
  ];
  it.each(lenient)('%s', (_, path, value) => {
    const doc = withValue(DEFAULT_DOC, path, value);
    const env = { RATE: '40', BACKEND_URL: 'http://127.0.0.1:9' };
    expect(loaderVerdict(doc, env)).toEqual({ ok: true });
    expect(describeErrors(doc)).toBe('');
  });
});

describe('the schema rejects what the loader rejects for type, enum or shape reasons', () => {
  const rejected: [string, (string | number)[], unknown][] = [
    ['a quantile on a kind without one', ['metrics', 0, 'quantile'], 0.95],
    ['an unknown top-level key (a typo of targets)', ['target'], ['x']],
    ['an unknown key in load', ['load', 'roundDuraton'], '5s'],
    ['an unknown key in a backend variant', ['backend', 'candidate', 'imagee'], 'x'],
    ['a mode outside the list', ['load', 'mode'], 'burst'],
    ['a design outside the list', ['load', 'design'], 'random'],
    ['text where a number is expected', ['load', 'rate'], 'fast'],
    ['a rate below the minimum', ['load', 'rate'], 0],
    ['a fraction where a whole number is expected', ['load', 'pairs'], 2.5],
    ['pairs above 1000', ['load', 'pairs'], 1001],
    ['a round shorter than 500 ms (in seconds)', ['load', 'roundDuration'], 0.2],
    ['a duration with an unknown unit', ['load', 'warmup'], '5 minutes'],
    ['a zero timeout', ['load', 'timeout'], 0],
    ['a boolean written as yes', ['gate', 'failOnInconclusive'], 'yes'],
    ['a confidence of 1', ['gate', 'confidence'], 1],
    ['a baseline strategy outside the list', ['database', 'baseline', 'strategy'], 'copy'],
    ['a migration version that is not a number', ['database', 'migrations', 'to'], 'v22'],
    ['both migrations dir and command', ['database', 'migrations', 'command'], ['alembic', 'upgrade', 'head']],
    ['template-copy without a migrations dir', ['database', 'migrations'], { command: ['migrate'] }],
    ['separate-url without a url', ['database', 'baseline'], { strategy: 'separate-url' }],
    ["'before' with the shared strategy", ['database', 'baseline'], { strategy: 'shared', before: '022' }],
    ['a backend kind outside the list', ['backend', 'kind'], 'lambda'],
    ['a network outside the list', ['backend', 'network'], 'none'],
    ['a command that is not a list', ['backend', 'command'], 'node server.mjs'],
    ['a port out of range', ['backend', 'port'], 70000],
    ['a url that is not http (kind url)', ['backend'], { kind: 'url', url: 'ftp://x' }],
    ['a health path without a leading /', ['backend', 'healthPath'], 'health'],
    ['env that is a list', ['backend', 'env'], ['A=1']],
    ['an env value that is a mapping', ['backend', 'baseline', 'env', 'X'], { a: 1 }],
    ['a missing workload', ['load', 'workload'], undefined],
    ['a workload with both file and requests', ['load', 'workload', 'requests'], [{ path: '/' }]],
    ['a request path without a leading /', ['load', 'workload'], { requests: [{ path: 'search' }] }],
    ['an unknown HTTP method', ['load', 'workload'], { requests: [{ method: 'FETCH', path: '/' }] }],
    ['a negative request weight', ['load', 'workload'], { requests: [{ path: '/', weight: -1 }] }],
    ['a workload order outside the list', ['load', 'workload', 'order'], 'random'],
    ['a metric kind outside the list', ['metrics', 0, 'kind'], 'summary'],
    ['a metric unit outside the list', ['metrics', 0, 'unit'], 'seconds'],
    ['a metric direction outside the list', ['metrics', 0, 'direction'], 'up'],
    ['a metric name with capitals', ['metrics', 0, 'name'], 'PipelineTime'],
    ['a metric name taken by a client metric', ['metrics', 0, 'name'], 'latency_p95'],
    ['a Prometheus name with a dash', ['metrics', 0, 'metric'], 'rag-pipeline'],
    ['histogram_quantile without a quantile', ['metrics', 3, 'quantile'], undefined],
    ['a quantile above 1', ['metrics', 3, 'quantile'], 1.5],
    ['counter_ratio without a denominator', ['metrics', 2, 'denominator'], undefined],
    ['a denominator on a histogram', ['metrics', 0, 'denominator'], { metric: 'x_total' }],
    ['an unknown key in a metric', ['metrics', 0, 'buckets'], [1, 2]],
    ['a unit that does not fit a counter_ratio', ['metrics', 2, 'unit'], 'ms'],
    ['a unit that does not fit a histogram', ['metrics', 0, 'unit'], 'req/s'],
    ['an le matcher on a histogram', ['metrics', 3, 'labels'], { le: '0.1' }],
    ['a label name that is not a Prometheus label name', ['metrics', 0, 'labels'], { 'stage-name': 'rerank' }],
    ['a denominator that is not a Prometheus name', ['metrics', 2, 'denominator', 'metric'], 'rag searches'],
    ['a request path with a space', ['load', 'workload'], { requests: [{ path: '/search?q=a b' }] }],
    ['no targets', ['targets'], []],
    ['targets that are not a list', ['targets'], 'latency_p95 < 10ms'],
    ['a target that is not text', ['targets', 0], 20],
    ['a target in no known syntax', ['targets', 0], 'pipeline_time should be faster'],
    ['a missing backend', ['backend'], undefined],
    ['a section that is text', ['gate'], 'strict'],
  ];

  it.each(rejected)('%s', (_, path, value) => {
    const doc = withValue(DEFAULT_DOC, path, value);
    const loader = loaderVerdict(doc);
    expect(loader.ok, 'the loader should reject this; if it now accepts it, update the schema and this case').toBe(
      false,
    );
    expect(schemaAccepts(doc)).toBe(false);
  });
});

/**
 * The loader lists the keys it allows wherever it meets an unknown one ("allowed: 'a', 'b'"). Asking it at
 * every mapping and comparing with the schema's properties catches a key added to one and not the other.
 */
describe('the schema knows exactly the keys the loader knows', () => {
  const mappings: [string, (string | number)[], Record<string, unknown>][] = [
    ['top level', [], DEFAULT_DOC],
    ['database', ['database'], DEFAULT_DOC],
    ['database.migrations', ['database', 'migrations'], DEFAULT_DOC],
    ['database.baseline (template-copy)', ['database', 'baseline'], DEFAULT_DOC],
    ['database.baseline (separate-url)', ['database', 'baseline'], FULL_DOC],
    ['backend', ['backend'], DEFAULT_DOC],
    ['backend.baseline', ['backend', 'baseline'], DEFAULT_DOC],
    ['backend.candidate', ['backend', 'candidate'], DEFAULT_DOC],
    ['load', ['load'], DEFAULT_DOC],
    ['load.workload', ['load', 'workload'], DEFAULT_DOC],
    ['load.workload.requests[0]', ['load', 'workload', 'requests', 0], FULL_DOC],
    ['metrics[0]', ['metrics', 0], DEFAULT_DOC],
    ['metrics[2].denominator', ['metrics', 2, 'denominator'], DEFAULT_DOC],
    ['gate', ['gate'], DEFAULT_DOC],
    ['report', ['report'], FULL_DOC],
  ];

  it.each(mappings)('%s', (_, path, base) => {
    const probe = 'zz_not_a_key';
    const doc = withValue(base, [...path, probe], 1);
    const loader = loaderVerdict(doc);
    expect(loader.ok).toBe(false);
    const message = loader.ok ? '' : loader.message;
    expect(message).toContain(`'${probe}'`);
    const allowed = [...(/allowed: (.*)$/.exec(message)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(allowed.length).toBeGreaterThan(0);
    expect(schemaAccepts(doc)).toBe(false);
    const known = keysKnownBySchemaAt(path, base);
    expect([...allowed].sort()).toEqual([...known].sort());
  });
});

/** Property names the schema declares for the mapping at `path` in `doc`, following $ref, allOf and if/then. */
function keysKnownBySchemaAt(path: readonly (string | number)[], doc: unknown): Set<string> {
  const definitions = SCHEMA.definitions as Record<string, Schema>;
  type Schema = { [k: string]: unknown };
  const deref = (s: Schema): Schema =>
    typeof s.$ref === 'string' ? definitions[s.$ref.replace('#/definitions/', '')]! : s;
  // Collects the property schemas of `s` that apply to `value` (if/then evaluated with ajv on the sub-schema).
  const propertiesOf = (s: Schema, value: unknown): Map<string, Schema> => {
    const out = new Map<string, Schema>();
    const visit = (node: Schema): void => {
      node = deref(node);
      for (const [k, v] of Object.entries((node.properties as Record<string, Schema> | undefined) ?? {})) {
        if (v !== (true as unknown)) out.set(k, out.has(k) && Object.keys(out.get(k)!).length > 0 ? out.get(k)! : v);
      }
      for (const sub of (node.allOf as Schema[] | undefined) ?? []) visit(sub);
      if (node.if && node.then && matches(node.if as Schema, value)) visit(node.then as Schema);
      if (node.if && node.else && !matches(node.if as Schema, value)) visit(node.else as Schema);
    };
    visit(s);
    return out;
  };
  const names = (s: Schema, value: unknown): Set<string> => new Set(propertiesOf(s, value).keys());
  let schema = SCHEMA as Schema;
  let value: unknown = doc;
  for (const key of path) {
    const v = value as Record<string | number, unknown>;
    if (typeof key === 'number') schema = deref(deref(schema).items as Schema);
    else schema = propertiesOf(schema, value).get(key)!;
    value = v[key];
  }
  return names(schema, value);
}

function matches(condition: object, value: unknown): boolean {
  // A tiny evaluator is enough for the conditions the schema uses: const/enum on a required property.
  const c = condition as {
    properties?: Record<string, { const?: unknown; enum?: unknown[]; properties?: unknown; required?: string[] }>;
    required?: string[];
    not?: object;
  };
  if (c.not) return !matches(c.not, value);
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  for (const key of c.required ?? []) if (v[key] === undefined) return false;
  for (const [key, rule] of Object.entries(c.properties ?? {})) {
    if (v[key] === undefined) continue;
    if ('const' in rule && v[key] !== rule.const) return false;
    if (rule.enum && !rule.enum.includes(v[key])) return false;
    if (rule.properties && !matches(rule, v[key])) return false;
  }
  return true;
}

/**
 * Random edits of valid configs: whenever the loader accepts the result, the schema must too, or an
 * editor would underline a config that runs. (The other direction cannot hold in general: the loader
 * also checks things no schema can, such as a target naming a metric defined elsewhere in the file.)
 */
describe('random edits: the schema never rejects a config the loader accepts', () => {
  const paths: (string | number)[][] = [];
  const collect = (node: unknown, path: (string | number)[]): void => {
    if (path.length > 0) paths.push(path);
    if (Array.isArray(node)) for (const [i, item] of node.entries()) collect(item, [...path, i]);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) collect(v, [...path, k]);
  };
  collect(DEFAULT_DOC, []);
  const fullPaths: (string | number)[][] = [];
  const collectFull = (node: unknown, path: (string | number)[]): void => {
    if (path.length > 0) fullPaths.push(path);
    if (Array.isArray(node)) for (const [i, item] of node.entries()) collectFull(item, [...path, i]);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) collectFull(v, [...path, k]);
  };
  collectFull(FULL_DOC, []);

  const scalar = fc.oneof(
    fc.constantFrom(
      null,
      true,
      false,
      0,
      1,
      -1,
      0.5,
      2,
      1000,
      1001,
      70000,
      '',
      'true',
      'yes',
      '10',
      '2.5',
      '5s',
      '500ms',
      '0',
      '/x',
      'x',
      'http://h',
      '022',
      'abba',
      'open',
      'ms',
    ),
    fc.string({ maxLength: 6 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  );
  const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });

  for (const [label, base, basePaths] of [
    ['embedded default', DEFAULT_DOC, paths],
    ['full config', FULL_DOC, fullPaths],
  ] as const) {
    it(label, () => {
      fc.assert(
        fc.property(fc.constantFrom(...basePaths), value, (path, v) => {
          const doc = withValue(base, path, v);
          if (loaderVerdict(doc).ok) {
            if (!schemaAccepts(doc))
              throw new Error(
                `loader accepts ${JSON.stringify(path)} = ${JSON.stringify(v)}, schema says: ${describeErrors(doc)}`,
              );
          }
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 1500), seed: Number(process.env.FUZZ_SEED ?? 20251217) },
      );
    });
  }
});
