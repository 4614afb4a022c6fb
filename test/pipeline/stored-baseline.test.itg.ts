/**
 * The post-deploy check: a running app (kind url) measured against the stored results of an earlier
 * run, through the CLI entry in this process. A real HTTP server on loopback stands in for the app;
 * between the two runs it becomes slower, and the stored baseline must show it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'perf-gate-stored-'));
let server: Server;
let delayMs = 5;
let url = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/health') return response.end('ok');
    setTimeout(() => response.end('answer'), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, baseline: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      'backend:',
      '  kind: url',
      `  url: ${url}`,
      '  metricsPath: /none',
      `  baseline: ${baseline}`,
      'load:',
      '  rate: 40',
      '  roundDuration: 1s',
      '  warmup: 1s',
      '  pairs: 10',
      '  maxPairs: 10',
      '  workload:',
      '    requests: [{ path: /api }]',
      'targets:',
      '  - latency_p50 worsens <= 20%',
      '',
    ].join('\n'),
  );
  return path;
}

async function gate(configPath: string, reportDir: string) {
  const log = new MemoryLogger();
  const code = await main(
    ['run', '--config', configPath, '--report-dir', reportDir, '--state', join(dir, `${reportDir}.state.json`)],
    { stdout: () => undefined, log },
  );
  if (code > 1) throw new Error(log.lines.join('\n'));
  return {
    code,
    log: log.lines.join('\n'),
    results: JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')),
  };
}

describe('baseline from a stored results file', () => {
  it('pairs this run with the stored candidate rounds, starts no database, and catches a slowdown', async () => {
    // The release before: measured as the candidate of an earlier run.
    const first = await gate(config('earlier.yml', '{}'), join(dir, 'earlier'));
    expect(first.code, first.log).toBe(0);
    expect(first.log).toContain('no database: both backends are URLs and there are no migrations');

    delayMs = 40; // the new release is slower
    const second = await gate(
      config('now.yml', `{ kind: results, results: ${join(dir, 'earlier', 'results.json')} }`),
      join(dir, 'now'),
    );
    expect(second.log).toContain(`stored rounds of run ${first.results.runId}`);
    expect(second.log).not.toMatch(/warm-up baseline/);
    expect(second.code, second.log).toBe(1);
    expect(second.results.verdict).toBe('fail');
    expect(second.results.targets[0].status).toBe('fail');
    expect(second.results.targets[0].estimate).toBeGreaterThan(1); // 5 ms -> 40 ms: far more than 20 % worse
    expect(second.results.environment.baseline).toMatch(/^stored: \d+ candidate rounds of run .* not interleaved/);
    const measured = second.results.rounds.filter((r: { flags: string[] }) => !r.flags.includes('stored-baseline'));
    expect(measured.every((r: { variant: string }) => r.variant === 'candidate')).toBe(true);
  });

  it('refuses a stored baseline next to a candidate that would have to be booted (exit 2)', async () => {
    const path = join(dir, 'bad.yml');
    writeFileSync(
      path,
      readFileSync(config('tmp.yml', '{ kind: results, results: x.json }'), 'utf8').replace(
        '  kind: url\n',
        '  kind: command\n  command: [node, server.js]\n',
      ),
    );
    const log = new MemoryLogger();
    const code = await main(['validate', '--config', path], { stdout: () => undefined, log });
    expect(code).toBe(2);
    expect(log.lines.join('\n')).toContain(
      "config key 'backend.candidate.kind': got \"command\"; expected 'url' when the baseline is a stored results file",
    );
  });
});
