import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/config/targets.js';
import { InputError } from '../../src/errors.js';
import { CLIENT_METRICS, type MetricInfo } from '../../src/model/round-record.js';

const METRICS: MetricInfo[] = [
  ...CLIENT_METRICS,
  { name: 'pipeline_time', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pipeline' },
  {
    name: 'early_exit_rate',
    unit: 'ratio',
    direction: 'higher-is-better',
    source: 'server',
    description: 'early exits',
  },
  { name: 'pool_wait_p95', unit: 'ms', direction: 'lower-is-better', source: 'server', description: 'pool wait' },
  { name: 'searches', unit: 'count', direction: 'higher-is-better', source: 'server', description: 'searches' },
];

const parse = (text: string) => parseTarget(text, METRICS, "config key 'targets[0]'");
function errorOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('relative targets', () => {
  it.each([
    ['pipeline_time improves >= 20%', 0.2],
    ['pipeline_time improves by at least 25%', 0.25],
    ['pipeline_time improves 12.5%', 0.125],
    ['  pipeline_time   improves  >=  20 %  ', 0.2],
  ])('"%s" is an improvement floor of %d', (text, share) => {
    const target = parse(text);
    expect(target).toMatchObject({ kind: 'improvement', metric: 'pipeline_time' });
    expect((target as { minImprovement: number }).minImprovement).toBeCloseTo(share, 12);
  });

  it('keeps the expression with whitespace collapsed, for the report', () => {
    expect(parse('  pipeline_time   improves  >=  20 %  ').expression).toBe('pipeline_time improves >= 20 %');
  });

  it.each([
    ['latency_p95 worsens <= 5%', 0.05],
    ['latency_p95 worsens by at most 10%', 0.1],
    ['latency_p95 regresses <= 0%', 0],
    ['throughput worsens <= 3%', 0.03],
  ])('"%s" is a regression guard of %d', (text, share) => {
    const target = parse(text);
    expect(target.kind).toBe('regression');
    expect((target as { maxRegression: number }).maxRegression).toBeCloseTo(share, 12);
  });

  it('refuses "improves <= N%" and says how to write it', () => {
    const message = errorOf('pipeline_time improves <= 20%');
    expect(message).toContain("config key 'targets[0]'");
    expect(message).toContain('"improves >= N%"');
    expect(message).toContain('"worsens <= N%"');
  });

  it('refuses "worsens >= N%"', () => {
    expect(errorOf('latency_p95 worsens >= 5%')).toContain('a regression guard is written "worsens <= N%"');
  });

  it('refuses an improvement of 0 % or of 100 % or more on a lower-is-better metric', () => {
    expect(errorOf('pipeline_time improves >= 0%')).toContain('got 0%');
    expect(errorOf('pipeline_time improves >= 100%')).toContain('must be above 0% and below 100%');
  });

  // BUG (src/config/targets.ts:45): a higher-is-better metric can improve by 100 % or more
  // ("throughput doubles"), and evaluate-targets.ts:190 accepts minImprovement >= 1 for such metrics,
  // but the parser refuses it for every metric.
  it('[BUG] accepts "throughput improves >= 100%" (doubling) on a higher-is-better metric', () => {
    const target = parse('throughput improves >= 100%');
    expect(target).toMatchObject({ kind: 'improvement', metric: 'throughput', minImprovement: 1 });
  });
});

describe('absolute targets and units', () => {
  it('"pool_wait_p95 < 10ms" is 10 in the metric unit (ms)', () => {
    expect(parse('pool_wait_p95 < 10ms')).toEqual({
      kind: 'absolute',
      expression: 'pool_wait_p95 < 10ms',
      metric: 'pool_wait_p95',
      comparator: '<',
      threshold: 10,
    });
  });

  it('"pool_wait_p95 < 0.01s" is the same 10 ms', () => {
    const target = parse('pool_wait_p95 < 0.01s') as { threshold: number };
    expect(target.threshold).toBeCloseTo(10, 9);
  });

  it('"early_exit_rate >= 30%" is the ratio 0.3, and so is ">= 0.3"', () => {
    const percent = parse('early_exit_rate >= 30%') as { threshold: number; comparator: string };
    expect(percent.comparator).toBe('>=');
    expect(percent.threshold).toBeCloseTo(0.3, 12);
    expect((parse('early_exit_rate >= 0.3') as { threshold: number }).threshold).toBeCloseTo(0.3, 12);
  });

  it('throughput in req/s, rps or no unit', () => {
    for (const text of [
      'throughput >= 35 req/s',
      'throughput >= 35req/s',
      'throughput >= 35 rps',
      'throughput >= 35',
    ]) {
      expect(parse(text)).toMatchObject({ kind: 'absolute', metric: 'throughput', comparator: '>=', threshold: 35 });
    }
  });

  it.each(['<', '<=', '>', '>='] as const)('comparator %s', (comparator) => {
    expect(parse(`latency_p99 ${comparator} 250ms`)).toMatchObject({ comparator, threshold: 250 });
  });

  it('a count metric takes a bare number', () => {
    expect(parse('searches >= 100')).toMatchObject({ threshold: 100 });
  });

  it('a unit that does not fit the metric names both units and the allowed ones', () => {
    const message = errorOf('pool_wait_p95 < 10%');
    expect(message).toBe(
      `config key 'targets[0]': "pool_wait_p95 < 10%" gives a threshold in %, but pool_wait_p95 is measured in ms; allowed: ms, s`,
    );
    expect(errorOf('pool_wait_p95 < 10')).toContain('gives a threshold in no unit');
    expect(errorOf('throughput > 5ms')).toContain('allowed: req/s, rps, no unit');
    expect(errorOf('searches > 5%')).toContain('allowed: no unit');
  });

  it('an unknown metric lists the known ones', () => {
    const message = errorOf('pool_wiat_p95 < 10ms');
    expect(message).toContain("unknown metric 'pool_wiat_p95'");
    expect(message).toContain('known metrics: latency_p50, latency_p90');
    expect(message).toContain('pool_wait_p95');
  });

  it.each([
    '',
    'latency_p95',
    'latency_p95 fast',
    'latency_p95 == 5ms',
    'latency_p95 < 5 hours',
    '< 5ms',
    'latency_p95 improves 20',
  ])('malformed "%s" shows the three accepted forms', (text) => {
    const message = errorOf(text);
    expect(message).toContain('cannot read target');
    expect(message).toContain(
      '"<metric> improves >= N%", "<metric> worsens <= N%" or "<metric> <|<=|>|>= <value>[ms|s|%|req/s]"',
    );
  });
});
