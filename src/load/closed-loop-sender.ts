/**
 * The closed-loop senders (autocannon's and wrk's model): one per connection, each sending the next request as
 * soon as the previous one completed, latency counted from the actual send. Good for "how fast can it go",
 * blind to server stalls by construction.
 */
import type { Dispatcher } from 'undici';
import type { RoundRequests } from './round-requests.js';

export interface ClosedLoopSettings {
  durationMs: number;
  /** Stop after this many requests even if the window is not over (Infinity: no limit). */
  maxRequests: number;
}

/**
 * Sends back to back through each of `connections` from `t0` (performance.now() time) until the window or
 * `maxRequests` is over and the round finished. Returns the window the throughput is measured over, ms.
 */
export async function sendClosedLoop(
  requests: RoundRequests,
  connections: readonly Dispatcher[],
  settings: ClosedLoopSettings,
  t0: number,
): Promise<number> {
  if (requests.stopped) {
    await requests.finished;
    return settings.durationMs;
  }
  const deadline = t0 + settings.durationMs;
  let sent = 0;
  // Sender i sends back to back through its own connection: the next request as soon as the previous completed.
  const startSender = (connection: Dispatcher) => {
    const next = () => {
      const now = performance.now();
      if (sent < settings.maxRequests && now < deadline) {
        sent++;
        requests.send(connection, now, next);
      } else if (requests.inFlight === 0) requests.stop();
    };
    next();
  };
  for (let i = 0; i < connections.length && sent < settings.maxRequests; i++) startSender(connections[i]!);
  // Each sender stops after its last completion past the deadline; when all have, sending is done.
  const closer = setTimeout(() => requests.doneSending(), settings.durationMs);
  await requests.finished;
  clearTimeout(closer);
  // Throughput is over the time the senders actually ran: the last responses arrive after the deadline,
  // or well before it when `maxRequests` ended the round.
  const ranMs = requests.tally.lastCompletionAt - t0;
  return sent < settings.maxRequests ? Math.max(settings.durationMs, ranMs) : ranMs;
}
