/**
 * gate.budget through the CLI entry in this process, against real HTTP servers on loopback: the plan
 * made from the budget is what the bench runs, it stops once the target is decided, and results.json,
 * the terminal summary and the comment say how much of the budget it used.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'perf-gate-budget-'));
const servers: Server[] = [];

async function serve(delayMs: number): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url === '/health') return response.end('ok');
    setTimeout(() => response.end('answer'), delayMs);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let baselineUrl = '';
let candidateUrl = '';
let slowUrl = '';
beforeAll(async () => {
  baselineUrl = await serve(2);
  candidateUrl = await serve(25);
  slowUrl = await serve(400);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

function config(
  name: string,
  budget: string,
  load: string[],
  options: { urls?: [string, string]; target?: string } = {},
): string {
  const path = join(dir, name);
  const [baseline, candidate] = options.urls ?? [baselineUrl, candidateUrl];
  writeFileSync(
    path,
    [
      'backend:',
      '  kind: url',
      `  baseline: { url: ${baseline} }`,
      `  candidate: { url: ${candidate} }`,
      'load:',
      // Closed loop: a busy test machine delays sends, which would invalidate open-loop rounds.
      '  mode: closed',
      '  connections: 2',
      '  warmup: 500ms',
      ...load,
      '  workload:',
      '    requests: [{ path: /api }]',
      'targets:',
      `  - ${options.target ?? 'latency_p50 worsens <= 20%'}`,
      'gate:',
      `  budget: ${budget}`,
      '',
    ].join('\n'),
  );
  return path;
}

async function gate(configPath: string, reportDir: string) {
  const log = new MemoryLogger();
  const out: string[] = [];
  const code = await main(
    ['run', '--config', configPath, '--report-dir', reportDir, '--state', join(dir, `${reportDir}.state.json`)],
    { stdout: (text) => out.push(text), log },
  );
  return { code, log: log.lines.join('\n'), stdout: out.join('') };
}

describe('gate.budget', () => {
  it('runs the plan made from the budget, stops once the target is decided, and reports the time used', async () => {
    const reportDir = join(dir, 'slow');
    const { code, log, stdout } = await gate(config('slow.yml', '30s', ['  roundDuration: 500ms']), reportDir);
    expect(code, log).toBe(1);
    // 30 s less 2 × 500 ms warm-up, pairs of 2 × (500 + 100) ms: 24 pairs at most.
    expect(log).toMatch(/budget 30s: rounds of 500ms, looks at [\d, ]+24 pairs, at most 29.8s of measuring/);
    const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8'));
    expect(results.verdict).toBe('fail');
    expect(results.budget).toMatchObject({ plannedMs: 30_000, roundDurationMs: 500, maxPairs: 24 });
    expect(results.budget.usedMs).toBeGreaterThan(1_000);
    expect(results.budget.usedMs).toBeLessThan(30_000);
    // Decided at an early look: fewer pairs than the budget holds.
    expect(results.decision.measuredPairs).toBeLessThan(24);
    expect(stdout).toMatch(/used \d+(\.\d)?s of a 30s budget; stopped: (all targets decided|a target failed)/);
    expect(readFileSync(join(reportDir, 'report.md'), 'utf8')).toMatch(/Used \d+(\.\d)?s of a 30s budget; stopped: /);
  });

  it('skips a look the pace so far says would end past the budget, and judges the last look run', async () => {
    // Both variants are one server that answers in 400 ms: a round of 500 ms ends only when its last request
    // is answered, so a pair takes about 2 s instead of the planned 1.2 s. No difference, and a bound of 0 %:
    // the target stays undecided, so only the budget can stop the run.
    const reportDir = join(dir, 'paced');
    const { code, log } = await gate(
      config('paced.yml', '30s', ['  roundDuration: 500ms'], {
        urls: [slowUrl, slowUrl],
        target: 'latency_p50 worsens <= 0%',
      }),
      reportDir,
    );
    expect(code, log).toBe(0);
    expect(log).toMatch(
      /look 2 not run: at the pace measured so far its \d+ pairs would end [\d.]+m?s past the budget/,
    );
    const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8'));
    expect(results.decision.stoppingReason).toBe('budget exhausted');
    expect(results.decision.errorControl.sequential.look).toBe(1);
    expect(results.budget.usedMs).toBeLessThan(30_000);
    expect(results.decision.measuredPairs).toBeLessThan(results.budget.maxPairs);
  });

  it('a budget too small to decide the target stops before anything runs, naming gate.budget', async () => {
    const reportDir = join(dir, 'small');
    const { code, log } = await gate(config('small.yml', '10s', []), reportDir);
    expect(code).toBe(2);
    expect(log).toContain(
      "config key 'gate.budget': got 10s, room for 2 pairs of 2s rounds after 2 × 500ms warm-up (100 ms between rounds); " +
        'deciding a target at 98 % needs at least 7 pairs, so expected a budget of at least 31s',
    );
  });
});
