/**
 * Waits until a backend answers its health URL with a 2xx, the way Testcontainers' HTTP wait
 * strategy does, with one addition: every poll also asks whether the backend is still alive, so a
 * process or container that exits during start-up fails the wait at once instead of after the
 * whole timeout.
 */
import { Agent, request } from 'undici';
import { errorMessage, InfrastructureError } from '../errors.js';

export type Liveness = { alive: true } | { alive: false; detail: string };

export interface HealthWaitOptions {
  url: string;
  timeoutMs: number;
  /** Pause between polls; default 200 ms. */
  intervalMs?: number;
  /** Limit for one health request; default 5 s or the time left, whichever is shorter. */
  attemptTimeoutMs?: number;
  /** Is the backend still running? Called after every failed poll. */
  checkAlive: () => Promise<Liveness>;
  /** Aborts the wait (the other variant failed, or the run is being cancelled). */
  signal?: AbortSignal;
  /** Monotonic clock in milliseconds; injectable for tests. */
  now?: () => number;
}

export interface HealthWaitResult {
  elapsedMs: number;
  attempts: number;
  status: number;
}

export type HealthFailureReason = 'exited' | 'timeout' | 'aborted';

/** The wait failed; `reason` says how, `lastProblem` what the last poll saw. */
export class HealthWaitError extends InfrastructureError {
  constructor(
    readonly reason: HealthFailureReason,
    message: string,
    readonly lastProblem: string,
    readonly elapsedMs: number,
  ) {
    super(message);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function waitForHealthy(options: HealthWaitOptions): Promise<HealthWaitResult> {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 200;
  const start = now();
  // A private agent without keep-alive reuse: health polls must not leave idle connections open
  // on the backend. undici documents `pipelining: 0` as "disable keep-alive connections".
  const agent = new Agent({ pipelining: 0 });
  let attempts = 0;
  let lastProblem = 'no answer yet';
  try {
    for (;;) {
      if (options.signal?.aborted) {
        throw new HealthWaitError(
          'aborted',
          `health check of ${options.url} was cancelled`,
          lastProblem,
          now() - start,
        );
      }
      attempts += 1;
      const left = options.timeoutMs - (now() - start);
      const attemptTimeout = Math.max(100, Math.min(options.attemptTimeoutMs ?? 5_000, left));
      try {
        const response = await request(options.url, {
          method: 'GET',
          dispatcher: agent,
          headersTimeout: attemptTimeout,
          bodyTimeout: attemptTimeout,
          signal: options.signal,
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          return { elapsedMs: now() - start, attempts, status: response.statusCode };
        }
        lastProblem = `HTTP ${response.statusCode}`;
      } catch (error) {
        const code = (error as { code?: string }).code;
        lastProblem = code ? `${code}: ${errorMessage(error)}` : errorMessage(error);
      }
      const liveness = await options.checkAlive();
      if (!liveness.alive) {
        throw new HealthWaitError(
          'exited',
          `backend exited before it became healthy (${liveness.detail}); last health answer: ${lastProblem}`,
          lastProblem,
          now() - start,
        );
      }
      const elapsed = now() - start;
      if (elapsed >= options.timeoutMs) {
        throw new HealthWaitError(
          'timeout',
          `${options.url} gave no 2xx within ${Math.round(options.timeoutMs)} ms (${attempts} attempts; last: ${lastProblem})`,
          lastProblem,
          elapsed,
        );
      }
      await sleep(Math.min(interval, options.timeoutMs - elapsed), options.signal);
    }
  } finally {
    await agent.close().catch(() => undefined);
  }
}
