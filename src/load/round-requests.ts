/**
 * The requests of one round in flight: sending them through undici, counting them, handing each outcome to
 * the round's tally and telling the sender when one completed; and the end of the round, which comes once
 * sending is done and nothing is in flight any more. The open-loop and closed-loop senders decide only when
 * to send.
 */
import type { Dispatcher } from 'undici';
import { ROUND_DEADLINE, type RoundTally } from './round-tally.js';

/** Called when a request completed, so its sender may send the next one. */
export type OnRequestDone = () => void;

export class RoundRequests {
  inFlight = 0;
  /** No more sends: set by `stop()`, after which no sender is told of completions any more. */
  stopped = false;
  aborted = false;
  /** Resolves once sending is done and every request sent has ended. */
  readonly finished: Promise<void>;
  private finish!: () => void;
  private sendingDone = false;
  // undici's timeouts bound the wait for headers and between body chunks, not a whole response: a server that
  // trickles a body would hold the round open for ever. Once sending is done, whatever is still in flight
  // after `timeoutMs` (so in flight for at least that long) is ended and counted as a timeout.
  private readonly live = new Set<ResponseHandler>();
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly tally: RoundTally,
    /** The dispatch options of the next request to send (the workload's picker). */
    private readonly next: () => Dispatcher.DispatchOptions,
    private readonly timeoutMs: number,
  ) {
    this.finished = new Promise<void>((resolve) => (this.finish = resolve));
  }

  /** Sends the next request through `sender`; its latency counts from `originMs` (performance.now() time). */
  send(sender: Dispatcher, originMs: number, onDone: OnRequestDone | null): void {
    this.inFlight++;
    const handler = new ResponseHandler(this, originMs, onDone);
    this.live.add(handler);
    sender.dispatch(this.next(), handler);
  }

  /** The sender has nothing more to send; those in flight still complete and are still reported to it. */
  doneSending(): void {
    this.sendingDone = true;
    this.maybeFinish();
  }

  /** Sends no more and tells no sender of completions; the round ends once those in flight completed. */
  stop(): void {
    this.stopped = true;
    this.doneSending();
  }

  /** Stops the round and ignores how the requests still in flight end: an aborted round is discarded. */
  abort(): void {
    this.aborted = true;
    this.stop();
  }

  /** Clears the deadline of the stragglers; call once `finished` resolved. */
  dispose(): void {
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
  }

  responded(handler: ResponseHandler): void {
    this.live.delete(handler);
    const now = performance.now();
    this.tally.recordResponse(handler.status, now - handler.originMs);
    this.complete(now, handler.onDone, false);
  }

  failed(handler: ResponseHandler, error: Error): void {
    this.live.delete(handler);
    if (!this.aborted && this.tally.recordFailure(error)) this.stop();
    this.complete(performance.now(), handler.onDone, true);
  }

  // After an error the follow-up send waits for the next turn of the event loop. undici calls onError from
  // inside its own bookkeeping: inside dispatch() for a request it refuses outright (an invalid header, say),
  // where sending again would recurse once per request until the stack overflows, and inside a Client's
  // failed-connect handler, which asserts that its queue is empty once it has failed every request in it.
  private complete(now: number, onDone: OnRequestDone | null, afterError: boolean): void {
    this.tally.recordCompletion(now);
    this.inFlight--;
    if (onDone !== null && !this.stopped) {
      if (afterError) setImmediate(() => this.stopped || onDone());
      else onDone();
    }
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (!this.sendingDone) return;
    if (this.inFlight === 0) this.finish();
    else if (this.drainTimer === undefined) this.drainTimer = setTimeout(() => this.endStragglers(), this.timeoutMs);
  }

  private endStragglers(): void {
    const error = Object.assign(
      new Error(`no complete response within ${this.timeoutMs} ms after the round stopped sending`),
      { code: ROUND_DEADLINE },
    );
    for (const handler of this.live) handler.abortRequest?.(error);
  }
}

// A handler object per request with undici's own callbacks (onConnect, onHeaders, onData, onComplete,
// onError): undici drives every request through these internally, so they cost no adapter. The newer
// controller-style handler is wrapped per request in an adapter that also parses each response's headers
// into an object we never read: about 10 % more generator CPU per request (docs/performance.md).
// No stream and no promise per request, and body chunks are dropped as they arrive.
class ResponseHandler {
  status = 0;
  abortRequest: ((reason: Error) => void) | null = null;
  constructor(
    private readonly requests: RoundRequests,
    readonly originMs: number,
    readonly onDone: OnRequestDone | null,
  ) {}
  onConnect(abort: (reason: Error) => void): void {
    this.abortRequest = abort;
  }
  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }
  onData(): boolean {
    return true;
  }
  onComplete(): void {
    this.requests.responded(this);
  }
  onError(error: Error): void {
    this.requests.failed(this, error);
  }
}
