import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readVerifySettings } from '../../src/verify/verify-settings.js';

const NOW = Date.parse('2026-12-02T16:00:00Z');
const base = { prometheusUrl: 'http://p:9090', canary: 'version="canary"', stable: 'version="stable"' };

describe('readVerifySettings', () => {
  it('defaults to the last hour in one-minute buckets, rate() over the step, equal traffic within 20 %', () => {
    const s = readVerifySettings(base, NOW);
    expect(s.comparison).toMatchObject({ kind: 'canary-vs-stable', start: NOW / 1000 - 3600, end: NOW / 1000 });
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
      readVerifySettings({ ...base, start: '2026-12-02T14:00:00Z', end: '2026-12-02T15:00:00+00:00' }, NOW).comparison,
    ).toMatchObject({
      start: Date.parse('2026-12-02T14:00:00Z') / 1000,
      end: Date.parse('2026-12-02T15:00:00Z') / 1000,
    });
    const s = readVerifySettings({ ...base, end: '1796000000', window: '2h', step: '30s' }, NOW);
    expect(s.comparison).toMatchObject({ start: 1796000000 - 7200 });
    expect(s.stepSeconds).toBe(30);
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

  it.each([
    [{ selector: 'app="api"' }, /^--selector: applies to --compare before-after/],
    [{ compare: 'before-after' }, /^--canary: applies to --compare canary-vs-stable/],
    [{ compare: 'side-by-side' }, /^--compare: got "side-by-side"; expected canary-vs-stable or before-after/],
  ])("keeps the two comparisons' flags apart: %o", (flags, message) => {
    expect(() => readVerifySettings({ ...base, ...flags }, NOW)).toThrow(message);
  });
});

describe('readVerifySettings: before vs after a deploy', () => {
  const ba = { prometheusUrl: 'http://p:9090', selector: 'app="api"', deployTime: '2026-12-02T13:00:00Z' };
  const deploy = Date.parse('2026-12-02T13:00:00Z') / 1000;

  it('is chosen by --deploy-time: an hour before, an hour after five minutes of settling, a day-earlier control', () => {
    const s = readVerifySettings(ba, NOW);
    expect(s.comparison).toEqual({
      kind: 'before-after',
      selector: [{ name: 'app', operator: '=', value: 'api' }],
      deployTime: deploy,
      windows: { before: [deploy - 3600, deploy], after: [deploy + 300, deploy + 3900], controlShift: 86_400 },
    });
  });

  it('takes --window, --settle (at least the rate interval) and --control none or 7d', () => {
    const s = readVerifySettings({ ...ba, window: '30m', settle: '1m', control: 'none' }, NOW);
    expect(s.comparison).toMatchObject({
      windows: { before: [deploy - 1800, deploy], after: [deploy + 60, deploy + 1860], controlShift: null },
    });
    expect(() => readVerifySettings({ ...ba, settle: '0' }, NOW)).toThrow(
      /^--settle: got "0"; expected at least the rate interval \(60s\)/,
    );
    expect(() => readVerifySettings({ ...ba, rateInterval: '10m' }, NOW)).toThrow(
      /^--settle: got "5m"; expected at least the rate interval \(600s\)/,
    );
    expect(readVerifySettings({ ...ba, control: '7d' }, NOW).comparison).toMatchObject({
      windows: { controlShift: 7 * 86_400 },
    });
  });

  it.each([
    [{ selector: undefined }, /^--selector: got nothing; expected label matchers of the service's series/],
    [{ selector: 'app="x"} or vector(1) #' }, /^--selector: /],
    [{ deployTime: 'yesterday' }, /^--deploy-time: got "yesterday"; expected an RFC 3339 time/],
    [{ deployTime: '2026-12-02T15:30:00Z' }, /after window ends at 2026-12-02T16:35:00\.000Z, 35 min from now/],
    [
      { control: '30m' },
      /^--control: got "30m"; expected none, or a shift at least as long as both windows and the settling time \(125 min\)/,
    ],
    [{ canary: 'version="canary"' }, /^--canary: applies to --compare canary-vs-stable/],
    [{ start: '1796000000' }, /^--start: applies to --compare canary-vs-stable/],
    [{ trafficRatio: '0.5' }, /^--traffic-ratio: applies to --compare canary-vs-stable/],
    [{ settle: 'soon' }, /^--settle: /],
  ])('refuses %o naming the flag', (flags, message) => {
    expect(() => readVerifySettings({ ...ba, ...flags }, NOW)).toThrow(InputError);
    expect(() => readVerifySettings({ ...ba, ...flags }, NOW)).toThrow(message);
  });
});
