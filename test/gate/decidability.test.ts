import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/config/targets.js';
import { requestsToBoundErrorRate, undecidableTargets } from '../../src/gate/decidability.js';
import { minSamplesForDistributionFree } from '../../src/gate/evaluate-targets.js';
import { CLIENT_METRICS } from '../../src/model/round-record.js';
import { clopperPearson } from '../../src/stats/rate-interval.js';

const targets = (...expressions: string[]) => expressions.map((e) => parseTarget(e, CLIENT_METRICS));
const open = (rate: number, roundDurationMs: number, maxPairs: number) => ({
  mode: 'open' as const,
  rate,
  roundDurationMs,
  maxPairs,
});

describe('requestsToBoundErrorRate', () => {
  it.each([
    [0.01, 0.98],
    [0.01, 1 - 0.02 / 3],
    [0.005, 0.99],
  ])('is the fewest requests whose zero failures put the exact upper bound below %s at %s', (bound, level) => {
    const n = requestsToBoundErrorRate(bound, level);
    expect(clopperPearson(0, n, level)[1]).toBeLessThan(bound);
    expect(clopperPearson(0, n - 1, level)[1]).toBeGreaterThanOrEqual(bound);
  });
});

describe('undecidableTargets', () => {
  it("the issue's post-deploy check: 6 rounds of 60 requests cannot show error_rate <= 1% even with no error", () => {
    const found = undecidableTargets(targets('error_rate <= 1%'), open(10, 6000, 6), 0.98);
    expect(found).toHaveLength(1);
    expect(found[0]!.reason).toContain(
      'the 360 candidate requests of 6 rounds cannot bound the error rate below 1 % at 98 %',
    );
    expect(found[0]!.reason).toContain(`it needs ${requestsToBoundErrorRate(0.01, 0.98)}`);
    // 500 requests are enough (0 of 500 bounds the rate at about 0.9 %).
    expect(undecidableTargets(targets('error_rate <= 1%'), open(10, 10_000, 5), 0.98)).toEqual([]);
  });

  it('a paired target needs the pairs of a distribution-free interval even at the whole alpha, the most lenient Holm level', () => {
    const five = targets(
      'latency_p95 worsens <= 5%',
      'latency_p50 worsens <= 5%',
      'latency_p99 worsens <= 10%',
      'throughput >= 10 req/s',
      'latency_mean worsens <= 5%',
    );
    const needed = minSamplesForDistributionFree(0.98);
    const found = undecidableTargets(five, open(50, 2000, needed - 1), 0.98);
    expect(found.map((f) => f.expression)).toEqual(five.map((t) => t.expression));
    expect(found[0]!.reason).toContain(`needs at least ${needed} pairs even at 98 %`);
    expect(found[0]!.reason).toContain(`load.maxPairs is ${needed - 1}`);
    expect(undecidableTargets(five, open(50, 2000, needed), 0.98)).toEqual([]);
    // Over several starts of the backends relative targets take the start as the unit (Student t), so only
    // the absolute one still needs the pairs.
    expect(
      undecidableTargets(five, { ...open(50, 2000, needed - 1), processes: 3 }, 0.98).map((f) => f.expression),
    ).toEqual(['throughput >= 10 req/s']);
  });

  it("init's own targets with 7 pairs: no false warning (error_rate decided first leaves latency the whole alpha)", () => {
    expect(
      undecidableTargets(targets('latency_p95 worsens <= 5%', 'error_rate <= 1%'), open(50, 5000, 7), 0.98),
    ).toEqual([]);
  });

  it('an absolute counter-ratio target is judged on counts the run alone knows: not checked', () => {
    const early = parseTarget('early_exit_rate >= 30%', [
      ...CLIENT_METRICS,
      { name: 'early_exit_rate', unit: 'ratio', direction: 'higher-is-better', source: 'server', description: '' },
    ]);
    expect(undecidableTargets([early], open(50, 2000, 2), 0.98, new Set(['early_exit_rate']))).toEqual([]);
    expect(undecidableTargets([early], open(50, 2000, 2), 0.98)).toHaveLength(1);
  });

  it('closed loop does not know its request count ahead: no rate warning is guessed', () => {
    expect(
      undecidableTargets(
        targets('error_rate <= 1%'),
        { mode: 'closed', rate: 1, roundDurationMs: 500, maxPairs: 7 },
        0.98,
      ),
    ).toEqual([]);
  });
});
