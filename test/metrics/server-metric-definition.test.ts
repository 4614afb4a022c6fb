import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { validateDefinitions } from '../../src/metrics/server-metric-definition.js';

const good = {
  name: 'pipeline_p95',
  kind: 'histogram_quantile',
  metric: 'rag_pipeline_duration_seconds',
  labels: { step: 'total' },
  quantile: 0.95,
  unit: 'ms',
  direction: 'lower-is-better',
};
const ratio = {
  name: 'early_exit_rate',
  kind: 'counter_ratio',
  metric: 'rag_early_exit_total',
  denominator: { metric: 'rag_searches_total' },
  unit: 'ratio',
  direction: 'higher-is-better',
};

function messageFor(defs: unknown): string {
  try {
    validateDefinitions(defs);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError');
}

describe('validateDefinitions', () => {
  it('accepts well-formed definitions and returns them typed', () => {
    expect(validateDefinitions([good, ratio])).toEqual([good, ratio]);
  });

  it.each([
    ['a quantile above 1', [{ ...good, quantile: 1.5 }], 'metrics[0].quantile: got 1.5; expected a number from 0 to 1'],
    ['a quantile missing', [{ ...good, quantile: undefined }], 'metrics[0].quantile: got nothing'],
    ['a quantile given as text', [{ ...good, quantile: '0.9' }], 'metrics[0].quantile: got "0.9"'],
    ['a quantile on a mean', [{ ...good, kind: 'histogram_mean' }], 'metrics[0].quantile: got 0.95; expected no quantile'],
    ['a ratio without denominator', [{ ...ratio, denominator: undefined }], 'metrics[0].denominator: got nothing; expected a mapping'],
    ['a denominator with a bad metric', [{ ...ratio, denominator: { metric: 'rag searches' } }], 'metrics[0].denominator.metric: got "rag searches"'],
    ['a denominator on a rate', [{ ...ratio, kind: 'counter_rate', unit: 'req/s' }], 'metrics[0].denominator: got {"metric":"rag_searches_total"}; expected no denominator'],
    ['an unknown kind', [{ ...good, kind: 'histogram_median' }], 'metrics[0].kind: got "histogram_median"; expected one of histogram_mean'],
    ['a unit that does not fit the kind', [{ ...ratio, unit: 'ms' }], 'metrics[0].unit: got "ms"; expected for kind counter_ratio: ratio'],
    ['an unknown unit', [{ ...good, unit: 'seconds' }], 'metrics[0].unit: got "seconds"; expected one of ms, ratio, req/s, count'],
    ['an unknown direction', [{ ...good, direction: 'down' }], 'metrics[0].direction: got "down"'],
    ['an invalid metric name', [{ ...good, metric: 'rag-pipeline' }], 'metrics[0].metric: got "rag-pipeline"'],
    ['a numeric label value', [{ ...good, labels: { code: 200 } }], 'metrics[0].labels.code: got 200; expected a string'],
    ['an le matcher on a histogram', [{ ...good, labels: { le: '0.1' } }], 'metrics[0].labels.le: got "0.1"; expected no le matcher'],
    ['a typo in a key', [{ ...good, quantiel: 0.9 }], 'metrics[0].quantiel: got 0.9; expected no such key'],
    ['a duplicate name', [good, { ...good }], 'metrics[1].name: got "pipeline_p95"; expected a name not used by another server metric'],
    ['a client metric name', [{ ...good, name: 'latency_p95' }], 'metrics[0].name: got "latency_p95"; expected a name not used by a client metric'],
    ['a name with spaces', [{ ...good, name: 'pipeline time' }], 'metrics[0].name: got "pipeline time"'],
    ['not a list', { ...good }, 'metrics: got {'],
  ])('rejects %s, naming the key', (_what, defs, expected) => {
    expect(messageFor(defs)).toContain(expected);
  });
});
