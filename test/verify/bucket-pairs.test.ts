import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import { pairBuckets } from '../../src/verify/bucket-pairs.js';

const series = (values: [number, number][]) => [{ metric: {}, values }];

describe('pairBuckets', () => {
  it('pairs by bucket time and counts the buckets only one variant has', () => {
    const pairing = pairBuckets(
      series([
        [60, 1],
        [120, 2],
        [180, 3],
        [300, 5],
      ]),
      series([
        [120, 20],
        [180, 30],
        [240, 40],
        [300, 50],
      ]),
      'm',
    );
    expect(pairing.pairs).toEqual([
      { time: 120, canary: 2, stable: 20 },
      { time: 180, canary: 3, stable: 30 },
      { time: 300, canary: 5, stable: 50 },
    ]);
    expect(pairing.onlyCanary).toBe(1);
    expect(pairing.onlyStable).toBe(1);
  });

  it('treats NaN (a mean over a bucket without requests) and infinities as no value', () => {
    const pairing = pairBuckets(
      series([
        [60, Number.NaN],
        [120, 2],
        [180, Number.POSITIVE_INFINITY],
      ]),
      series([
        [60, 1],
        [120, 2],
        [180, 3],
      ]),
      'm',
    );
    expect(pairing.pairs.map((p) => p.time)).toEqual([120]);
    expect(pairing.onlyStable).toBe(2);
    expect(pairing.onlyCanary).toBe(0);
  });

  it('matches float step times written alike in both answers', () => {
    const pairing = pairBuckets(series([[1733150400.5, 1]]), series([[1733150400.5, 2]]), 'm');
    expect(pairing.pairs).toHaveLength(1);
  });

  it('an empty answer pairs nothing, and more than one series is refused', () => {
    expect(pairBuckets([], series([[60, 1]]), 'm')).toEqual({ pairs: [], onlyCanary: 0, onlyStable: 1 });
    const two = [...series([[60, 1]]), ...series([[60, 2]])];
    expect(() => pairBuckets(two, series([[60, 1]]), 'pipeline_time')).toThrow(InfrastructureError);
    expect(() => pairBuckets(two, series([[60, 1]]), 'pipeline_time')).toThrow(/canary query answered 2 series/);
  });
});
