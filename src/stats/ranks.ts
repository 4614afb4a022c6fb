/**
 * Mid-ranks with ties (the "average" method of scipy.stats.rankdata), shared by the rank tests.
 */
export interface RankResult {
  /** Rank of each input value, 1-based, ties sharing the mean of their positions. */
  ranks: number[];
  /** Sizes of the groups of tied values (groups of one included), for tie corrections. */
  tieGroupSizes: number[];
}

export function midRanks(values: readonly number[]): RankResult {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  const tieGroupSizes: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && order[end]!.value === order[start]!.value) end++;
    // Positions start..end-1 hold equal values; each gets the mean of ranks start+1..end.
    const rank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) ranks[order[i]!.index] = rank;
    tieGroupSizes.push(end - start);
    start = end;
  }
  return { ranks, tieGroupSizes };
}

/** Σ (t³ - t) over tie groups: the quantity every normal-approximation tie correction uses. */
export function tieSum(tieGroupSizes: readonly number[]): number {
  let sum = 0;
  for (const t of tieGroupSizes) sum += t * t * t - t;
  return sum;
}
