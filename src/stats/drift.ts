/**
 * Slow drift from a chain of paired changes. Every merged change passed a gate that measured it
 * against its parent, side by side on one runner: a ratio (1.02 = 2 % slower) with an interval. The
 * change of a metric since some point is then the product of the ratios of the changes merged since,
 * a chain that no runner-to-runner or week-to-week difference enters, since each link was measured in
 * one run. Ten changes of +1 % that each passed their gate add up to +10.5 %.
 *
 * The uncertainty accumulates on the log scale: each interval's half-width there gives a standard
 * error, and the variance of the sum of the log ratios is the sum of their variances. That sum assumes
 * the gates' estimation errors are independent: each gate measured its own pair of builds in its own
 * run, so nothing is shared between two links except the runner class. If runs on one runner shared a
 * bias (a baseline build that is always measured first, say), the errors would add in step and the
 * interval below would be too narrow.
 */
import { normalQuantile } from './distributions.js';

export interface PairedChange {
  /** What names the change in a report: a pull request number, a commit. */
  id: string;
  /** Candidate / baseline estimate of the metric (lower is better: above 1 is slower). */
  ratio: number;
  /** The gate's interval for the ratio, at `level`. */
  lower: number;
  upper: number;
  /** Two-sided confidence level of [lower, upper], e.g. 0.95. */
  level: number;
}

export interface DriftContribution {
  id: string;
  ratio: number;
  logRatio: number;
  /** Standard error of logRatio, derived from the interval. */
  standardError: number;
  /**
   * logRatio / (sum of all log ratios): the part of the cumulative change this change carries (negative
   * for a change that worked against it). Null when the log ratios sum to exactly 0.
   */
  share: number | null;
}

export interface Drift {
  /** Product of the ratios. */
  ratio: number;
  /** Interval for the cumulative ratio at `level`. */
  lower: number;
  upper: number;
  level: number;
  /** Sum of the log ratios and its standard error (root of the summed variances). */
  logRatio: number;
  logStandardError: number;
  /** Every change, the largest share of the cumulative change first. */
  contributions: DriftContribution[];
}

/**
 * Standard error of a change's log ratio: half the width of its interval on the log scale over the
 * normal quantile of its level. An interval asymmetric on the log scale (a bootstrap or Hodges–Lehmann
 * one) is summarised by its mean half-width. Where the gate used a t quantile, dividing by the normal
 * one overstates the error a little, which errs towards a wider cumulative interval.
 */
export function logStandardError(change: PairedChange): number {
  return (Math.log(change.upper) - Math.log(change.lower)) / 2 / normalQuantile((1 + change.level) / 2);
}

function validate(change: PairedChange): void {
  const { id, ratio, lower, upper, level } = change;
  if (!(level > 0 && level < 1))
    throw new RangeError(`drift: change ${id}: level must lie strictly between 0 and 1 (got ${level})`);
  if (![ratio, lower, upper].every((v) => Number.isFinite(v) && v > 0)) {
    throw new RangeError(
      `drift: change ${id}: ratio and interval must be positive finite numbers (got ${ratio} in [${lower}, ${upper}])`,
    );
  }
  if (!(lower <= ratio && ratio <= upper))
    throw new RangeError(`drift: change ${id}: ratio ${ratio} lies outside its interval [${lower}, ${upper}]`);
}

/**
 * The cumulative change of one metric over a chain of merged changes, with an interval at `level`
 * (default 0.95) and the changes ranked by their share of it. With no changes, the ratio is 1 and the
 * interval [1, 1].
 */
export function cumulativeDrift(changes: readonly PairedChange[], level = 0.95): Drift {
  if (!(level > 0 && level < 1)) throw new RangeError(`drift: level must lie strictly between 0 and 1 (got ${level})`);
  for (const change of changes) validate(change);
  const links = changes.map((change) => ({
    id: change.id,
    ratio: change.ratio,
    logRatio: Math.log(change.ratio),
    standardError: logStandardError(change),
  }));
  const logRatio = links.reduce((sum, link) => sum + link.logRatio, 0);
  const logStandardErrorOfSum = Math.sqrt(links.reduce((sum, link) => sum + link.standardError ** 2, 0));
  const halfWidth = normalQuantile((1 + level) / 2) * logStandardErrorOfSum;
  // Rank by the signed share: for a total that is a slowdown, the largest slowdowns first; for a net
  // speed-up, the largest speed-ups first; with a total of exactly 0, slowdowns first.
  const direction = logRatio < 0 ? -1 : 1;
  const contributions = links
    .map((link): DriftContribution => ({ ...link, share: logRatio === 0 ? null : link.logRatio / logRatio }))
    .sort((a, b) => direction * (b.logRatio - a.logRatio));
  return {
    ratio: Math.exp(logRatio),
    lower: Math.exp(logRatio - halfWidth),
    upper: Math.exp(logRatio + halfWidth),
    level,
    logRatio,
    logStandardError: logStandardErrorOfSum,
    contributions,
  };
}

/**
 * Whether the drift is established beyond a tolerance: the whole interval lies above 1 + tolerance
 * (tolerance 0.02: slower by more than 2 %, with the interval's confidence). Data for the caller to word.
 */
export function driftExceeds(drift: Drift, tolerance: number): boolean {
  return drift.lower > 1 + tolerance;
}
