import { describe, expect, it } from 'vitest';
import { evaluateTargets } from '../../src/gate/evaluate-targets.js';
import type { Target } from '../../src/gate/target.js';
import type { RoundRecord } from '../../src/model/round-record.js';
import { summarizeMetric } from '../../src/report/metric-figures.js';
import { targetNote } from '../../src/report/reason-text.js';
import { hodgesLehmann } from '../../src/stats/hodges-lehmann.js';
import { studentTInterval } from '../../src/stats/location-interval.js';
import { createRandom } from '../../src/stats/prng.js';
import { analyzeProcessBlocks, processBlocks } from '../../src/stats/process-blocks.js';
import { METRICS, round } from '../helpers/round-fixtures.js';

const catchAny: Target = {
  kind: 'regression',
  expression: 'pipeline_time worsens <= 0%',
  metric: 'pipeline_time',
  maxRegression: 0,
};

/** Pairs of an A/A run over several starts: each start shifts the candidate by its own offset (log scale). */
function roundsWithOffsets(offsets: readonly number[], pairsPerStart: number, noise: number, seed: number) {
  const random = createRandom(seed);
  const rounds: RoundRecord[] = [];
  offsets.forEach((offset, process) => {
    for (let k = 0; k < pairsPerStart; k++) {
      const pair = process * pairsPerStart + k;
      const level = 10 * Math.exp(0.1 * random.normal());
      rounds.push({ ...round(pair, 'baseline', { pipeline_time: level }), process });
      rounds.push({
        ...round(pair, 'candidate', { pipeline_time: level * Math.exp(offset + noise * random.normal()) }),
        process,
      });
    }
  });
  return rounds;
}

const withoutProcess = (rounds: RoundRecord[]) => rounds.map(({ process: _process, ...r }) => r);

describe('processBlocks and analyzeProcessBlocks', () => {
  it("groups values by start and takes each start's Hodges–Lehmann estimate", () => {
    const values = [0.01, 0.03, 0.02, -0.01, 0.0, 0.05, 0.04];
    const blocks = [2, 0, 0, 1, 1, 2, 0];
    const grouped = processBlocks(values, blocks);
    expect(grouped.processes).toEqual([0, 1, 2]);
    expect(grouped.pairs).toEqual([3, 2, 2]);
    expect(grouped.estimates[0]).toBeCloseTo(hodgesLehmann([0.03, 0.02, 0.04], 0.5).estimate, 12);
    expect(grouped.estimates[1]).toBeCloseTo(-0.005, 12);
    expect(() => processBlocks(values, blocks.slice(1))).toThrow(/7 values but 6 process numbers/);
  });

  it('is Student t on the block estimates, and says nothing with a single start', () => {
    const values = [0.01, 0.02, 0.03, 0.05, 0.06, 0.04, -0.02, -0.01, 0.0];
    const blocks = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const analysis = analyzeProcessBlocks(values, blocks)!;
    expect(analysis.n).toBe(3);
    const expected = studentTInterval([0.02, 0.05, -0.01], 0.9);
    expect(analysis.interval(0.9)[0]).toBeCloseTo(expected.interval[0], 12);
    expect(analysis.interval(0.9)[1]).toBeCloseTo(expected.interval[1], 12);
    expect(analysis.estimate).toBeCloseTo(0.02, 12);
    expect(analysis.oneSidedPValue(0.02, 'greater')).toBeCloseTo(0.5, 12);
    expect(analyzeProcessBlocks(values.slice(0, 3), [4, 4, 4])).toBeUndefined();
  });
});

describe('evaluateTargets on pairs from several starts of the backends', () => {
  // Four starts of an A/A whose processes landed 1 to 5 % apart: little noise within a start, so pairs
  // judged as one sample see a tight +3 % and call it a regression; the starts as units see four values.
  const offsets = [0.04, 0.01, 0.05, 0.02];
  const rounds = roundsWithOffsets(offsets, 10, 0.005, 7);

  it('takes the start as the unit: an A/A with process offsets is not failed', () => {
    const blocked = evaluateTargets([catchAny], rounds, METRICS).targets[0]!;
    expect(blocked.status).toBe('inconclusive');
    expect(blocked.processes).toEqual({ count: 4, pairs: [10, 10, 10, 10] });
    expect(blocked.samples).toBe(40);
    expect(blocked.estimate!).toBeGreaterThan(0.02);
    expect(blocked.ci![0]).toBeLessThan(0);
    expect(blocked.minDetectableEffect!).toBeGreaterThan(blocked.ci![1] - blocked.estimate!);
    // The starts needed, in pairs: a whole number of starts of ten pairs.
    expect(blocked.samplesNeeded! % 10).toBe(0);

    // Judged and cross-checked on the starts, and said so.
    expect(blocked.method).toBe('t');
    expect(blocked.crossCheck?.otherMethod.method).toBe('hodges-lehmann');
    expect(blocked.reason).toMatchObject({ kind: 'decided', samples: 40, starts: 4 });
    expect(targetNote(blocked.expression, blocked.reason)).toContain('(40 pairs from 4 starts of the backends)');

    // A metric no target judges gets the same analysis in the "all metrics" table.
    const summary = summarizeMetric(METRICS[0]!, rounds, 0.98, evaluateTargets([], rounds, METRICS));
    const expected = analyzeProcessBlocks(
      rounds
        .filter((r) => r.variant === 'candidate')
        .map((c) => {
          const b = rounds.find((r) => r.variant === 'baseline' && r.pair === c.pair)!;
          return Math.log((c.values.pipeline_time as number) / (b.values.pipeline_time as number));
        }),
      rounds.filter((r) => r.variant === 'candidate').map((r) => r.process!),
    )!;
    expect(summary.method).toBe('t');
    expect(summary.ci![0]).toBeCloseTo(Math.expm1(expected.interval(0.98)[0]), 12);
    expect(summary.ci![1]).toBeCloseTo(Math.expm1(expected.interval(0.98)[1]), 12);

    // The same rounds without their start numbers: one sample of 40 pairs, and a false alarm.
    const pooled = evaluateTargets([catchAny], withoutProcess(rounds), METRICS).targets[0]!;
    expect(pooled.status).toBe('fail');
    expect(pooled.processes).toBeUndefined();
  });

  it('still catches an effect the starts agree on', () => {
    const slower = roundsWithOffsets([0.08, 0.09, 0.07, 0.1, 0.08, 0.09], 6, 0.01, 3);
    const target = evaluateTargets([catchAny], slower, METRICS).targets[0]!;
    expect(target.status).toBe('fail');
    expect(target.ci![0]).toBeGreaterThan(0.05);
  });

  it('with a single start recorded there is nothing to judge yet', () => {
    const one = roundsWithOffsets([0.03], 12, 0.01, 5);
    const target = evaluateTargets([catchAny], one, METRICS).targets[0]!;
    expect(target.status).toBe('no-data');
    expect(target.samples).toBe(12);
    expect(target.reason).toMatchObject({ kind: 'no-data', samples: 12, starts: 1 });
    expect(targetNote(target.expression, target.reason)).toBe(
      'pipeline_time worsens <= 0%: no data yet, 12 valid pairs from 1 start of the backends (the start is the unit: at least 2 needed).',
    );
  });
});
