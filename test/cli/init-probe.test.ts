/**
 * `perf-gate init --probe URL` against a real HTTP server on the loopback: the reference backend's
 * /metrics page as prom-client writes it, a page that is not Prometheus text, and a port nobody listens on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { MemoryLogger } from '../../src/log.js';

const root = resolve(import.meta.dirname, '../..');
const page = readFileSync(join(root, 'test/fixtures/metrics/prom-client.prom'), 'utf8');
const made: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/internal/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(page);
    } else {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>{not metrics}</body></html>');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

async function init(...extra: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-probe-'));
  made.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'svc', scripts: { start: 'node server.js' } }));
  let stdout = '';
  const log = new MemoryLogger();
  const code = await main(['init', '--dir', dir, ...extra], { stdout: (t) => (stdout += t), log });
  return { dir, code, stdout, log: log.lines.join('\n') };
}

describe('perf-gate init --probe', () => {
  it("writes the service's own metrics and a target on its pipeline time into a config that validates", async () => {
    const { dir, code, stdout } = await init('--probe', `${base}/internal/metrics`);
    expect(code).toBe(0);
    expect(stdout).toContain(`proposed 7 server metric(s) from ${base}/internal/metrics: rag_pipeline_duration_mean,`);
    const config = loadConfig({ path: join(dir, 'perf-gate.yml'), packageRoot: root });
    expect(config.backend.candidate).toMatchObject({ metricsPath: '/internal/metrics' });
    expect(config.metrics.find((m) => m.name === 'rag_early_exit_rate')).toMatchObject({
      kind: 'counter_ratio',
      metric: 'rag_early_exit_total',
      denominator: { metric: 'rag_searches_total' },
      direction: 'higher-is-better',
    });
    expect(config.targets.map((t) => t.expression)).toContain('rag_pipeline_duration_mean worsens <= 10%');
  });

  it('a page that is not Prometheus text is an input error naming the URL (exit 2), and nothing is written', async () => {
    const { dir, code, log } = await init('--probe', `${base}/`);
    expect(code).toBe(2);
    expect(log).toContain(`init --probe: ${base}/ did not answer Prometheus text`);
    expect(() => readFileSync(join(dir, 'perf-gate.yml'))).toThrow();
  });

  it('a service that is not running is an infrastructure error (exit 3); a URL that is not http is refused (exit 2)', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    expect((await init('--probe', `http://127.0.0.1:${port}/metrics`)).code).toBe(3);
    const file = await init('--probe', 'file:///etc/passwd');
    expect(file.code).toBe(2);
    expect(file.log).toContain('only http: and https: URLs are scraped');
  });
});
