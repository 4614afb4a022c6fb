import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bestSplit, changePoints, divergenceBySplit } from '../../src/stats/change-points.js';
import { createRandom } from '../../src/stats/prng.js';

// Produced by scripts/reference/e-divisive-reference.py (brute force over every split, from the definition).
const fixturePath = new URL('../fixtures/change-points/reference.json', import.meta.url);
const referenceText = readFileSync(fixturePath, 'utf8');
if (referenceText.trim() === '')
  throw new Error(
    'test/fixtures/change-points/reference.json is empty; regenerate it with scripts/reference/e-divisive-reference.py',
  );
const reference = JSON.parse(referenceText);
const cases: any[] = reference?.cases;
if (!Array.isArray(cases) || cases.length === 0) {
  throw new Error(
    'test/fixtures/change-points/reference.json has no cases; regenerate it with scripts/reference/e-divisive-reference.py',
  );
}

function close(actual: number, expected: number, tolerance = 1e-9): void {
  expect(
    Math.abs(actual - expected) / Math.max(1, Math.abs(expected)),
    `got ${actual}, reference ${expected}`,
  ).toBeLessThanOrEqual(tolerance);
}

/** Latency-like series: 100 ms times a level, log-normal noise of the given sd. */
function latencies(seed: number, length: number, sd: number, stepAt = length, stepFactor = 1): number[] {
  const random = createRandom(seed);
  return Array.from({ length }, (_, i) => 100 * (i >= stepAt ? stepFactor : 1) * Math.exp(sd * random.normal()));
}

describe('E-divisive agrees with the brute-force reference', () => {
  it('draws the same permutations (the generator port matches createRandom)', () => {
    const random = createRandom(42);
    for (const expected of reference.prng_seed42_first) expect(random.next()).toBe(expected);
  });

  it.each(cases.map((c): [string, any] => [c.name, c]))('%s: divergence at every split', (_name, c) => {
    const q = divergenceBySplit(c.values);
    expect(q).toHaveLength(c.divergenceBySplit.length);
    for (const [i, value] of q.entries()) close(value, c.divergenceBySplit[i]);
  });

  it.each(cases.map((c): [string, any] => [c.name, c]))('%s: change points, statistics and p-values', (_name, c) => {
    const result = changePoints(c.values, {
      minSegmentSize: c.minSegmentSize,
      significance: c.significance,
      maxChangePoints: c.maxChangePoints,
      permutations: c.permutations,
      seed: c.seed,
    });
    const inOrderFound = [...result.changePoints].sort((a, b) => a.discoveryOrder - b.discoveryOrder);
    expect(inOrderFound.map((p) => p.index)).toEqual(c.changePoints.map((p: any) => p.index));
    inOrderFound.forEach((p, i) => {
      close(p.statistic, c.changePoints[i].statistic);
      expect(p.pValue).toBeCloseTo(c.changePoints[i].pValue, 12);
    });
    if (c.rejected === null) expect(result.rejected).toBeNull();
    else {
      expect(result.rejected?.index).toBe(c.rejected.index);
      close(result.rejected!.statistic, c.rejected.statistic);
      expect(result.rejected?.pValue).toBeCloseTo(c.rejected.pValue, 12);
    }
  });

  it('the fixture holds found and refused splits (so the comparison above tests both paths)', () => {
    expect(cases.flatMap((c) => c.changePoints).length).toBeGreaterThanOrEqual(4);
    expect(cases.some((c) => c.changePoints.length === 0)).toBe(true);
  });
});

describe('change points on simulated histories', () => {
  it('finds a clear 10 % step at its index, with a small p-value and the shift as a relative change', () => {
    const values = latencies(5, 40, 0.03, 20, 1.1);
    const result = changePoints(values, { minSegmentSize: 5, significance: 0.05, maxChangePoints: 3 });
    expect(result.changePoints).toHaveLength(1);
    const [point] = result.changePoints;
    expect(point!.index).toBe(20);
    expect(point!.pValue).toBeLessThanOrEqual(0.01);
    expect(point!.confidence).toBeCloseTo(1 - point!.pValue, 12);
    expect(point!.relativeChange).toBeGreaterThan(0.07);
    expect(point!.relativeChange).toBeLessThan(0.13);
    expect(point!.meanRatio).toBeGreaterThan(1.07);
    expect(point!.before).toMatchObject({ start: 0, end: 20 });
    expect(point!.after).toMatchObject({ start: 20, end: 40 });
    expect(result.stoppedBy).toBe('significance');
  });

  it('reports an improvement as a negative relative change and no ratio for a series around zero', () => {
    const faster = changePoints(latencies(8, 30, 0.02, 15, 0.9), {
      minSegmentSize: 4,
      significance: 0.05,
      maxChangePoints: 2,
    });
    // The first split found is the step; (each later split is tested at the same level, so a spurious one can follow).
    const step = faster.changePoints.find((p) => p.discoveryOrder === 1)!;
    expect(step.index).toBe(15);
    expect(step.relativeChange).toBeLessThan(-0.05);
    const random = createRandom(3);
    const logRatios = Array.from({ length: 30 }, (_, i) => (i >= 15 ? 0.08 : -0.01) + 0.02 * random.normal());
    const options = { minSegmentSize: 4, significance: 0.05, maxChangePoints: 1 };
    const point = changePoints(logRatios, options).changePoints[0]!;
    expect(point.index).toBe(15);
    expect(point.meanDifference).toBeGreaterThan(0.06);
    expect(logRatios.some((v) => v < 0)).toBe(true);
    expect(point.relativeChange).toBeNull();
    expect(point.meanRatio).toBeNull();
    const onLogScale = changePoints(logRatios, { ...options, scale: 'log' }).changePoints[0]!;
    expect(onLogScale.index).toBe(15);
    expect(onLogScale.meanRatio).toBeCloseTo(Math.exp(point.meanDifference), 12);
    expect(onLogScale.relativeChange).toBeCloseTo(Math.expm1(onLogScale.after.median - onLogScale.before.median), 12);
    expect(onLogScale.relativeChange).toBeGreaterThan(0.06);
  });

  it('keeps the false-positive rate on pure noise near the stated level', () => {
    const series = 400;
    let withAChange = 0;
    for (let seed = 1; seed <= series; seed++) {
      const result = changePoints(latencies(1000 + seed, 30, 0.04), {
        minSegmentSize: 3,
        significance: 0.05,
        maxChangePoints: 3,
        permutations: 99,
        seed,
      });
      if (result.changePoints.length > 0) withAChange++;
    }
    // Under exchangeable noise P(p <= 0.05) is 5/100 exactly with 99 permutations; 400 series put
    // three standard errors at ±3.3 points.
    expect(withAChange / series).toBeGreaterThan(0.015);
    expect(withAChange / series).toBeLessThan(0.085);
  });

  it('never leaves fewer than minSegmentSize values on either side of a change', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = createRandom(seed);
      const at = 1 + random.integer(8);
      const values = latencies(seed, 24, 0.02, at, 1.3);
      const result = changePoints(values, {
        minSegmentSize: 4,
        significance: 0.1,
        maxChangePoints: 5,
        permutations: 49,
        seed,
      });
      const bounds = [0, ...result.changePoints.map((p) => p.index), values.length];
      for (let i = 1; i < bounds.length; i++) expect(bounds[i]! - bounds[i - 1]!).toBeGreaterThanOrEqual(4);
      for (const p of result.changePoints) expect(p.after.start - p.before.start).toBeGreaterThanOrEqual(4);
    }
    // A step 2 values in cannot be placed there with segments of at least 4.
    expect(bestSplit(latencies(1, 20, 0.01, 2, 1.5), 0, 20, 4)!.index).toBeGreaterThanOrEqual(4);
    expect(bestSplit([1, 2, 3, 4, 5, 6, 7], 0, 7, 4)).toBeNull();
  });

  it('gives the same answer for the same seed, and p-values that depend on the seed only through the permutations', () => {
    const values = latencies(12, 36, 0.04, 18, 1.04);
    const options = { minSegmentSize: 4, significance: 0.2, maxChangePoints: 3 };
    expect(changePoints(values, { ...options, seed: 9 })).toEqual(changePoints(values, { ...options, seed: 9 }));
    const first = changePoints(values, { ...options, seed: 9 });
    const second = changePoints(values, { ...options, seed: 10 });
    const statistic = (r: typeof first) => r.changePoints[0]?.statistic ?? r.rejected?.statistic;
    expect(statistic(first)).toBe(statistic(second));
  });

  it('stops at maxChangePoints and names the input it refuses', () => {
    const values = [
      ...latencies(1, 15, 0.01),
      ...latencies(2, 15, 0.01).map((v) => v * 1.3),
      ...latencies(3, 15, 0.01).map((v) => v * 1.7),
    ];
    const one = changePoints(values, { minSegmentSize: 5, significance: 0.05, maxChangePoints: 1 });
    expect(one.changePoints).toHaveLength(1);
    expect(one.stoppedBy).toBe('max-change-points');
    const both = changePoints(values, { minSegmentSize: 5, significance: 0.05, maxChangePoints: 4 });
    expect(both.changePoints.map((p) => p.index)).toEqual([15, 30]);
    expect(() => changePoints(values, { minSegmentSize: 1, significance: 0.05, maxChangePoints: 1 })).toThrow(
      /minSegmentSize/,
    );
    expect(() => changePoints(values, { minSegmentSize: 3, significance: 1, maxChangePoints: 1 })).toThrow(
      /significance/,
    );
    expect(() =>
      changePoints([1, Number.NaN, 2], { minSegmentSize: 2, significance: 0.05, maxChangePoints: 1 }),
    ).toThrow(/finite/);
  });
});
