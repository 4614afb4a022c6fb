import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { ServerMetricDefinition } from '../../src/metrics/server-metric-definition.js';
import { trafficQuery, variantQuery } from '../../src/verify/canary-analysis.js';
import { matcherText, parseLabelMatchers } from '../../src/verify/label-matcher.js';

const parse = (text: string) => parseLabelMatchers(text, '--canary');

describe('parseLabelMatchers', () => {
  it('reads =, !=, =~ and !~ matchers, several separated by commas, spaces allowed between them', () => {
    expect(parse('version="canary"')).toEqual([{ name: 'version', operator: '=', value: 'canary' }]);
    expect(parse(' version =~ "canary|next" , region!="ams",app!~"old.*" ')).toEqual([
      { name: 'version', operator: '=~', value: 'canary|next' },
      { name: 'region', operator: '!=', value: 'ams' },
      { name: 'app', operator: '!~', value: 'old.*' },
    ]);
  });

  it('reads \\" and \\\\ inside a value and writes them back escaped', () => {
    const [m] = parse('note="say \\"hi\\" \\\\o/"');
    expect(m!.value).toBe('say "hi" \\o/');
    expect(matcherText(m!)).toBe('note="say \\"hi\\" \\\\o/"');
  });

  it.each([
    ['a value that closes the selector and adds an expression', 'version="x"} or vector(1) #"'],
    ['an unescaped quote ending the value early', 'version="a"b"'],
    ['a selector closed after the value', 'version="canary"}'],
    ['a second expression after a matcher', 'version="canary" or up'],
    ['a newline in the value', 'version="can\nary"'],
    ['an escape other than \\" and \\\\', 'version="\\x41"'],
    ['a single-quoted value', "version='canary'"],
    ['a backquoted value', 'version=`canary`'],
    ['no value', 'version='],
    ['an unclosed value', 'version="canary'],
    ['a reserved label name', '__name__="up"'],
    ['a label name with a brace', 'ver{sion="x"'],
    ['a label name that is a function call', 'sum(version)="x"'],
    ['no operator', 'version "x"'],
    ['nothing at all', '   '],
    ['a trailing comma', 'version="canary",'],
    ['a lookahead, which RE2 does not support', 'version=~"(?!stable).*"'],
    ['an invalid regular expression', 'version=~"(canary"'],
  ])('refuses %s with an InputError naming the flag', (_why, text) => {
    expect(() => parse(text)).toThrow(InputError);
    expect(() => parse(text)).toThrow(/^--canary: /);
  });

  it('escapes what it accepted, so the PromQL holds exactly the matchers given', () => {
    const text = matcherText(parse('version="a\\"} or vector(1) # "')[0]!);
    expect(text).toBe('version="a\\"} or vector(1) # "');
  });
});

describe('variantQuery: the config metric with the variant matchers in every selector', () => {
  const canary = parse('version="canary"');
  it('adds the matchers after the metric own labels, in numerator and denominator alike', () => {
    const ratio: ServerMetricDefinition = {
      name: 'early_exit_rate',
      kind: 'counter_ratio',
      metric: 'rag_early_exit_total',
      labels: { route: '/search' },
      denominator: { metric: 'rag_searches_total' },
      unit: 'ratio',
      direction: 'higher-is-better',
    };
    expect(variantQuery(ratio, canary, '1m')).toBe(
      'sum (rate(rag_early_exit_total{route="/search",version="canary"}[1m])) / sum (rate(rag_searches_total{version="canary"}[1m]))',
    );
  });

  it('builds a histogram mean in ms and a quantile by le with the matchers', () => {
    const mean: ServerMetricDefinition = {
      name: 'pipeline_time',
      kind: 'histogram_mean',
      metric: 'rag_pipeline_duration_seconds',
      labels: { step: 'total' },
      unit: 'ms',
      direction: 'lower-is-better',
    };
    expect(variantQuery(mean, canary, '1m')).toBe(
      '1000 * (sum (rate(rag_pipeline_duration_seconds_sum{step="total",version="canary"}[1m])) / sum (rate(rag_pipeline_duration_seconds_count{step="total",version="canary"}[1m])))',
    );
    const p95: ServerMetricDefinition = { ...mean, kind: 'histogram_quantile', quantile: 0.95, labels: undefined };
    expect(variantQuery(p95, parse('version=~"canary|next"'), '2m')).toBe(
      '1000 * (histogram_quantile(0.95, sum by (le) (rate(rag_pipeline_duration_seconds_bucket{version=~"canary|next"}[2m]))))',
    );
    expect(trafficQuery(mean, canary, '1m')).toBe(
      'sum (rate(rag_pipeline_duration_seconds_count{step="total",version="canary"}[1m]))',
    );
  });

  it('refuses a gauge as the traffic metric', () => {
    const gauge: ServerMetricDefinition = {
      name: 'pool_idle',
      kind: 'gauge',
      metric: 'pool_idle',
      unit: 'count',
      direction: 'higher-is-better',
    };
    expect(() => trafficQuery(gauge, canary, '1m')).toThrow(/does not count requests/);
  });
});
