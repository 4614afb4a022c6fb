/**
 * The paired analysis when a run's pairs come from several fresh starts of both backends
 * (`load.processes`). Every pair of processes carries an offset of its own, which no number of rounds
 * within it averages out: on the reference backends under duet rounds, A/A run means scattered 1.7 and
 * 2.2 times more than their within-run standard errors (docs/statistics.md, "Duet rounds under the
 * same budget"). So the unit of independence is the process pair, not the round pair: each block's
 * location is its Hodges–Lehmann estimate (robust to a burst inside the block), and the interval is
 * Student's t on those block estimates, with blocks − 1 degrees of freedom. The offsets then enter the
 * interval instead of being mistaken for an effect. This is the reasoning of pyperf, which spreads a
 * benchmark over many worker processes for the same reason.
 */
import { hodgesLehmann } from './hodges-lehmann.js';
import { analyzeLocation, type LocationAnalysis } from './location-analysis.js';
import { studentTInterval, studentTTest } from './location-interval.js';

export interface ProcessBlocks {
  /** Each block's process number, ascending. */
  processes: number[];
  /** Each block's Hodges–Lehmann estimate of its paired log ratios, in the same order. */
  estimates: number[];
  /** Pairs per block, in the same order. */
  pairs: number[];
}

/** Groups paired values by the process pair that measured them (`blocks[i]` is value i's process). */
export function processBlocks(values: readonly number[], blocks: readonly number[]): ProcessBlocks {
  if (values.length !== blocks.length)
    throw new Error(`processBlocks: ${values.length} values but ${blocks.length} process numbers`);
  const byProcess = new Map<number, number[]>();
  values.forEach((value, i) => {
    const list = byProcess.get(blocks[i]!) ?? [];
    list.push(value);
    byProcess.set(blocks[i]!, list);
  });
  const processes = [...byProcess.keys()].sort((a, b) => a - b);
  return {
    processes,
    estimates: processes.map((p) => hodgesLehmann(byProcess.get(p)!, 0.5).estimate),
    pairs: processes.map((p) => byProcess.get(p)!.length),
  };
}

/** How the starts' estimates are combined: Student t, or the signed-rank (Hodges–Lehmann) interval on them. */
export type AcrossStarts = 't' | 'hodges-lehmann';

/**
 * A location analysis with the process pair as the unit: Student t on the blocks' estimates (or, with
 * `across` 'hodges-lehmann', the distribution-free interval on them, which one wild start moves less).
 * Undefined with fewer than two blocks, since one block says nothing about how far another start would land.
 */
export function analyzeProcessBlocks(
  values: readonly number[],
  blocks: readonly number[],
  across: AcrossStarts = 't',
): (LocationAnalysis & { blocks: ProcessBlocks }) | undefined {
  const grouped = processBlocks(values, blocks);
  const { estimates } = grouped;
  if (estimates.length < 2) return undefined;
  if (across === 'hodges-lehmann') return { ...analyzeLocation(estimates, 'hodges-lehmann'), blocks: grouped };
  return {
    method: 't',
    n: estimates.length,
    estimate: studentTInterval(estimates, 0.5).estimate,
    interval: (level) => studentTInterval(estimates, level).interval,
    oneSidedPValue: (mu0, alternative) => {
      if (estimates.every((e) => e === mu0)) return 1;
      return studentTTest(estimates, mu0, alternative).pValue;
    },
    blocks: grouped,
  };
}
