/**
 * Holm's step-down procedure (S. Holm, "A simple sequentially rejective multiple test procedure",
 * Scand. J. Statist. 6, 1979): controls the family-wise error rate at alpha for any dependence
 * between the tests, and is uniformly more powerful than Bonferroni.
 */
export interface HolmStep {
  /** Index into the input array. */
  index: number;
  /** 1-based position in ascending p-value order. */
  rank: number;
  /** The level this hypothesis is tested at: alpha / (m - rank + 1). */
  level: number;
  /** Holm-adjusted p-value: max over earlier steps of min(1, (m - j + 1) p_(j)). */
  adjustedPValue: number;
  rejected: boolean;
}

export function holm(pValues: readonly number[], alpha: number): HolmStep[] {
  const m = pValues.length;
  const order = pValues
    .map((p, index) => ({ p: Number.isNaN(p) ? 1 : p, index }))
    .sort((a, b) => a.p - b.p || a.index - b.index);
  const steps: HolmStep[] = new Array(m);
  let runningMax = 0;
  let stillRejecting = true;
  order.forEach(({ p, index }, position) => {
    const rank = position + 1;
    const level = alpha / (m - rank + 1);
    runningMax = Math.max(runningMax, Math.min(1, (m - rank + 1) * p));
    // Step-down: once one hypothesis is kept, every later one is kept too.
    stillRejecting = stillRejecting && p <= level;
    steps[index] = { index, rank, level, adjustedPValue: runningMax, rejected: stillRejecting };
  });
  return steps;
}

/** Holm-adjusted p-values only, in input order. */
export function holmAdjust(pValues: readonly number[]): number[] {
  return holm(pValues, 1).map((step) => step.adjustedPValue);
}
