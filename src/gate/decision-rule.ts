import type { MetricDirection } from '../model/round-record.js';
import type { Comparator, Target, TargetStatus } from './target.js';

/**
 * Where a target's threshold sits on the analysis scale, and which side of it passes.
 * Relative targets are analysed on log(candidate / baseline), so "improves >= 20 %" on a
 * lower-is-better metric becomes "the interval of the mean log ratio lies wholly below log 0.80".
 * Absolute targets are analysed on the candidate's own values in the metric's unit.
 */
export interface DecisionRule {
  /** Threshold on the analysis scale (log ratio for relative targets, metric unit for absolute). */
  bound: number;
  /** 'below': pass needs the whole interval below the bound; 'above': wholly above. */
  passSide: 'below' | 'above';
  /** For absolute targets with '<=' / '>=': the bound itself still passes; '<' / '>' it fails. */
  inclusive: boolean;
}

export function decisionRule(target: Target, direction: MetricDirection): DecisionRule {
  const lowerIsBetter = direction === 'lower-is-better';
  switch (target.kind) {
    case 'improvement':
      // Lower-is-better must shrink to at most 1 - m; higher-is-better must grow to at least 1 + m.
      return lowerIsBetter
        ? { bound: Math.log(1 - target.minImprovement), passSide: 'below', inclusive: true }
        : { bound: Math.log(1 + target.minImprovement), passSide: 'above', inclusive: true };
    case 'regression':
      // Lower-is-better may grow to at most 1 + m; higher-is-better may shrink to at least 1 - m.
      return lowerIsBetter
        ? { bound: Math.log(1 + target.maxRegression), passSide: 'below', inclusive: true }
        : { bound: Math.log(1 - target.maxRegression), passSide: 'above', inclusive: true };
    case 'absolute':
      return {
        bound: target.threshold,
        passSide: comparatorSide(target.comparator),
        inclusive: target.comparator.endsWith('='),
      };
  }
}

function comparatorSide(comparator: Comparator): 'below' | 'above' {
  return comparator === '<' || comparator === '<=' ? 'below' : 'above';
}

/**
 * The three-outcome rule (as Pinpoint's SAME/DIFFERENT/UNKNOWN, or equivalence testing): pass when
 * the whole interval is on the passing side, fail when the whole interval is on the failing side,
 * inconclusive when it straddles the threshold. An interval touching the bound exactly counts as
 * on the side that `inclusive` gives the bound to.
 */
export function judgeInterval(
  interval: readonly [number, number],
  rule: DecisionRule,
): Exclude<TargetStatus, 'no-data'> {
  const [low, high] = interval;
  if (rule.passSide === 'below') {
    if (high < rule.bound || (rule.inclusive && high === rule.bound)) return 'pass';
    if (low > rule.bound || (!rule.inclusive && low === rule.bound)) return 'fail';
  } else {
    if (low > rule.bound || (rule.inclusive && low === rule.bound)) return 'pass';
    if (high < rule.bound || (!rule.inclusive && high === rule.bound)) return 'fail';
  }
  return 'inconclusive';
}
