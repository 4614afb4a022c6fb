import { describe, expect, it } from 'vitest';
import { intervalReach, samplesToDecide } from '../../src/stats/detectable.js';
import { normalQuantile, studentTQuantile } from '../../src/stats/distributions.js';
import { hodgesLehmann } from '../../src/stats/hodges-lehmann.js';
import { createRandom } from '../../src/stats/prng.js';

describe('intervalReach', () => {
  it('puts the detectable distance at h · (1 + t_power / z) for a symmetric interval', () => {
    const reach = intervalReach([-0.1, 0.1], 0, 0.98, 10, 0.8)!;
    const z = normalQuantile(0.99);
    expect(reach.distance).toBeCloseTo(0.1 * (1 + studentTQuantile(0.8, 9) / z), 12);
    expect(reach.spreadPerSample).toBeCloseTo((0.1 / z) * Math.sqrt(10), 12);
  });
  it('is never smaller than the interval half-width, and uses the wider side of an asymmetric interval', () => {
    const reach = intervalReach([-0.02, 0.1], 0.01, 0.99, 12, 0.8)!;
    expect(reach.distance).toBeGreaterThan(0.09);
  });
  it('is null for an unbounded interval, a level or power outside (0, 1), or fewer than two samples', () => {
    expect(intervalReach([-Infinity, Infinity], 0, 0.98, 5, 0.8)).toBeNull();
    expect(intervalReach([-0.1, 0.1], 0, 1, 10, 0.8)).toBeNull();
    expect(intervalReach([-0.1, 0.1], 0, 0.98, 10, 1)).toBeNull();
    expect(intervalReach([-0.1, 0.1], 0, 0.98, 1, 0.8)).toBeNull();
  });
  it('is met: with normal data and a Hodges–Lehmann interval, a truth that far from the threshold is decided about `power` of the time', () => {
    // Reach from one A/A sample of 20 values, then 2,000 fresh samples with the truth at that distance.
    const random = createRandom(7);
    const sample = (shift: number) => Array.from({ length: 20 }, () => shift + 0.05 * random.normal());
    const level = 0.98;
    const reaches: number[] = [];
    for (let i = 0; i < 200; i++) {
      const values = sample(0);
      const hl = hodgesLehmann(values, level);
      reaches.push(intervalReach(hl.interval, hl.estimate, level, values.length, 0.8)!.distance);
    }
    reaches.sort((a, b) => a - b);
    const typical = reaches[100]!;
    let decided = 0;
    for (let i = 0; i < 2_000; i++) if (hodgesLehmann(sample(typical), level).interval[0] > 0) decided += 1;
    // 2,000 draws: ± 1.8 points at 80 %; the figure must be at least near the promised power.
    expect(decided / 2_000).toBeGreaterThan(0.75);
    expect(decided / 2_000).toBeLessThan(0.9);
  });
});

describe('samplesToDecide', () => {
  it('is the smallest n reaching the distance (normal-theory n ≈ ((z.99 + z.8) s / d)² ≈ 40 for s = 1, d = 0.5)', () => {
    const n = samplesToDecide(0.5, 1, 0.02, 0.8)!;
    const reach = (k: number) => (studentTQuantile(0.99, k - 1) + studentTQuantile(0.8, k - 1)) / Math.sqrt(k);
    expect(reach(n)).toBeLessThanOrEqual(0.5);
    expect(reach(n - 1)).toBeGreaterThan(0.5);
    expect(n).toBeGreaterThanOrEqual(41);
    expect(n).toBeLessThanOrEqual(44);
  });
  it('never goes below the floor a distribution-free interval needs, and is null where nothing decides', () => {
    expect(samplesToDecide(10, 0.01, 0.02, 0.8, 9)).toBe(9);
    expect(samplesToDecide(0, 1, 0.02, 0.8)).toBeNull();
    expect(samplesToDecide(1e-6, 1, 0.02, 0.8)).toBeNull();
  });
});
