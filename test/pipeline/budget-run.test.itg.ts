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
beforeAll(async () => {
  baselineUrl = await serve(2);
  candidateUrl = await serve(25);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, budget: string, load: string[]): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      'backend:',
      '  kind: url',
      `  baseline: { url: ${baselineUrl} }`,
      `  candidate: { url: ${candidateUrl} }`,
      'load:',
      // Closed loop: a busy test machine delays sends, which would invalidate open-loop rounds.
      '  mode: closed',
      '  connections: 2',
      '  warmup: 500ms',
      ...load,
      '  workload:',
      '    requests: [{ path: /api }]',
      'targets:',
      '  - latency_p50 worsens <= 20%',
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
