/**
 * The order in which rounds run. Baseline and candidate alternate in pairs so that slow drift of the machine
 * (thermal state, noisy neighbours, caches warming) hits both alike; which variant goes first in a pair is
 * randomized with a seed so no systematic "always second" advantage remains.
 *
 * - `abba`: pairs come in blocks of two, A B | B A, with the block's A drawn at random. A linear drift then
 *   cancels within each block (the classic counterbalanced crossover design).
 * - `shuffled-pairs`: each pair's order is an independent coin flip: the randomized multiple interleaved
 *   trials of Abedi & Brecht, "Conducting Repeatable Experiments in Highly Variable Cloud Computing
 *   Environments" (ICPE 2017).
 *
 * - `duet`: both rounds of a pair run at the same time, each variant on its own connections, with the same
 *   request sequence at the same planned send times, so whatever the machine does during the pair (another
 *   job, a GC pause of the generator, a frequency change) hits both variants at once: the "duet
 *   benchmarking" of Bulej et al., "Duet Benchmarking: Improving Measurement Accuracy in the Cloud"
 *   (Empirical Software Engineering, 2020). Within a timer tick one sender runs before the other, so the
 *   variant that starts first may get each request a little earlier: that order is a coin flip per pair
 *   (the shuffled-pairs stream), and a pair's two rounds are listed (and indexed) in it.
 *
 * - `sequential`: the naive before/after, kept only so calibration can measure what interleaving buys:
 *   every baseline round of the planned block first, then every candidate round (pair k = the k-th of
 *   each). Drift between the two halves lands wholly in the comparison. The config does not offer it.
 *
 * Pure: for the interleaved designs a pair's order depends only on (seed, pair number), so planning pairs
 * 0..3 and later 4..7 (a sequential extension via `startPair`) gives exactly the plan of 0..7 in one go.
 * `sequential` is defined per planned block instead (halves of the block), so it has no such property.
 */
import { invalidValue } from '../errors.js';
import type { Variant } from '../model/round-record.js';
import { seededRandom } from './seeded-random.js';

export type RoundDesign = 'abba' | 'shuffled-pairs' | 'duet' | 'sequential';
export const ROUND_DESIGNS: readonly RoundDesign[] = ['abba', 'shuffled-pairs', 'duet', 'sequential'];

/**
 * The generator behind a pair's order (and the requests a round picks), recorded in results.json so a run
 * stays explainable after the generator changes: the text `seed:stream` (stream = pair, or block of two
 * pairs for abba) is folded by FNV-1a into 32 bits, which seed splitmix32 and then xoshiro128**
 * (load/seeded-random.ts, stats/prng.ts). Before 2026-11-24 (commit e11a49e) the same folded seed drove
 * Mulberry32 instead, so the same seed gave another order: those runs recorded no generator.
 */
export const ROUND_PLAN_GENERATOR = 'xoshiro128**';

/** What reproduces the order of a run's rounds: results.json's `plan`. */
export interface RoundPlanRecord {
  seed: number;
  design: RoundDesign;
  generator: typeof ROUND_PLAN_GENERATOR | 'mulberry32';
}

export function roundPlanRecord(seed: number, design: RoundDesign): RoundPlanRecord {
  return { seed, design, generator: ROUND_PLAN_GENERATOR };
}

/**
 * One round of the plan. In a `duet` plan the two rounds of a pair run at once and the first listed is the
 * one whose sender starts first.
 */
export interface PlannedRound {
  pair: number;
  variant: Variant;
}

export interface PlanRoundsOptions {
  /** Number of pairs to plan (each pair = one baseline round + one candidate round). */
  pairs: number;
  design: RoundDesign;
  seed: number;
  /** First pair number, for adding blocks of rounds to an existing benchmark. Default 0. */
  startPair?: number;
}

export function planRounds(options: PlanRoundsOptions): PlannedRound[] {
  const { pairs, design, seed } = options;
  const startPair = options.startPair ?? 0;
  if (!Number.isInteger(pairs) || pairs < 1) throw invalidValue('load.pairs', pairs, 'a whole number >= 1');
  if (!ROUND_DESIGNS.includes(design)) throw invalidValue('load.design', design, ROUND_DESIGNS.join(', '));
  if (!Number.isFinite(seed)) throw invalidValue('load.seed', seed, 'a finite number');
  if (!Number.isInteger(startPair) || startPair < 0) throw invalidValue('startPair', startPair, 'a whole number >= 0');

  const plan: PlannedRound[] = [];
  if (design === 'sequential') {
    for (const variant of ['baseline', 'candidate'] as const) {
      for (let pair = startPair; pair < startPair + pairs; pair++) plan.push({ pair, variant });
    }
    return plan;
  }
  for (let pair = startPair; pair < startPair + pairs; pair++) {
    const [first, second] = pairOrder(pair, design, seed);
    plan.push({ pair, variant: first }, { pair, variant: second });
  }
  return plan;
}

function pairOrder(pair: number, design: Exclude<RoundDesign, 'sequential'>, seed: number): [Variant, Variant] {
  if (design === 'shuffled-pairs' || design === 'duet') {
    return seededRandom(seed, pair)() < 0.5 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
  }
  const block = Math.floor(pair / 2);
  const blockStartsWithBaseline = seededRandom(seed, block)() < 0.5;
  const firstOfBlock = pair % 2 === 0;
  return blockStartsWithBaseline === firstOfBlock ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
}
