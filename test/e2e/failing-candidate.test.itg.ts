/**
 * A candidate that fails its requests, end to end through the bundled CLI (dist/index.js): two real
 * processes of the fixture backend at URLs, a healthy baseline and a candidate that answers 500, never
 * answers, or destroys every connection; and the 500 case again with backends perf-gate starts itself
 * (kind: command, and kind: image in Docker). The gate must read this as a missed target (verdict
 * fail, exit 1), never as missing data (inconclusive, exit 0).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseResultsJson, validateResults } from '../../src/report/results-schema.js';
import { buildFixtureImage, containersWithLabel } from '../helpers/backend-boot.js';
import { probeDocker } from '../helpers/docker.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const bundle = join(root, 'dist/index.js');
const server = join(root, 'test/fixtures/backend/server.cjs');
const work = mkdtempSync(join(tmpdir(), 'perf-gate-failing-'));

interface Fixture {
  url: string;
  child: ChildProcess;
}

let started: Fixture[] = [];

async function startFixture(mode: string, label: string): Promise<Fixture> {
  const child = spawn(process.execPath, [server], {
    env: { ...process.env, PORT: '0', FIXTURE_MODE: mode, VARIANT_LABEL: label },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /fixture listening on (\d+)/.exec(text);
      if (match) resolvePort(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`fixture ${mode} exited early with code ${code}`)));
  });
  const fixture = { url: `http://127.0.0.1:${port}`, child };
  started.push(fixture);
  return fixture;
}

/** Runs the CLI without blocking this process (the fixtures are separate processes, but keep the loop free). */
function gate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      cwd: work,
      env: { ...process.env, GITHUB_ACTIONS: '', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

interface ResultsFile {
  runId: string;
  verdict: string;
  targets: { expression: string; status: string; estimate: number | null; note?: string }[];
  rounds: {
    variant: string;
    valid: boolean;
    invalidReasons: string[];
    flags: string[];
    client: {
      requests: number;
      ok: number;
      errors: { status: Record<string, number>; timeout: number; reset: number };
    };
  }[];
  decision: { stoppingReason: string; validPairs: number } | null;
}

type Kind = 'url' | 'command' | 'image';

/** The backend section: fixtures this test started (url), or ones perf-gate starts (command, image). */
async function backendLines(kind: Kind, mode: string): Promise<string[]> {
  if (kind === 'url') {
    const baseline = await startFixture('ok', 'baseline');
    const candidate = await startFixture(mode, 'candidate');
    return ['  kind: url', `  baseline: { url: "${baseline.url}" }`, `  candidate: { url: "${candidate.url}" }`];
  }
  const variants = [
    '  baseline: { env: { FIXTURE_MODE: ok, VARIANT_LABEL: baseline } }',
    `  candidate: { env: { FIXTURE_MODE: ${mode}, VARIANT_LABEL: candidate } }`,
  ];
  return kind === 'command'
    ? ['  kind: command', `  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(server)}]`, ...variants]
    : ['  kind: image', `  image: ${buildFixtureImage()}`, '  network: host', ...variants];
}

async function runAgainst(
  mode: string,
  kind: Kind = 'url',
): Promise<{
  code: number | null;
  stdout: string;
  stderr: string;
  results: ResultsFile;
  report: string;
  seconds: number;
}> {
  const name = kind === 'url' ? mode : `${mode}-${kind}`;
  const dir = join(work, name);
  const config = join(work, `${name}.yml`);
  writeFileSync(
    config,
    [
      'backend:',
      ...(await backendLines(kind, mode)),
      '  healthPath: /health',
      'load:',
      '  rate: 20',
      '  roundDuration: 1s',
      '  warmup: 500ms',
      '  pairs: 5',
      '  maxPairs: 10',
      // A request that never answers ends as a timeout after 1 s, so a round lasts at most about 2 s.
      '  timeout: 1s',
      '  workload:',
      '    requests: [{ path: /search }]',
      'targets:',
      '  - latency_p95 worsens <= 10%',
      '  - error_rate <= 1%',
      '',
    ].join('\n'),
  );
  const began = performance.now();
  const outcome = await gate(['run', '--config', config, '--report-dir', dir]);
  const seconds = (performance.now() - began) / 1000;
  const text = readFileSync(join(dir, 'results.json'), 'utf8');
  // What the gate wrote is what `perf-gate comment` will accept from it.
  validateResults(parseResultsJson(text), 'results.json');
  const results = JSON.parse(text) as ResultsFile;
  return { ...outcome, results, report: readFileSync(join(dir, 'report.md'), 'utf8'), seconds };
}

/** A round the server's failures never invalidate; only a generator that sent late (a busy machine) could. */
function expectMeasured(round: ResultsFile['rounds'][number]): void {
  for (const reason of round.invalidReasons) expect(reason).toMatch(/because the generator was late/);
}

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error('dist/index.js is missing: run npm run build');
});
afterEach(async () => {
  await Promise.all(
    started.map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
  started = [];
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('perf-gate run against a candidate that fails its requests', () => {
  it.for(['url', 'command', 'image'] as const)(
    'answers 500 to every request (kind: %s): verdict fail, exit 1, error_rate missed with the counts',
    { timeout: 120_000 },
    async (kind, ctx) => {
      if (kind === 'image' && !requireService('Docker engine', probeDocker())) return ctx.skip();
      const { code, stderr, results, report } = await runAgainst('answer-500', kind);
      expect(code, stderr.slice(-3000)).toBe(1);
      expect(results.verdict).toBe('fail');
      const errorRate = results.targets.find((t) => t.expression === 'error_rate <= 1%')!;
      expect(errorRate.status).toBe('fail');
      expect(errorRate.estimate).toBe(1);
      expect(errorRate.note).toMatch(
        /in (\d) of \1 candidate rounds no request succeeded \((\d+) of \2 requests failed: HTTP 500 × \2\)/,
      );
      expect(results.targets.find((t) => t.expression === 'latency_p95 worsens <= 10%')!.status).toBe('fail');
      // The candidate's rounds were measured: valid, flagged, with their errors counted.
      const candidate = results.rounds.filter((r) => r.variant === 'candidate');
      expect(candidate).toHaveLength(5);
      for (const round of candidate) {
        expectMeasured(round);
        expect(round.flags).toContain('no-successful-response');
        expect(round.client.errors.status).toEqual({ '500': round.client.requests });
      }
      // A clear failure stops at the first look.
      expect(results.decision!.stoppingReason).toBe('all targets decided');
      expect(report.split('\n')[0]).toBe('### ❌ perf-gate: 2 of 2 targets missed');
      expect(report).toMatch(
        /2 target\(s\) failed without a test: in (\d) of \1 candidate rounds no request succeeded \((\d+) of \2 requests failed: HTTP 500 × \2\)/,
      );
      if (kind === 'image') expect(containersWithLabel(`perf-gate.run-id=${results.runId}`)).toEqual([]);
    },
  );

  it('never answers: every request ends as a timeout, rounds end in bounded time, verdict fail, exit 1', async () => {
    const { code, stderr, results, seconds } = await runAgainst('hang');
    expect(code, stderr.slice(-3000)).toBe(1);
    expect(results.verdict).toBe('fail');
    expect(results.targets.find((t) => t.expression === 'error_rate <= 1%')!.status).toBe('fail');
    expect(results.targets.find((t) => t.expression === 'latency_p95 worsens <= 10%')!.status).toBe('fail');
    for (const round of results.rounds.filter((r) => r.variant === 'candidate')) {
      expectMeasured(round);
      expect(round.client.ok).toBe(0);
      expect(round.client.errors.timeout).toBe(round.client.requests);
    }
    // Warm-up and 10 rounds, each at most window + timeout: far below a minute, whatever the candidate does.
    expect(seconds).toBeLessThan(60);
  }, 120_000);

  it('destroys every connection: counted as resets, verdict fail, exit 1', async () => {
    const { code, stderr, results } = await runAgainst('close');
    expect(code, stderr.slice(-3000)).toBe(1);
    expect(results.verdict).toBe('fail');
    expect(results.targets.find((t) => t.expression === 'error_rate <= 1%')!.status).toBe('fail');
    for (const round of results.rounds.filter((r) => r.variant === 'candidate')) {
      expectMeasured(round);
      expect(round.client.ok).toBe(0);
      expect(round.client.errors.reset).toBe(round.client.requests);
    }
  }, 120_000);
});
