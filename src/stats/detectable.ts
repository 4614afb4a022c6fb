import { normalQuantile, studentTQuantile } from './distributions.js';

/**
 * What the interval a target was judged with can and cannot decide.
 *
 * A target is decided when its interval lies wholly on one side of the threshold. Near enough, an
 * interval at level L is the estimate plus or minus z·se, where z = z_{(1+L)/2} and se is the estimate's
 * standard error. If the truth lies δ from the threshold, the estimate is about N(threshold + δ, se²),
 * and the interval clears the threshold with probability Φ(δ / se - z). That probability reaches
 * `power` at δ = (z + z_power) · se = h · (1 + z_power / z), where h = z · se is the interval's own
 * half-width. The se is itself estimated from n samples, so z_power is taken from Student's t with
 * n − 1 degrees of freedom (0.88 instead of 0.84 at 10 samples), which is what keeps small runs at their
 * promise. So the detectable distance is read off the interval actually used (its method, its
 * level after Holm and after the sequential look's share of alpha), not from a formula on another
 * spread: the issue this replaces was a normal-theory figure on a MAD spread that came out smaller than
 * the half-width of the signed-rank interval it was shown beside (median 0.82×), which no run could meet.
 *
 * The half-width is the larger of the two sides (a rank interval is not symmetric), so the figure is
 * the distance at which either decision, pass or fail, is reached with at least `power`.
 * bench/detectable-check.ts checks by simulation that effects of this size are caught.
 */
export interface IntervalReach {
  /** How far the truth must lie from the threshold to be decided with probability `power`, on the analysis scale. */
  distance: number;
  /** The estimate's standard error implied by the interval, scaled to one sample: se · √n. */
  spreadPerSample: number;
}

export function intervalReach(
  interval: readonly [number, number],
  estimate: number,
  level: number,
  samples: number,
  power: number,
): IntervalReach | null {
  const [low, high] = interval;
  if (!(Number.isFinite(low) && Number.isFinite(high) && Number.isFinite(estimate))) return null;
  if (!(level > 0 && level < 1 && power > 0 && power < 1 && samples >= 2)) return null;
  const halfWidth = Math.max(estimate - low, high - estimate, 0);
  const z = normalQuantile(1 - (1 - level) / 2);
  const se = halfWidth / z;
  return { distance: halfWidth + studentTQuantile(power, samples - 1) * se, spreadPerSample: se * Math.sqrt(samples) };
}

/**
 * If the truth lay `distance` from the threshold, the samples needed to decide with probability `power`
 * at a two-sided `alpha`, given the spread per sample the current interval implies (see `intervalReach`):
 * the smallest n with (t_{1-α/2, n-1} + t_{power, n-1}) · spread / √n <= distance, and never fewer than
 * `floor` (the least a distribution-free interval at this level needs to be bounded at all).
 * Null when the distance is not positive, the spread is unknown, or more than 10,000 would be needed.
 */
export function samplesToDecide(
  distance: number,
  spreadPerSample: number,
  alpha: number,
  power: number,
  floor = 2,
): number | null {
  if (!(distance > 0) || !Number.isFinite(spreadPerSample) || spreadPerSample < 0) return null;
  const least = Math.max(2, floor);
  if (spreadPerSample === 0) return least;
  const enough = (n: number) =>
    (studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(power, n - 1)) * (spreadPerSample / Math.sqrt(n)) <=
    distance;
  if (!enough(10_000)) return null;
  let lo = least;
  let hi = 10_000;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
