import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseExposition } from '../../src/metrics/parse-exposition.js';

function family(text: string, name: string, options?: Parameters<typeof parseExposition>[1]) {
  const found = parseExposition(text, options).families.get(name);
  if (found === undefined) throw new Error(`no family ${name}`);
  return found;
}

function parseError(text: string, options?: Parameters<typeof parseExposition>[1]): InputError {
  try {
    parseExposition(text, options);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseExposition: Prometheus text format 0.0.4', () => {
  const text = [
    '# A free comment is ignored',
    '# HELP http_requests_total The total number of HTTP requests.\\nSecond line with a \\\\ backslash.',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400",} 3 1395066363000',
    '',
    'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
    'metric_without_timestamp_and_labels 12.47',
    'something_weird{problem="division by zero"} +Inf -3982045',
    'minus_inf -Inf',
    'not_a_number NaN',
    '  indented_sample { a = "1" }   5  ',
    '# HELP rpc_duration_seconds A summary of the RPC duration in seconds.',
    '# TYPE rpc_duration_seconds summary',
    'rpc_duration_seconds{quantile="0.01"} 3102',
    'rpc_duration_seconds{quantile="0.99"} 76656',
    'rpc_duration_seconds_sum 1.7560473e+07',
    'rpc_duration_seconds_count 2693',
  ].join('\n');

  it('reads HELP (with escapes), TYPE, labels, values and millisecond timestamps', () => {
    const requests = family(text, 'http_requests_total');
    expect(requests.type).toBe('counter');
    expect(requests.help).toBe('The total number of HTTP requests.\nSecond line with a \\ backslash.');
    expect(requests.samples).toHaveLength(2);
    expect(requests.samples[0]).toMatchObject({ name: 'http_requests_total', value: 1027, timestampMs: 1395066363000 });
    expect({ ...requests.samples[1]!.labels }).toEqual({ method: 'post', code: '400' });
  });

  it('unescapes \\\\, \\" and \\n in label values', () => {
    const sample = family(text, 'msdos_file_access_time_seconds').samples[0]!;
    expect(sample.labels.path).toBe('C:\\DIR\\FILE.TXT');
    expect(sample.labels.error).toBe('Cannot find file:\n"FILE.TXT"');
    expect(sample.value).toBe(1.458255915e9);
  });

  it('reads +Inf, -Inf and NaN values, negative timestamps and whitespace around labels', () => {
    const weird = family(text, 'something_weird').samples[0]!;
    expect(weird.value).toBe(Infinity);
    expect(weird.timestampMs).toBe(-3982045);
    expect(family(text, 'minus_inf').samples[0]!.value).toBe(-Infinity);
    expect(family(text, 'not_a_number').samples[0]!.value).toBeNaN();
    expect(family(text, 'indented_sample').samples[0]).toMatchObject({ value: 5, labels: { a: '1' } });
  });

  it('gives samples without metadata an untyped family of their own', () => {
    const plain = family(text, 'metric_without_timestamp_and_labels');
    expect(plain.type).toBe('untyped');
    expect(plain.samples[0]!.value).toBe(12.47);
  });

  it('keeps summary quantiles, _sum and _count in one family', () => {
    const summary = family(text, 'rpc_duration_seconds');
    expect(summary.type).toBe('summary');
    expect(summary.samples.map((s) => s.name)).toEqual([
      'rpc_duration_seconds',
      'rpc_duration_seconds',
      'rpc_duration_seconds_sum',
      'rpc_duration_seconds_count',
    ]);
    expect(summary.samples[1]!.labels.quantile).toBe('0.99');
  });

  it('detects the format: no # EOF means 0.0.4', () => {
    expect(parseExposition(text).format).toBe('prometheus-text-0.0.4');
  });

  it('accepts \\r\\n line ends and an empty document', () => {
    expect(family('# TYPE a gauge\r\na 1\r\n', 'a').samples[0]!.value).toBe(1);
    expect(parseExposition('').families.size).toBe(0);
  });

  it('keeps a label called __proto__ as an ordinary label', () => {
    const sample = family('x{__proto__="polluted"} 1', 'x').samples[0]!;
    // biome-ignore lint/suspicious/noProto: a label named __proto__ is the hostile input under test
    expect(sample.labels.__proto__).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseExposition: OpenMetrics 1.0', () => {
  const text = [
    '# TYPE acme_http_router_request_seconds histogram',
    '# UNIT acme_http_router_request_seconds seconds',
    "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.",
    'acme_http_router_request_seconds_bucket{path="/api/v1",method="GET",le="0.1"} 5 # {trace_id="KOO5S4vxi0o"} 0.067 1520879607.789',
    'acme_http_router_request_seconds_bucket{path="/api/v1",method="GET",le="1.0"} 8',
    'acme_http_router_request_seconds_bucket{path="/api/v1",method="GET",le="+Inf"} 9 # {trace_id="oHg5SJYRHA0"} 9.8',
    'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 12.5',
    'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 9',
    'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1520430000.123',
    '# TYPE foo counter',
    'foo_total 17.0 1520879607.789',
    'foo_created 1520430000.123 1520879607.789',
    '# TYPE queue_depth gaugehistogram',
    'queue_depth_bucket{le="1"} 2',
    'queue_depth_bucket{le="+Inf"} 3',
    'queue_depth_gcount 3',
    'queue_depth_gsum 4',
    '# TYPE build info',
    'build_info{version="1.0"} 1',
    '# TYPE state stateset',
    'state{state="a"} 1',
    'state{state="b"} 0',
    '# TYPE mystery unknown',
    'mystery 42',
    '# EOF',
  ].join('\n');

  it('detects OpenMetrics by the trailing # EOF', () => {
    expect(parseExposition(text).format).toBe('openmetrics-1.0');
  });

  it('reads UNIT, exemplars with and without a timestamp, and _created samples', () => {
    const histogram = family(text, 'acme_http_router_request_seconds');
    expect(histogram.type).toBe('histogram');
    expect(histogram.unit).toBe('seconds');
    expect(histogram.samples).toHaveLength(6);
    expect(histogram.samples[0]!.exemplar).toEqual({
      labels: { trace_id: 'KOO5S4vxi0o' },
      value: 0.067,
      timestampMs: 1520879607789,
    });
    expect(histogram.samples[2]!.exemplar).toEqual({ labels: { trace_id: 'oHg5SJYRHA0' }, value: 9.8 });
    expect(histogram.samples[1]!.exemplar).toBeUndefined();
    expect(histogram.samples[5]).toMatchObject({
      name: 'acme_http_router_request_seconds_created',
      value: 1520430000.123,
    });
  });

  it('puts foo_total and foo_created in counter family foo, with timestamps in seconds read as ms', () => {
    const foo = family(text, 'foo');
    expect(foo.type).toBe('counter');
    expect(foo.samples.map((s) => s.name)).toEqual(['foo_total', 'foo_created']);
    expect(foo.samples[0]!.timestampMs).toBeCloseTo(1520879607789, 3);
  });

  it('reads gauge histograms, info, stateset and unknown families', () => {
    expect(family(text, 'queue_depth').samples.map((s) => s.name)).toEqual([
      'queue_depth_bucket',
      'queue_depth_bucket',
      'queue_depth_gcount',
      'queue_depth_gsum',
    ]);
    expect(family(text, 'build').samples[0]!.name).toBe('build_info');
    expect(family(text, 'state').samples).toHaveLength(2);
    expect(family(text, 'mystery').type).toBe('unknown');
  });

  it('rejects content after # EOF and a forced OpenMetrics document without it', () => {
    expect(parseError(`${text}\nlate 1\n`).message).toMatch(/line 26: content after "# EOF"/);
    expect(parseError('a 1\n', { format: 'openmetrics' }).message).toMatch(/does not end with "# EOF"/);
  });
});

describe('parseExposition rejects malformed input, naming the line and the problem', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a value that is not a number', 'ok 1\nbad one', /line 2: invalid value "one" for bad/],
    ['a sample without value', 'lonely', /line 1: sample lonely has no value/],
    ['an unterminated label set', 'x{a="1" 2', /line 1: expected "," or "}" after the value of label a/],
    ['an unterminated label value', 'x{a="1} 2', /line 1: unterminated value for label a/],
    ['an invalid escape', 'x{a="\\t"} 1', /line 1: invalid escape "\\t" in the value of label a/],
    ['a duplicate label', 'x{a="1",a="2"} 1', /line 1: duplicate label a/],
    ['an unquoted label value', 'x{a=1} 1', /line 1: expected a quoted value for label a/],
    ['a second TYPE line', '# TYPE x gauge\n# TYPE x counter', /line 2: second # TYPE line for x/],
    ['an unknown type', '# TYPE x timer', /line 1: unknown metric type "timer" for x/],
    ['a TYPE line after the samples', 'x 1\n# TYPE x gauge', /line 2: # TYPE line for x comes after its samples/],
    [
      'a histogram bucket without le',
      '# TYPE h histogram\nh_bucket{a="1"} 1',
      /line 2: histogram bucket h_bucket has no "le" label/,
    ],
    ['a histogram bucket with a bad le', '# TYPE h histogram\nh_bucket{le="fast"} 1', /line 2: .*invalid le="fast"/],
    [
      'a summary quantile without quantile label',
      '# TYPE s summary\ns 1',
      /line 2: summary sample s has no "quantile" label/,
    ],
    ['text after the timestamp', 'x 1 2 3', /line 1: unexpected text after the value of x/],
    [
      'a non-integer 0.0.4 timestamp',
      'x 1 1.5',
      /line 1: invalid timestamp "1.5" for x \(expected integer milliseconds\)/,
    ],
    ['a bad metric name', '9lives 1', /line 1: expected a metric name, found "9"/],
    ['an exemplar without value', 'x_total 1 # {a="b"}\n# EOF', /line 1: exemplar of x_total has no value/],
    ['JavaScript-only number syntax', 'x 0x10', /line 1: invalid value "0x10" for x/],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what}`, () => {
      const error = parseError(text);
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(message);
    });
  }
});
