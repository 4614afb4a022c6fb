/**
 * Masking must never change what a program reads in results.json: a secret that equals a verdict,
 * a status or part of a metric name ("error", "latency") hides only free text, the verdict and the
 * exit code stay right, and the file still passes the published schema.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger, SecretMasker } from '../../src/log.js';
import { exitCodeFor } from '../../src/pipeline/run-gate.js';
import { maskResults } from '../../src/report/mask-results.js';
import type { Results } from '../../src/report/results.js';
import { parseResultsJson, validateResults } from '../../src/report/results-schema.js';
import { SHORT_GATE, SHORT_LOAD } from '../helpers/config-text.js';
import { probePostgres } from '../helpers/postgres.js';
import { requireService } from '../helpers/services.js';

const work = mkdtempSync(join(tmpdir(), 'perf-gate-results-masking-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a secret equal to a word results.json uses', () => {
  it('"error" as DB_PASS: a backend that cannot boot still gives verdict error, exit 3 and a valid results.json', {
    timeout: 120_000,
  }, async (ctx) => {
    if (!requireService('PostgreSQL server binaries', probePostgres())) return ctx.skip();
    const config = join(work, 'perf-gate.yml');
    writeFileSync(
      config,
      [
        'backend:',
        '  kind: command',
        '  command: [node, -e, "process.exit(1)"]',
        '  healthPath: /',
        '  healthTimeout: 5s',
        '  env:',
        '    DB_PASS: ${PERF_GATE_TEST_WORD}',
        ...SHORT_LOAD,
        'targets: ["error_rate <= 1%", "latency_p95 < 500ms"]',
        ...SHORT_GATE,
        '',
      ].join('\n'),
    );
    const reportDir = join(work, 'report');
    const log = new MemoryLogger();
    process.env.PERF_GATE_TEST_WORD = 'error';
    let code: number;
    try {
      code = await main(['run', '--config', config, '--report-dir', reportDir, '--state', join(work, 'state.json')], {
        stdout: () => {},
        log,
      });
    } finally {
      delete process.env.PERF_GATE_TEST_WORD;
    }
    const logText = log.lines.join('\n');
    expect(code, logText.slice(-3000)).toBe(3);
    const path = join(reportDir, 'results.json');
    const results = validateResults(parseResultsJson(readFileSync(path, 'utf8')), path);
    expect(results.verdict).toBe('error');
    expect(results.error?.stage).toBe('boot');
    expect(results.error?.exitCode).toBe(3);
    // The word is still masked where it is free text.
    expect(results.error?.message).not.toMatch(/\berror\b/);
  });

  it('masks only free text of a recorded run: verdicts, statuses, metric names, units and keys stay exact', () => {
    const path = resolve(import.meta.dirname, '../fixtures/results/demo.results.json');
    const original = validateResults(parseResultsJson(readFileSync(path, 'utf8')), path);
    const secrets = [
      'inconclusive',
      'error',
      'latency',
      'pipeline_time',
      'p95',
      'baseline',
      'candidate',
      'client',
      'ratio',
      'improvement',
      'lower-is-better',
    ];
    const masked = JSON.parse(JSON.stringify(maskResults(original, SecretMasker.of(secrets)))) as Results;
    expect(() => validateResults(structuredClone(masked), 'masked results')).not.toThrow();
    expect(masked.verdict).toBe(original.verdict);
    expect(masked.targets.map((t) => [t.metric, t.kind, t.status, t.unit])).toEqual(
      original.targets.map((t) => [t.metric, t.kind, t.status, t.unit]),
    );
    expect(masked.metrics.map((m) => [m.name, m.unit, m.direction, m.source])).toEqual(
      original.metrics.map((m) => [m.name, m.unit, m.direction, m.source]),
    );
    expect(masked.rounds.map((r) => [r.variant, Object.keys(r.values)])).toEqual(
      original.rounds.map((r) => [r.variant, Object.keys(r.values)]),
    );
    // Free text does hide them.
    expect(masked.metrics.find((m) => m.name === 'latency_p95')?.description).toBe(
      'client latency, 95th percentile'.replace('client', '***').replace('latency', '***'),
    );
  });

  it('an unknown verdict exits 3, never 0', () => {
    const log = new MemoryLogger();
    expect(exitCodeFor({ verdict: '***' } as unknown as Results, false, log)).toBe(3);
  });
});
