import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../../src/stats/distributions.js';
import { cumulativeDrift, driftExceeds, logStandardError, type PairedChange } from '../../src/stats/drift.js';
import { createRandom } from '../../src/stats/prng.js';

/** A change measured with a symmetric interval on the log scale: ratio · exp(±z·se). */
function change(id: string, ratio: number, se: number, level = 0.95): PairedChange {
  const z = normalQuantile((1 + level) / 2);
  return { id, ratio, lower: ratio * Math.exp(-z * se), upper: ratio * Math.exp(z * se), level };
}

describe('cumulative drift over a chain of paired changes', () => {
  it('multiplies the ratios: ten changes of +1 % are +10.5 %', () => {
    const drift = cumulativeDrift(Array.from({ length: 10 }, (_, i) => change(`#${i + 1}`, 1.01, 0.01)));
    expect(drift.ratio).toBeCloseTo(1.01 ** 10, 12);
    expect(drift.logRatio).toBeCloseTo(10 * Math.log(1.01), 12);
  });

  it('adds the log-ratio variances: the standard error grows with the square root of the chain', () => {
    const drift = cumulativeDrift(Array.from({ length: 9 }, (_, i) => change(`#${i}`, 1.005, 0.02)));
    expect(drift.logStandardError).toBeCloseTo(0.06, 12);
    const z = normalQuantile(0.975);
    expect(drift.lower).toBeCloseTo(Math.exp(drift.logRatio - z * 0.06), 12);
    expect(drift.upper).toBeCloseTo(Math.exp(drift.logRatio + z * 0.06), 12);
    // At another level, the same variance with another quantile.
    const at90 = cumulativeDrift(
      Array.from({ length: 9 }, (_, i) => change(`#${i}`, 1.005, 0.02)),
      0.9,
    );
    expect(Math.log(at90.upper) - at90.logRatio).toBeCloseTo(normalQuantile(0.95) * 0.06, 12);
  });

  it('reads each standard error from its own interval and level', () => {
    expect(logStandardError(change('a', 1.02, 0.015, 0.99))).toBeCloseTo(0.015, 12);
    expect(logStandardError(change('b', 0.97, 0.03, 0.8))).toBeCloseTo(0.03, 12);
    // Asymmetric on the log scale: the mean half-width.
    expect(
      logStandardError({ id: 'c', ratio: 1, lower: Math.exp(-0.01), upper: Math.exp(0.05), level: 0.95 }),
    ).toBeCloseTo(0.03 / normalQuantile(0.975), 12);
  });

  it('ranks the changes by their share of the log sum, and the shares sum to 1', () => {
    const drift = cumulativeDrift([
      change('#1', 1.01, 0.01),
      change('#2', 0.99, 0.01),
      change('#3', 1.05, 0.01),
      change('#4', 1.02, 0.01),
    ]);
    expect(drift.contributions.map((c) => c.id)).toEqual(['#3', '#4', '#1', '#2']);
    expect(drift.contributions[0]!.share).toBeCloseTo(Math.log(1.05) / drift.logRatio, 12);
    expect(drift.contributions.at(-1)!.share).toBeLessThan(0);
    expect(drift.contributions.reduce((sum, c) => sum + c.share!, 0)).toBeCloseTo(1, 12);
    // A net speed-up is explained by its speed-ups first.
    const faster = cumulativeDrift([change('a', 1.01, 0.01), change('b', 0.9, 0.01), change('c', 0.97, 0.01)]);
    expect(faster.contributions.map((c) => c.id)).toEqual(['b', 'c', 'a']);
    expect(faster.contributions[0]!.share).toBeGreaterThan(0);
    // Exactly no net change: no shares, slowdowns first.
    const none = cumulativeDrift([change('up', 2, 0.01), change('down', 0.5, 0.01)]);
    expect(none.contributions.map((c) => [c.id, c.share])).toEqual([
      ['up', null],
      ['down', null],
    ]);
  });

  it('flags a drift only when the whole interval lies beyond the tolerance', () => {
    const creeping = cumulativeDrift(Array.from({ length: 12 }, (_, i) => change(`#${i}`, 1.01, 0.01)));
    expect(creeping.lower).toBeGreaterThan(1.05);
    expect(driftExceeds(creeping, 0.02)).toBe(true);
    expect(driftExceeds(creeping, 0.2)).toBe(false);
    const noisy = cumulativeDrift(Array.from({ length: 12 }, (_, i) => change(`#${i}`, 1.01, 0.05)));
    expect(noisy.ratio).toBeCloseTo(creeping.ratio, 12);
    expect(driftExceeds(noisy, 0)).toBe(false);
  });

  it('covers the true cumulative change at about the stated level when the gates are independent', () => {
    const random = createRandom(4);
    const runs = 2000;
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      const chain = Array.from({ length: 15 }, (_, i) => {
        const se = 0.01 + 0.03 * random.next();
        return change(`#${i}`, Math.exp(Math.log(1.004) + se * random.normal()), se);
      });
      const drift = cumulativeDrift(chain, 0.9);
      const truth = 1.004 ** 15;
      if (drift.lower <= truth && truth <= drift.upper) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.88);
    expect(covered / runs).toBeLessThan(0.92);
  });

  it('is the identity for no changes and refuses inconsistent input, naming the change', () => {
    expect(cumulativeDrift([])).toMatchObject({ ratio: 1, lower: 1, upper: 1, logStandardError: 0, contributions: [] });
    expect(() => cumulativeDrift([{ id: '#7', ratio: 1.1, lower: 0.9, upper: 1.05, level: 0.95 }])).toThrow(
      /#7.*outside/,
    );
    expect(() => cumulativeDrift([{ id: '#8', ratio: 1, lower: 0, upper: 1.05, level: 0.95 }])).toThrow(/#8.*positive/);
    expect(() => cumulativeDrift([{ id: '#9', ratio: 1, lower: 0.9, upper: 1.05, level: 95 }])).toThrow(/#9.*level/);
    expect(() => cumulativeDrift([], 1)).toThrow(/level/);
  });
});
