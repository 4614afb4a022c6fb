/**
 * What the requests of one round came back with: the latency histogram of the successful ones, and every
 * other outcome counted by cause. Errors never enter the histogram. Pure counting, no clock and no I/O: the
 * caller passes the instants, so the same tally serves the open-loop and the closed-loop senders.
 */

import type { ErrorCounts } from '../model/round-record.js';
import { createLatencyHistogram, type Histogram, recordLatencyMs } from './latency-histogram.js';

type ErrorKind = 'timeout' | 'reset' | 'refused' | 'unsent' | 'other';

/** Code of the error that ends a request still in flight `timeoutMs` after the round stopped sending. */
export const ROUND_DEADLINE = 'PERF_GATE_ROUND_DEADLINE';

/** Maps undici/Node error codes to the kinds users care about. */
export function classifyError(error: unknown): ErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    // undici refused the request before sending it (an argument it rejects, a closed client): the request
    // never reached the server, so it says nothing about the server.
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'unsent';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case ROUND_DEADLINE:
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    // undici reports a socket the server closed mid-response as UND_ERR_SOCKET ("other side closed").
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'ECONNREFUSED':
      return 'refused';
    default:
      return 'other';
  }
}

export class RoundTally {
  /** Latency of the 2xx responses, µs. */
  readonly histogram: Histogram = createLatencyHistogram();
  /** Everything that was not a 2xx response; a refusal or a request never sent counts as 'other'. */
  readonly errors: ErrorCounts = { status: {}, timeout: 0, reset: 0, other: 0 };
  /** Requests that ended, whatever their outcome (a failure after the round was aborted included). */
  completed = 0;
  ok = 0;
  /** Connections the backend refused (ECONNREFUSED), all told and in a row. */
  refused = 0;
  consecutiveRefused = 0;
  /** Requests the load generator itself refused to send, and the message of the first. */
  unsent = 0;
  unsentExample = '';
  /** True once `deadAfterRefusals` refusals came in a row: the backend is gone. */
  backendGone = false;
  /** performance.now() of the last completion; 0 while none completed. */
  lastCompletionAt = 0;

  constructor(private readonly deadAfterRefusals: number) {}

  /** A complete response with `status`, `latencyMs` after its latency origin. */
  recordResponse(status: number, latencyMs: number): void {
    if (status >= 200 && status < 300) {
      this.ok++;
      recordLatencyMs(this.histogram, latencyMs);
    } else {
      const key = String(status);
      this.errors.status[key] = (this.errors.status[key] ?? 0) + 1;
    }
    this.consecutiveRefused = 0;
  }

  /** A request that ended in an error. True when this refusal is the one that shows the backend is gone. */
  recordFailure(error: Error): boolean {
    const kind = classifyError(error);
    if (kind === 'refused') {
      this.refused++;
      this.errors.other++;
      this.consecutiveRefused++;
      if (this.consecutiveRefused >= this.deadAfterRefusals && !this.backendGone) {
        this.backendGone = true;
        return true;
      }
    } else if (kind === 'unsent') {
      this.unsent++;
      this.unsentExample ||= error.message;
      this.errors.other++;
    } else {
      this.consecutiveRefused = 0;
      this.errors[kind]++;
    }
    return false;
  }

  /** Every request ends here once, after its response or failure was recorded (or ignored, when aborted). */
  recordCompletion(now: number): void {
    this.completed++;
    this.lastCompletionAt = now;
  }
}
