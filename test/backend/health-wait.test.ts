/** waitForHealthy against a real HTTP server on loopback. No timing assertions: outcomes only. */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthWaitError, waitForHealthy } from '../../src/backend/health-wait.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(status: () => number): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(status());
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/health`;
}

describe('waitForHealthy', () => {
  it('keeps polling through 503s until a 2xx', async () => {
    let calls = 0;
    const url = await serve(() => (++calls < 3 ? 503 : 204));
    const result = await waitForHealthy({
      url,
      timeoutMs: 60_000,
      intervalMs: 10,
      checkAlive: async () => ({ alive: true }),
    });
    expect(result).toMatchObject({ attempts: 3, status: 204 });
  });
  it('gives up at once when the backend has exited, long before the timeout', async () => {
    const url = await serve(() => 503);
    const error = await waitForHealthy({
      url,
      timeoutMs: 600_000,
      intervalMs: 10,
      checkAlive: async () => ({ alive: false, detail: 'exit code 1' }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthWaitError);
    expect((error as HealthWaitError).reason).toBe('exited');
    expect((error as Error).message).toContain('exit code 1');
  });
  it('times out with the last problem seen (fake clock)', async () => {
    const url = await serve(() => 500);
    let t = 0;
    const error = await waitForHealthy({
      url,
      timeoutMs: 1_000,
      intervalMs: 1,
      now: () => (t += 300),
      checkAlive: async () => ({ alive: true }),
    }).catch((e: unknown) => e);
    expect((error as HealthWaitError).reason).toBe('timeout');
    expect((error as Error).message).toContain('HTTP 500');
  });
  it('reports connection refused, and stops when aborted', async () => {
    const url = await serve(() => 200);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const abort = new AbortController();
    let polls = 0;
    const error = await waitForHealthy({
      url,
      timeoutMs: 600_000,
      intervalMs: 5,
      signal: abort.signal,
      checkAlive: async () => {
        if (++polls === 2) abort.abort();
        return { alive: true };
      },
    }).catch((e: unknown) => e);
    expect((error as HealthWaitError).reason).toBe('aborted');
    expect((error as HealthWaitError).lastProblem).toContain('ECONNREFUSED');
  });
});
