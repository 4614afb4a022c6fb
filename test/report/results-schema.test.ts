/**
 * schema/results.schema.json is the contract `perf-gate comment` checks a results.json against before
 * using any of it (the file may come from a fork's workflow): what perf-gate writes passes, and what a
 * hostile or broken file holds is refused with the JSON path, never a TypeError further on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { evaluateTargets } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import { readResultsFile } from '../../src/github/publish-from-results.js';
import { roundPlanRecord } from '../../src/load/round-plan.js';
import { CLIENT_METRICS, type MetricInfo } from '../../src/model/round-record.js';
import { buildResults } from '../../src/pipeline/build-results.js';
import { jsonPath, MAX_RESULTS_BYTES, parseResultsJson, validateResults } from '../../src/report/results-schema.js';
import { planLooks } from '../../src/stats/sequential.js';
import {
  errorResults,
  failResults,
  fixtureRounds,
  inconclusiveResults,
  noDataResults,
  passResults,
} from '../helpers/results-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'perf-gate-results-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Through the JSON text, as `perf-gate comment` reads it. */
function check(value: unknown): unknown {
  return validateResults(parseResultsJson(JSON.stringify(value)), 'results.json');
}

function refusal(value: unknown): string {
  try {
    check(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

const CATALOG: MetricInfo[] = [
  ...CLIENT_METRICS,
  { name: 'pipeline_time', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pipeline' },
];
const TARGETS: Target[] = [
  { kind: 'improvement', expression: 'pipeline_time improves >= 20%', metric: 'pipeline_time', minImprovement: 0.2 },
];

describe('results.json schema', () => {
  it('accepts what perf-gate writes: the statistics stage output and every report fixture', () => {
    const rounds = fixtureRounds(8);
    const built = buildResults({
      version: '0.1.0',
      runId: '20260101000000-a1b2c3',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:02:00.000Z',
      config: 'perf-gate.yml',
      rounds,
      catalog: CATALOG,
      evaluation: evaluateTargets(TARGETS, rounds, CATALOG, { minPairs: 5 }),
      confidence: 0.95,
      plannedPairs: 8,
      stoppingReason: 'all targets decided',
      migration: {
        strategy: 'clone',
        applied: [{ name: '001_init.sql', ms: 12 }],
        pending: [{ name: '002.sql', checksum: 'ab', sql: 'select 1;' }],
      },
      environment: {
        backends: { baseline: { kind: 'command', description: 'node server.js' } },
        envDifferences: [{ name: 'A', baseline: '1', candidate: '2', masked: false }],
        cpuCount: 2,
        postgres: '15.8',
      },
      error: { stage: 'bench', message: 'backend died\nexit 137', exitCode: 3 },
      mode: 'aa',
    });
    expect(built.mode).toBe('aa');
    expect(() =>
      check({ ...built, pullRequest: { number: 57, headSha: '5d41402abc4b2a76b9719d911017c592ae5cbf2c' } }),
    ).not.toThrow();
    for (const fixture of [passResults(), failResults(), inconclusiveResults(), noDataResults(), errorResults()])
      expect(() => check(fixture)).not.toThrow();
  });

  it('keeps the per-variant figures, the A/A replacements and the bucket bounds a run writes', () => {
    const rounds = fixtureRounds(8);
    rounds[1]!.bounds = { pipeline_time: { lower: 0, upper: 0.5 } };
    rounds[3]!.bounds = { pipeline_time: { lower: 10, upper: null } };
    const built = buildResults({
      version: '0.1.0',
      runId: 'r1',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:02:00.000Z',
      config: 'perf-gate.yml',
      rounds,
      catalog: CATALOG,
      evaluation: evaluateTargets(TARGETS, rounds, CATALOG, { minPairs: 5 }),
      confidence: 0.95,
      plannedPairs: 8,
      stoppingReason: 'all targets decided',
      migration: null,
      environment: {},
      mode: 'aa',
    });
    built.targets[0]!.replaces = ['pipeline_time improves >= 20%'];
    built.targets[0]!.bucketBound = { lower: 0, upper: 0.5, bound: 8, samples: 8 };
    expect(built.targets[0]!.figures).toBeDefined();
    expect(built.metrics.every((m) => m.figures && m.method === 'hodges-lehmann')).toBe(true);
    // Nothing dropped: every new field is listed in the schema.
    expect(JSON.stringify(check(built))).toBe(JSON.stringify(built));
    expect(refusal({ ...built, rounds: [{ ...rounds[1], bounds: { pipeline_time: { lower: 0 } } }] })).toBe(
      "results.json field 'rounds[0].bounds.pipeline_time.upper': got nothing; expected a value (the field is required)",
    );
    const implied = { ...built.metrics[0]!, figures: { ...built.metrics[0]!.figures!, implied: 'both' } };
    expect(refusal({ ...built, metrics: [implied] })).toMatch(
      /^results.json field 'metrics\[0\].figures.implied': got "both"; expected one of "baseline", "candidate", null$/,
    );
  });

  it.each(['demo.results.json', 'failing-migration.results.json'])(
    'accepts %s, written by a real run (test/fixtures/results)',
    (name) => {
      const path = join(import.meta.dirname, '../fixtures/results', name);
      const results = readResultsFile(path);
      expect(results.tool.name).toBe('perf-gate');
      // Nothing was dropped: the file has only fields the schema lists.
      expect(JSON.stringify(results)).toBe(JSON.stringify(JSON.parse(readFileSync(path, 'utf8'))));
    },
  );

  it.each([
    [
      'an unknown schema version',
      { schemaVersion: 999 },
      "field 'schemaVersion': got 999; expected 1 (this perf-gate reads results schema version 1",
    ],
    ['a fractional schema version', { schemaVersion: 1.5 }, "field 'schemaVersion': got 1.5; expected 1"],
    ['a null target', { targets: [null] }, "field 'targets[0]': got null; expected a value of type object"],
    [
      'a status that names an Object.prototype member',
      { targets: [{ ...failResults().targets[0], status: 'constructor' }] },
      `field 'targets[0].status': got "constructor"; expected one of "pass", "fail", "inconclusive", "no-data"`,
    ],
    [
      'a verdict outside the enum',
      { verdict: 'toString' },
      `field 'verdict': got "toString"; expected one of "pass", "fail", "inconclusive", "error"`,
    ],
    [
      'a pair that is text',
      { rounds: [{ ...fixtureRounds(1)[0], pair: '1\n```\n[x](https://evil.example)' }] },
      'field \'rounds[0].pair\': got "1\\n```\\n[x](https://evil.example)"; expected a value of type integer',
    ],
    [
      'a run id that carries a workflow command',
      { runId: '\n::error::pwned' },
      'field \'runId\': got "\\n::error::pwned"; expected text matching ^[A-Za-z0-9._-]+$',
    ],
    [
      "a metric name that is Object.prototype's",
      { metrics: [{ ...failResults().metrics[0], name: 'constructor' }] },
      'field \'metrics[0].name\': got "constructor"; expected a name the schema allows (never __proto__, constructor or prototype)',
    ],
    [
      'a missing field',
      { decision: undefined },
      "field 'decision': got nothing; expected a value (the field is required)",
    ],
    [
      'a target expression over 500 characters',
      { targets: [{ ...failResults().targets[0], expression: 'x'.repeat(501) }] },
      "field 'targets[0].expression': got \"xxx",
    ],
    ['too many rounds', { rounds: Array.from({ length: 4001 }, () => fixtureRounds(1)[0]) }, "field 'rounds': got [{"],
  ])('refuses %s, naming the JSON path', (_name, change, message) => {
    expect(refusal({ ...failResults(), ...change })).toContain(`results.json ${message}`);
  });

  it('keeps every structured reason a run writes, of every kind and cause, and the error control at a sequential look', () => {
    const catalog = [
      ...CATALOG,
      {
        name: 'pool_wait_p95',
        unit: 'ms' as const,
        direction: 'lower-is-better' as const,
        source: 'server' as const,
        description: 'pool wait',
      },
    ];
    const rounds = fixtureRounds(10);
    // Pairs left out for each cause: an invalid round, a missing one, a metric the scrape lost, a zero value.
    rounds[0] = { ...rounds[0]!, valid: false, invalidReasons: ['rate missed'] };
    rounds.splice(2, 1);
    rounds[3] = {
      ...rounds[3]!,
      values: { ...rounds[3]!.values, pipeline_time: null },
      serverMetricsProblems: ['counter reset'],
    };
    rounds[5] = { ...rounds[5]!, values: { ...rounds[5]!.values, pipeline_time: 0 } };
    const failing = fixtureRounds(6).map((r) =>
      r.variant === 'candidate'
        ? { ...r, client: { ...r.client, ok: 0, errors: { status: { '503': 160 }, timeout: 0, reset: 0, other: 0 } } }
        : r,
    );
    const targets: Target[] = [
      ...TARGETS,
      { kind: 'absolute', expression: 'pool_wait_p95 < 10ms', metric: 'pool_wait_p95', comparator: '<', threshold: 10 },
      { kind: 'absolute', expression: 'latency_p50 <= 100', metric: 'latency_p50', comparator: '<=', threshold: 100 },
    ];
    const plan = planLooks({ alpha: 0.02, minPairs: 5, blockPairs: 3, maxPairs: 20 });
    const evaluations = [
      evaluateTargets(targets, rounds, catalog, { minPairs: 8 }),
      evaluateTargets(targets, rounds, catalog, { minPairs: 5, sequential: { plan, look: 1 } }),
      evaluateTargets(targets, fixtureRounds(10), catalog, { method: 't' }),
      evaluateTargets(targets, failing, catalog),
    ];
    const kinds = new Set(evaluations.flatMap((e) => e.targets.map((t) => t.reason.kind)));
    expect([...kinds].sort()).toEqual(['candidate-failed', 'decided', 'no-data', 'too-few-samples']);
    const causes = new Set(
      evaluations.flatMap((e) =>
        e.targets.flatMap((t) => (t.reason.kind === 'no-data' ? t.reason.excluded.map((x) => x.cause) : [])),
      ),
    );
    expect([...causes].sort()).toEqual(['not-measured', 'not-positive', 'round-invalid', 'round-missing']);
    for (const evaluation of evaluations) {
      const built = buildResults({
        version: '0.1.0',
        runId: 'r1',
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:02:00.000Z',
        config: 'c',
        rounds,
        catalog,
        evaluation,
        confidence: 0.95,
        plannedPairs: 10,
        stoppingReason: 'x',
        migration: null,
        environment: {},
      });
      // Validation drops what the schema does not list: the reasons come through whole, so it lists all of them.
      expect(JSON.stringify(check(built))).toBe(JSON.stringify(built));
      expect(built.targets.map((t) => t.reason)).toEqual(evaluation.targets.map((t) => t.reason));
      expect(built.decision!.errorControl).toEqual(evaluation.errorControl);
    }
  });

  it('reads a file without the structured reasons (written before they existed) and reports it the same', () => {
    const results = failResults();
    expect(results.targets.every((t) => t.reason === undefined) && results.decision!.errorControl === undefined).toBe(
      true,
    );
    expect(check(results)).toEqual(results);
  });

  it.each([
    [
      'a reason of an unknown kind',
      { kind: 'guessed' },
      `field 'targets[0].reason.kind': got "guessed"; expected one of "decided", "too-few-samples", "no-data", "candidate-failed"`,
    ],
    [
      'a decided reason without its interval',
      {
        kind: 'decided',
        status: 'pass',
        relative: true,
        unit: 'ms',
        samples: 8,
        estimate: -0.3,
        level: 0.98,
        threshold: -0.2,
        crossCheck: { method: 't', status: 'pass', agrees: true },
      },
      `field 'targets[0].reason.interval': got nothing; expected a value (the field is required)`,
    ],
    [
      'an exclusion counted zero times',
      {
        kind: 'no-data',
        relative: true,
        samples: 0,
        needed: 5,
        excluded: [{ count: 0, cause: 'round-missing', variant: 'baseline' }],
      },
      `field 'targets[0].reason.excluded[0].count': got 0`,
    ],
    [
      'an invalid-round cause without its reasons',
      {
        kind: 'no-data',
        relative: true,
        samples: 0,
        needed: 5,
        excluded: [{ count: 1, cause: 'round-invalid', variant: 'baseline' }],
      },
      `field 'targets[0].reason.excluded[0].invalidReasons': got nothing; expected a value (the field is required)`,
    ],
  ])('refuses %s', (_name, reason, message) => {
    const results = failResults();
    expect(
      refusal({ ...results, targets: [{ ...results.targets[0], reason }, ...results.targets.slice(1)] }),
    ).toContain(`results.json ${message}`);
  });

  it('accepts the very large figures a real run can write (an interval bound of 3.6e15)', () => {
    expect(() =>
      check({ ...failResults(), metrics: [{ ...failResults().metrics[0], ci: [0, 3604762800056289], change: -2e12 }] }),
    ).not.toThrow();
  });

  it("keeps the round plan's seed, design and generator, and refuses a generator it cannot name", () => {
    const plan = roundPlanRecord(20251217, 'shuffled-pairs');
    expect((check({ ...failResults(), plan }) as { plan?: unknown }).plan).toEqual(plan);
    expect(() => check({ ...failResults(), plan: { ...plan, generator: 'mulberry32' } })).not.toThrow();
    expect(refusal({ ...failResults(), plan: { ...plan, generator: 'mt19937' } })).toContain(
      `results.json field 'plan.generator': got "mt19937"; expected one of "xoshiro128**", "mulberry32"`,
    );
  });

  it('keeps the budget a run used, and refuses one that is not milliseconds', () => {
    const budget = { plannedMs: 180_000, usedMs: 102_400, roundDurationMs: 2700, maxPairs: 30 };
    expect((check({ ...passResults(), budget }) as { budget?: unknown }).budget).toEqual(budget);
    expect(refusal({ ...passResults(), budget: { ...budget, usedMs: -1 } })).toContain(
      "results.json field 'budget.usedMs'",
    );
    expect(refusal({ ...passResults(), budget: { plannedMs: 180_000 } })).toContain("results.json field 'budget");
  });

  it('refuses flags that are not a list', () => {
    const r = failResults() as unknown as { rounds: Record<string, unknown>[] };
    r.rounds[3] = { ...r.rounds[3], flags: 'x' };
    expect(refusal(r)).toContain(`field 'rounds[3].flags': got "x"; expected a value of type array`);
  });

  it('__proto__ and constructor keys are plain data: nothing is polluted, and unknown keys are dropped', () => {
    const text = JSON.stringify(failResults()).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"later":"a field from a newer perf-gate",',
    );
    const results = validateResults(parseResultsJson(text), 'results.json') as unknown as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(results)).not.toContain('__proto__');
    expect(Object.keys(results)).not.toContain('later');
    expect(Object.hasOwn(results, 'constructor')).toBe(false);
    // A metric name with no value in a round reads as missing, not as Object.prototype's member.
    const values = (results.rounds as { values: Record<string, unknown> }[])[0]!.values;
    expect(values.constructor).toBeUndefined();
    expect(values.toString).toBeUndefined();
  });

  it('a round value keyed __proto__ is refused by name', () => {
    const text = JSON.stringify(failResults()).replace('"values":{', '"values":{"__proto__":1,');
    expect(() => validateResults(parseResultsJson(text), 'results.json')).toThrow(
      `field 'rounds[0].values.__proto__': got "__proto__"; expected a name the schema allows`,
    );
  });

  it(`refuses a file over ${MAX_RESULTS_BYTES} bytes before parsing it`, () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, `{"padding": "${'x'.repeat(MAX_RESULTS_BYTES)}"}`);
    expect(() => readResultsFile(path)).toThrow(/size: got "\d+ bytes"; expected at most 33554432 bytes/);
  });

  it('writes JSON paths as a reader would', () => {
    expect(jsonPath('/rounds/3/values/latency_p50')).toBe('rounds[3].values.latency_p50');
    expect(jsonPath('/environment/a~1b c')).toBe('environment["a/b c"]');
    expect(jsonPath('')).toBe('(the document)');
  });
});
