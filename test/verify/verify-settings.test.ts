import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readVerifySettings } from '../../src/verify/verify-settings.js';

const NOW = Date.parse('2026-12-02T16:00:00Z');
const base = { prometheusUrl: 'http://p:9090', canary: 'version="canary"', stable: 'version="stable"' };

describe('readVerifySettings', () => {
  it('defaults to the last hour in one-minute buckets, rate() over the step, equal traffic within 20 %', () => {
    const s = readVerifySettings(base, NOW);
    expect(s.end - s.start).toBe(3600);
    expect(s.end).toBe(NOW / 1000);
    expect(s).toMatchObject({
      stepSeconds: 60,
      rateInterval: '60s',
      trafficRatio: 1,
      maxTrafficDifference: 0.2,
      minBuckets: 10,
    });
  });

  it('reads RFC 3339 and unix-second bounds, and a window back from --end', () => {
    expect(
      readVerifySettings({ ...base, start: '2026-12-02T14:00:00Z', end: '2026-12-02T15:00:00+00:00' }, NOW),
    ).toMatchObject({
      start: Date.parse('2026-12-02T14:00:00Z') / 1000,
      end: Date.parse('2026-12-02T15:00:00Z') / 1000,
    });
    expect(readVerifySettings({ ...base, end: '1796000000', window: '2h', step: '30s' }, NOW)).toMatchObject({
      start: 1796000000 - 7200,
      stepSeconds: 30,
    });
  });

  it.each([
    [{ prometheusUrl: undefined }, /^--prometheus-url: got nothing/],
    [{ canary: undefined }, /^--canary: got nothing/],
    [{ stable: 'version="canary"' }, /same matchers/],
    [{ start: '2026-12-02 14:00' }, /^--start: got "2026-12-02 14:00"; expected an RFC 3339 time/],
    [{ start: '1796000000', window: '1h' }, /give one of them/],
    [{ start: '1796000000', end: '1795000000' }, /must be before --end/],
    [{ step: '1 minute' }, /^--step: /],
    [
      { rateInterval: '30s' },
      /^--rate-interval: got "30s"; expected a PromQL duration .* at least as long as the step/,
    ],
    [{ rateInterval: '1m30s' }, /^--rate-interval: /],
    [{ window: '30d', step: '1s' }, /more than 11000 buckets/],
    [{ maxTrafficDifference: '0.2' }, /^--max-traffic-difference: .*a percentage/],
    [{ trafficRatio: '0' }, /^--traffic-ratio: /],
    [{ minBuckets: '2' }, /^--min-buckets: .*at least 4/],
  ])('refuses %o naming the flag', (flags, message) => {
    expect(() => readVerifySettings({ ...base, ...flags }, NOW)).toThrow(InputError);
    expect(() => readVerifySettings({ ...base, ...flags }, NOW)).toThrow(message);
  });
});
