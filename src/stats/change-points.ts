/**
 * Change points in a metric's history: E-divisive means (Matteson & James, "A Nonparametric Approach
 * for Multiple Change Point Analysis of Multivariate Data", JASA 109(505), 2014), the method Apache
 * Otava (formerly Hunter; Fleming et al., ICPE 2023) runs over benchmark histories.
 *
 * The series is split in two where the energy divergence between the two sides is largest, each side
 * is searched again, and so on, as long as a permutation test finds the best new split significant.
 * With alpha = 1 (as Otava uses) the divergence compares plain absolute differences, so it reacts to a
 * shift of the level and needs no assumption about the shape of the noise.
 *
 * Where this differs from the paper and from Otava (docs/MATH.md of apache/otava):
 * - The right-hand side of a candidate split runs to the end of its segment. The paper and Otava also
 *   search an inner end point κ, so that a later change does not muddy the right-hand side; that
 *   costs O(T³) per segment and permutation instead of O(T²). What it gives up: with two changes close
 *   together, the first split can land on the larger one only, and the smaller must then be found
 *   inside its segment by the next split and test.
 * - Significance comes from the paper's permutation test, drawn from the seeded generator, so it is as
 *   reproducible as a t test and makes no normality assumption about per-commit values. Otava
 *   replaced it with Student's t test on the two sides, plus sliding windows and a second, stricter
 *   threshold for "weak" change points (Fleming et al.), for speed on long histories.
 */
import { createRandom, type Random } from './prng.js';

export interface ChangePointOptions {
  /** Fewest values a segment may keep on either side of a split (at least 2). */
  minSegmentSize: number;
  /** Largest permutation p-value at which a split is accepted, e.g. 0.05. */
  significance: number;
  /** Stop after this many change points even when more are significant. */
  maxChangePoints: number;
  /** Permutations per test (the paper's default, 199, makes the smallest p-value 0.005). */
  permutations?: number;
  /** Seed of the permutations; the same seed and series always give the same answer. */
  seed?: number;
  /**
   * 'linear' (default): the values are latencies, and a shift is reported as a ratio of positive
   * segment means and medians. 'log': the values are logarithms (log latencies or per-commit log-ratio
   * estimates), and the ratio is exp of the difference.
   */
  scale?: 'linear' | 'log';
}

export interface SegmentSummary {
  /** First index of the segment (inclusive) and its end (exclusive). */
  start: number;
  end: number;
  mean: number;
  median: number;
  /** The smallest value (a linear-scale ratio needs it positive). */
  min: number;
}

export interface ChangePoint {
  /** Index of the first value after the change. */
  index: number;
  /** The divergence Q̂ of the split when it was found. */
  statistic: number;
  /** Permutation p-value of the split, (exceedances + 1) / (permutations + 1). */
  pValue: number;
  /** 1 − pValue. */
  confidence: number;
  /** 1 for the split found first (the largest divergence), 2 for the next, and so on. */
  discoveryOrder: number;
  /** The neighbouring segments of the final segmentation. */
  before: SegmentSummary;
  after: SegmentSummary;
  /** after.mean − before.mean: the shift on the scale of the input (a log ratio when the input is one). */
  meanDifference: number;
  /**
   * after.mean / before.mean (exp of meanDifference on the log scale); null on the linear scale when a
   * value of either segment is not positive, since then the values are no latencies.
   */
  meanRatio: number | null;
  /**
   * The relative change of a "lower is better" metric (+0.05 = 5 % slower) from the segment medians,
   * so that one outlying run moves it little: after.median / before.median − 1, or on the log scale
   * exp(after.median − before.median) − 1; null where meanRatio is.
   */
  relativeChange: number | null;
}

export interface ChangePointAnalysis {
  /** Sorted by index. */
  changePoints: ChangePoint[];
  /** Why the search ended. */
  stoppedBy: 'significance' | 'max-change-points' | 'no-candidate';
  /** The best split that the test refused, when the search ended on the significance level. */
  rejected: { index: number; statistic: number; pValue: number } | null;
}

export interface Split {
  /** Index of the first value of the right-hand side. */
  index: number;
  statistic: number;
}

const DEFAULT_PERMUTATIONS = 199;

/**
 * Q̂(τ) for every split of values[start, end) into [start, τ) and [τ, end), τ = start+1 .. end−1
 * (entry τ − start − 1): with n and m the two sizes,
 *   Q̂ = nm/(n+m) · ( 2/(nm) Σ|x−y| − Σ_{i<k}|x_i−x_k| / C(n,2) − Σ_{i<k}|y_i−y_k| / C(m,2) ),
 * a within-side term being 0 when its side holds one value. O(T²): the within-left sum grows by one
 * column per step and the other two sums follow from the row sums of the distance matrix.
 */
export function divergenceBySplit(values: readonly number[], start = 0, end = values.length): number[] {
  const size = end - start;
  if (size < 2) return [];
  const rowSums = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const xi = values[start + i]!;
    for (let j = i + 1; j < size; j++) {
      const d = Math.abs(xi - values[start + j]!);
      rowSums[i]! += d;
      rowSums[j]! += d;
    }
  }
  let allPairs = 0;
  for (const sum of rowSums) allPairs += sum;
  allPairs /= 2;
  const result: number[] = [];
  let withinLeft = 0;
  let leftRowSums = 0;
  for (let n = 1; n < size; n++) {
    // Move value n − 1 to the left side.
    const newcomer = values[start + n - 1]!;
    for (let i = 0; i < n - 1; i++) withinLeft += Math.abs(values[start + i]! - newcomer);
    leftRowSums += rowSums[n - 1]!;
    const between = leftRowSums - 2 * withinLeft;
    const withinRight = allPairs - withinLeft - between;
    const m = size - n;
    const left = n > 1 ? withinLeft / ((n * (n - 1)) / 2) : 0;
    const right = m > 1 ? withinRight / ((m * (m - 1)) / 2) : 0;
    const divergence = (2 * between) / (n * m) - left - right;
    result.push(((n * m) / (n + m)) * divergence);
  }
  return result;
}

/** The split of values[start, end) with the largest Q̂ that leaves minSegmentSize on each side (the first on ties). */
export function bestSplit(values: readonly number[], start: number, end: number, minSegmentSize: number): Split | null {
  if (end - start < 2 * minSegmentSize) return null;
  const q = divergenceBySplit(values, start, end);
  let best: Split | null = null;
  for (let index = start + minSegmentSize; index <= end - minSegmentSize; index++) {
    const statistic = q[index - start - 1]!;
    if (best === null || statistic > best.statistic) best = { index, statistic };
  }
  return best;
}

/** The best split over all segments (bounds sorted, consecutive); ties go to the earliest. */
function bestSplitOfSegments(
  values: readonly number[],
  bounds: readonly number[],
  minSegmentSize: number,
): Split | null {
  let best: Split | null = null;
  for (let s = 0; s + 1 < bounds.length; s++) {
    const split = bestSplit(values, bounds[s]!, bounds[s + 1]!, minSegmentSize);
    if (split !== null && (best === null || split.statistic > best.statistic)) best = split;
  }
  return best;
}

/** Fisher–Yates shuffle of copy[start, end) in place, drawing from the end down (the order the reference repeats). */
function shuffleSegment(copy: number[], start: number, end: number, random: Random): void {
  for (let i = end - 1; i > start; i--) {
    const j = start + random.integer(i - start + 1);
    const held = copy[i]!;
    copy[i] = copy[j]!;
    copy[j] = held;
  }
}

/**
 * The permutation test of the paper: under "no further change", the values of each current segment
 * are exchangeable, so each permutation shuffles within every segment and takes the best split again.
 */
function permutationPValue(
  values: readonly number[],
  bounds: readonly number[],
  observed: number,
  options: Required<ChangePointOptions>,
  random: Random,
): number {
  let atLeast = 0;
  for (let r = 0; r < options.permutations; r++) {
    const copy = [...values];
    for (let s = 0; s + 1 < bounds.length; s++) shuffleSegment(copy, bounds[s]!, bounds[s + 1]!, random);
    const split = bestSplitOfSegments(copy, bounds, options.minSegmentSize);
    if (split !== null && split.statistic >= observed) atLeast++;
  }
  return (atLeast + 1) / (options.permutations + 1);
}

function summarize(values: readonly number[], start: number, end: number): SegmentSummary {
  const part = values.slice(start, end);
  const sorted = [...part].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { start, end, mean: part.reduce((a, b) => a + b, 0) / part.length, median, min: sorted[0]! };
}

function validate(values: readonly number[], options: ChangePointOptions): Required<ChangePointOptions> {
  const complete = { permutations: DEFAULT_PERMUTATIONS, seed: 1, scale: 'linear' as const, ...options };
  if (!values.every(Number.isFinite))
    throw new RangeError('change points: every value of the series must be a finite number');
  if (!Number.isInteger(complete.minSegmentSize) || complete.minSegmentSize < 2) {
    throw new RangeError(
      `change points: minSegmentSize must be an integer of at least 2 (got ${complete.minSegmentSize})`,
    );
  }
  if (!(complete.significance > 0 && complete.significance < 1)) {
    throw new RangeError(
      `change points: significance must lie strictly between 0 and 1 (got ${complete.significance})`,
    );
  }
  if (!Number.isInteger(complete.maxChangePoints) || complete.maxChangePoints < 0) {
    throw new RangeError(`change points: maxChangePoints must be a whole number (got ${complete.maxChangePoints})`);
  }
  if (!Number.isInteger(complete.permutations) || complete.permutations < 1) {
    throw new RangeError(`change points: permutations must be a positive integer (got ${complete.permutations})`);
  }
  return complete;
}

/**
 * E-divisive change points of a univariate series (per-commit values of one metric on one runner, or
 * per-commit log-ratio estimates), found one at a time, each accepted only when its permutation
 * p-value is at most `significance`. Pure: the permutations come from the seeded generator.
 */
export function changePoints(values: readonly number[], options: ChangePointOptions): ChangePointAnalysis {
  const settings = validate(values, options);
  const random = createRandom(settings.seed);
  const bounds = [0, values.length];
  const found: Array<{ index: number; statistic: number; pValue: number }> = [];
  let stoppedBy: ChangePointAnalysis['stoppedBy'] = 'no-candidate';
  let rejected: ChangePointAnalysis['rejected'] = null;
  for (;;) {
    if (found.length >= settings.maxChangePoints) {
      stoppedBy = 'max-change-points';
      break;
    }
    const candidate = bestSplitOfSegments(values, bounds, settings.minSegmentSize);
    if (candidate === null) break;
    const pValue = permutationPValue(values, bounds, candidate.statistic, settings, random);
    if (pValue > settings.significance) {
      stoppedBy = 'significance';
      rejected = { ...candidate, pValue };
      break;
    }
    found.push({ ...candidate, pValue });
    bounds.push(candidate.index);
    bounds.sort((a, b) => a - b);
  }
  const changePoints = found.map((point, order): ChangePoint => {
    const at = bounds.indexOf(point.index);
    const before = summarize(values, bounds[at - 1]!, point.index);
    const after = summarize(values, point.index, bounds[at + 1]!);
    const positive = before.min > 0 && after.min > 0;
    const logScale = settings.scale === 'log';
    return {
      index: point.index,
      statistic: point.statistic,
      pValue: point.pValue,
      confidence: 1 - point.pValue,
      discoveryOrder: order + 1,
      before,
      after,
      meanDifference: after.mean - before.mean,
      meanRatio: logScale ? Math.exp(after.mean - before.mean) : positive ? after.mean / before.mean : null,
      relativeChange: logScale
        ? Math.expm1(after.median - before.median)
        : positive
          ? after.median / before.median - 1
          : null,
    };
  });
  changePoints.sort((a, b) => a.index - b.index);
  return { changePoints, stoppedBy, rejected };
}
