import { describe, expect, it } from 'vitest';
import { classifyError, ROUND_DEADLINE, RoundTally } from '../../src/load/round-tally.js';

const failure = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it('tells requests the generator never sent from what the server did', () => {
    expect(classifyError(failure('UND_ERR_INVALID_ARG'))).toBe('unsent');
    expect(classifyError(failure('UND_ERR_DESTROYED'))).toBe('unsent');
    expect(classifyError(failure('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout');
    expect(classifyError(failure(ROUND_DEADLINE))).toBe('timeout');
    expect(classifyError(failure('UND_ERR_SOCKET'))).toBe('reset');
    expect(classifyError(failure('ECONNRESET'))).toBe('reset');
    expect(classifyError(failure('ECONNREFUSED'))).toBe('refused');
    expect(classifyError(failure('EHOSTUNREACH'))).toBe('other');
    expect(classifyError(new Error('no code'))).toBe('other');
    expect(classifyError(null)).toBe('other');
  });
});

describe('RoundTally', () => {
  it('keeps 2xx latencies in the histogram and counts every other status apart', () => {
    const tally = new RoundTally(20);
    tally.recordResponse(200, 1.5);
    tally.recordResponse(204, 3);
    tally.recordResponse(503, 0.2);
    tally.recordResponse(503, 0.2);
    tally.recordResponse(404, 0.2);
    expect(tally.ok).toBe(2);
    expect(tally.histogram.totalCount).toBe(2);
    expect(tally.histogram.maxValue).toBeGreaterThanOrEqual(2999);
    expect(tally.errors).toEqual({ status: { '503': 2, '404': 1 }, timeout: 0, reset: 0, other: 0 });
  });

  it('counts failures by kind; refusals and unsent requests as other, with the first unsent message', () => {
    const tally = new RoundTally(20);
    tally.recordFailure(failure('UND_ERR_BODY_TIMEOUT'));
    tally.recordFailure(failure('EPIPE'));
    tally.recordFailure(failure('ECONNREFUSED'));
    tally.recordFailure(failure('UND_ERR_INVALID_ARG', 'invalid header'));
    tally.recordFailure(failure('UND_ERR_CLOSED', 'closed'));
    expect(tally.errors).toEqual({ status: {}, timeout: 1, reset: 1, other: 3 });
    expect(tally.refused).toBe(1);
    expect(tally.unsent).toBe(2);
    expect(tally.unsentExample).toBe('invalid header');
  });

  it('calls the backend gone on the Nth refusal in a row, once; a response or another error breaks the run', () => {
    const tally = new RoundTally(3);
    const refuse = () => tally.recordFailure(failure('ECONNREFUSED'));
    expect([refuse(), refuse()]).toEqual([false, false]);
    tally.recordResponse(500, 1);
    expect([refuse(), refuse()]).toEqual([false, false]);
    tally.recordFailure(failure('ECONNRESET'));
    expect([refuse(), refuse(), refuse(), refuse()]).toEqual([false, false, true, false]);
    expect(tally.backendGone).toBe(true);
    expect(tally.consecutiveRefused).toBe(4);
    expect(tally.refused).toBe(8);
  });

  it('counts completions and keeps the instant of the last', () => {
    const tally = new RoundTally(20);
    expect(tally.lastCompletionAt).toBe(0);
    tally.recordCompletion(10);
    tally.recordCompletion(25);
    expect(tally.completed).toBe(2);
    expect(tally.lastCompletionAt).toBe(25);
  });
});
