import { normalQuantile, normalSurvival } from './distributions.js';

/**
 * Bounded sequential testing: rounds are run in blocks, and after each block ("look") the gate may
 * stop early when every target is decided. Looking repeatedly at growing data inflates the error
 * rate unless each look uses only part of alpha; here the part is given by an alpha-spending
 * function (Lan & DeMets, "Discrete sequential boundaries for clinical trials", Biometrika 70, 1983)
 * evaluated at the information fraction t = pairs / maxPairs, and look k is tested at the increment
 * α(t_k) - α(t_{k-1}). Since a false decision at any look is a false decision at one particular
 * look, P(any false decision) <= Σ increments = α by the union bound: valid for any dependence
 * between looks, a little conservative compared with exact group-sequential boundaries, and needing
 * no numerical integration.
 */
export type SpendingFunction = 'obrien-fleming' | 'pocock' | 'bonferroni';
export const SPENDING_FUNCTIONS: readonly SpendingFunction[] = ['obrien-fleming', 'pocock', 'bonferroni'];

export interface SequentialPlan {
  /** Total two-sided error to spend over all looks. */
  alpha: number;
  /** Cumulative pairs planned at each look, ascending; the last entry is the budget. */
  pairsAtLook: number[];
  spending: SpendingFunction;
}

/** Looks at minPairs, minPairs + blockPairs, ... up to and including maxPairs. */
export function planLooks(options: {
  alpha: number;
  minPairs: number;
  blockPairs: number;
  maxPairs: number;
  spending?: SpendingFunction;
}): SequentialPlan {
  const { minPairs, blockPairs, maxPairs } = options;
  if (!(minPairs >= 2 && blockPairs >= 1 && maxPairs >= minPairs)) {
    throw new RangeError(
      `planLooks: need minPairs >= 2, blockPairs >= 1, maxPairs >= minPairs; got ${minPairs}, ${blockPairs}, ${maxPairs}`,
    );
  }
  const pairsAtLook: number[] = [];
  for (let p = minPairs; p < maxPairs; p += blockPairs) pairsAtLook.push(p);
  pairsAtLook.push(maxPairs);
  return { alpha: options.alpha, pairsAtLook, spending: options.spending ?? 'obrien-fleming' };
}

/** Cumulative alpha spent by information fraction t (0 < t <= 1). */
export function alphaSpent(spending: SpendingFunction, alpha: number, t: number, looks: number): number {
  const fraction = Math.min(1, Math.max(0, t));
  if (fraction === 0) return 0;
  switch (spending) {
    case 'obrien-fleming':
      // Lan–DeMets O'Brien–Fleming-type: 2 - 2Φ(z_{1-α/2} / √t). Spends almost nothing early, so
      // the last look keeps nearly the whole alpha.
      return Math.min(alpha, 2 * normalSurvival(normalQuantile(1 - alpha / 2) / Math.sqrt(fraction)));
    case 'pocock':
      // Lan–DeMets Pocock-type: α ln(1 + (e - 1) t). Spends evenly; early stops come easier.
      return alpha * Math.log(1 + (Math.E - 1) * fraction);
    case 'bonferroni':
      // Equal split over the planned looks regardless of information.
      return (alpha * Math.min(looks, Math.round(fraction * looks))) / looks;
  }
}

/** The alpha available at look `look` (1-based). The last look takes whatever is left. */
export function alphaForLook(plan: SequentialPlan, look: number): number {
  const looks = plan.pairsAtLook.length;
  if (!(Number.isInteger(look) && look >= 1 && look <= looks)) {
    throw new RangeError(`alphaForLook: look must be an integer in 1..${looks}; got ${look}`);
  }
  const budget = plan.pairsAtLook[looks - 1]!;
  const spentBy = (k: number): number => {
    if (k <= 0) return 0;
    if (k >= looks) return plan.alpha;
    if (plan.spending === 'bonferroni') return (plan.alpha * k) / looks;
    return alphaSpent(plan.spending, plan.alpha, plan.pairsAtLook[k - 1]! / budget, looks);
  };
  return spentBy(look) - spentBy(look - 1);
}

export type StopReason = 'all targets decided' | 'a target failed' | 'budget exhausted' | 'continue: targets undecided';

export interface ContinuationDecision {
  continue: boolean;
  reason: StopReason;
  /** Pairs to have in total after the next block, when continuing. */
  nextPairs?: number;
  /** The look number the next evaluation must pass to evaluateTargets. */
  nextLook?: number;
}

/**
 * After look `look` (1-based, with `pairsDone` valid pairs), whether to run another block.
 * Stops when every target is decided, when a target failed (the verdict can only be 'fail' then,
 * unless `stopOnFail` is false), or when the budget or the planned looks are used up.
 */
export function decideContinuation(input: {
  plan: SequentialPlan;
  look: number;
  pairsDone: number;
  statuses: readonly ('pass' | 'fail' | 'inconclusive' | 'no-data')[];
  stopOnFail?: boolean;
}): ContinuationDecision {
  const { plan, look, pairsDone, statuses } = input;
  const looks = plan.pairsAtLook.length;
  if (statuses.length > 0 && statuses.every((s) => s === 'pass' || s === 'fail'))
    return { continue: false, reason: 'all targets decided' };
  if ((input.stopOnFail ?? true) && statuses.includes('fail')) return { continue: false, reason: 'a target failed' };
  const budget = plan.pairsAtLook[looks - 1]!;
  if (look >= looks || pairsDone >= budget) return { continue: false, reason: 'budget exhausted' };
  return {
    continue: true,
    reason: 'continue: targets undecided',
    nextPairs: plan.pairsAtLook[look]!,
    nextLook: look + 1,
  };
}
