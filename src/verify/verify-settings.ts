/**
 * The inputs of `perf-gate verify`, read and checked once, each message naming its flag. Pure: the
 * flag values and the current time in, typed settings out.
 */
import { InputError, invalidValue } from '../errors.js';
import { type BeforeAfterWindows, beforeAfterWindows } from './before-after.js';
import { type LabelMatcher, matcherText, parseLabelMatchers } from './label-matcher.js';
import { checkedRouteLabel } from './route-mix.js';

export interface VerifyFlags {
  prometheusUrl?: string;
  compare?: string;
  canary?: string;
  stable?: string;
  selector?: string;
  deployTime?: string;
  settle?: string;
  control?: string;
  start?: string;
  end?: string;
  window?: string;
  step?: string;
  rateInterval?: string;
  timeout?: string;
  minBuckets?: string;
  trafficRatio?: string;
  maxTrafficDifference?: string;
  routeLabel?: string;
  maxRouteDifference?: string;
  resamples?: string;
  seed?: string;
}

/** Which comparison, and what it needs: two variants side by side, or one service's windows around a deploy. */
export type ComparisonSettings =
  | { kind: 'canary-vs-stable'; canary: LabelMatcher[]; stable: LabelMatcher[]; start: number; end: number }
  | { kind: 'before-after'; selector: LabelMatcher[]; deployTime: number; windows: BeforeAfterWindows };

export interface VerifySettings {
  prometheusUrl: string;
  comparison: ComparisonSettings;
  stepSeconds: number;
  rateInterval: string;
  timeoutMs: number;
  minBuckets: number;
  trafficRatio: number;
  maxTrafficDifference: number;
  /** --route-label: compare the route mixes of the two sides; undefined, not checked. */
  routes: { label: string; maxDistance: number } | undefined;
  resamples: number;
  seed: number;
}

export const COMPARISONS = ['canary-vs-stable', 'before-after'] as const;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** Prometheus's own duration syntax for the range of rate(): 30s, 1m, 5m, 1h (a single unit). */
const PROMQL_DURATION = /^(\d+)(s|m|h|d)$/;
/** Most buckets one query may ask for: Prometheus refuses more than 11,000 points per series. */
const MAX_BUCKETS = 11_000;

export function readVerifySettings(flags: VerifyFlags, nowMs: number): VerifySettings {
  if (!flags.prometheusUrl)
    throw invalidValue('--prometheus-url', flags.prometheusUrl, 'the base URL of a Prometheus-compatible store');
  const compare = flags.compare ?? (flags.deployTime !== undefined ? 'before-after' : 'canary-vs-stable');
  if (!(COMPARISONS as readonly string[]).includes(compare))
    throw invalidValue('--compare', compare, COMPARISONS.join(' or '));
  const stepSeconds = seconds('--step', flags.step ?? '1m');
  const now = Math.floor(nowMs / 1000);
  const rateInterval = flags.rateInterval ?? `${stepSeconds}s`;
  if (!PROMQL_DURATION.test(rateInterval) || seconds('--rate-interval', rateInterval) < stepSeconds)
    throw invalidValue(
      '--rate-interval',
      rateInterval,
      `a PromQL duration (30s, 2m) at least as long as the step (${stepSeconds}s)`,
    );
  const comparison =
    compare === 'before-after'
      ? beforeAfter(flags, now, stepSeconds, seconds('--rate-interval', rateInterval))
      : canaryVsStable(flags, now, stepSeconds);
  return {
    prometheusUrl: flags.prometheusUrl,
    comparison,
    stepSeconds,
    rateInterval,
    timeoutMs: seconds('--timeout', flags.timeout ?? '30s') * 1000,
    minBuckets: integer('--min-buckets', flags.minBuckets ?? '10', 4),
    trafficRatio: positive('--traffic-ratio', flags.trafficRatio ?? '1'),
    maxTrafficDifference: share('--max-traffic-difference', flags.maxTrafficDifference ?? '20%'),
    routes: routeSettings(flags),
    resamples: integer('--resamples', flags.resamples ?? '4000', 200),
    seed: integer('--seed', flags.seed ?? '1', 0),
  };
}

function canaryVsStable(flags: VerifyFlags, now: number, stepSeconds: number): ComparisonSettings {
  for (const [flag, value] of [
    ['--selector', flags.selector],
    ['--deploy-time', flags.deployTime],
    ['--settle', flags.settle],
    ['--control', flags.control],
  ] as const)
    if (value !== undefined)
      throw new InputError(`${flag}: applies to --compare before-after; canary-vs-stable takes --canary and --stable`);
  const canary = parseLabelMatchers(required(flags.canary, '--canary'), '--canary');
  const stable = parseLabelMatchers(required(flags.stable, '--stable'), '--stable');
  if (canary.map(matcherText).join(',') === stable.map(matcherText).join(','))
    throw new InputError('--canary and --stable: the same matchers select the same series; give each variant its own');
  const end = flags.end === undefined ? now : instant('--end', flags.end);
  let start: number;
  if (flags.start !== undefined) {
    if (flags.window !== undefined) throw new InputError('--start and --window: give one of them, not both');
    start = instant('--start', flags.start);
  } else start = end - seconds('--window', flags.window ?? '1h');
  if (!(start < end)) throw new InputError(`--start (${iso(start)}) must be before --end (${iso(end)})`);
  checkBuckets(end - start, stepSeconds, flags.step);
  return { kind: 'canary-vs-stable', canary, stable, start, end };
}

/**
 * Before vs after: --selector picks the service, --deploy-time splits the time, --window is each side's
 * length, --settle skips the rollout itself, --control (1d by default, or none) is the shift of the
 * control windows. The after window must be over, and the control windows must lie before the before one.
 */
function beforeAfter(flags: VerifyFlags, now: number, stepSeconds: number, rateSeconds: number): ComparisonSettings {
  for (const [flag, value] of [
    ['--canary', flags.canary],
    ['--stable', flags.stable],
    ['--start', flags.start],
    ['--end', flags.end],
    ['--traffic-ratio', flags.trafficRatio],
  ] as const)
    if (value !== undefined)
      throw new InputError(
        `${flag}: applies to --compare canary-vs-stable; before-after takes --selector, --deploy-time, --window, --settle and --control`,
      );
  const selector = parseLabelMatchers(
    flags.selector === undefined || flags.selector.trim() === ''
      ? invalid('--selector', flags.selector, 'label matchers of the service\'s series, e.g. app="my-rag-api"')
      : flags.selector,
    '--selector',
  );
  if (flags.deployTime === undefined)
    invalid('--deploy-time', undefined, "the deploy's time: RFC 3339 (2026-12-02T15:00:00Z) or unix seconds");
  const deployTime = instant('--deploy-time', flags.deployTime!);
  const windowSeconds = seconds('--window', flags.window ?? '1h');
  const settleSeconds = flags.settle === '0' ? 0 : seconds('--settle', flags.settle ?? '5m');
  // Each bucket's rate() looks back one rate interval: an after window starting sooner would hold
  // samples from before the deploy, and pull the estimate toward no change.
  if (settleSeconds < rateSeconds)
    throw invalidValue(
      '--settle',
      flags.settle ?? '5m',
      `at least the rate interval (${rateSeconds}s), so that no after-bucket's rate() reaches back before the deploy`,
    );
  const control = flags.control ?? '1d';
  const controlShift = control === 'none' ? null : seconds('--control', control);
  checkBuckets(windowSeconds, stepSeconds, flags.step);
  const windows = beforeAfterWindows({ deployTime, windowSeconds, settleSeconds, controlShift });
  if (windows.after[1] > now)
    throw new InputError(
      `--deploy-time ${iso(deployTime)} with --settle ${flags.settle ?? '5m'} and --window ${flags.window ?? '1h'}: the after window ends at ${iso(windows.after[1])}, ${Math.ceil((windows.after[1] - now) / 60)} min from now; run verify after that, or give a shorter --window`,
    );
  if (controlShift !== null && controlShift < windows.after[1] - windows.before[0])
    throw invalidValue(
      '--control',
      control,
      `none, or a shift at least as long as both windows and the settling time (${(windows.after[1] - windows.before[0]) / 60} min), such as 1d or 7d`,
    );
  return { kind: 'before-after', selector, deployTime, windows };
}

function routeSettings(flags: VerifyFlags): VerifySettings['routes'] {
  if (flags.routeLabel === undefined) {
    if (flags.maxRouteDifference !== undefined)
      throw new InputError('--max-route-difference: applies with --route-label, which names the label to split by');
    return undefined;
  }
  return {
    label: checkedRouteLabel(flags.routeLabel),
    maxDistance: share('--max-route-difference', flags.maxRouteDifference ?? '10%'),
  };
}

function checkBuckets(spanSeconds: number, stepSeconds: number, step: string | undefined): void {
  if (spanSeconds / stepSeconds > MAX_BUCKETS)
    throw new InputError(
      `--step ${step ?? '1m'} over ${spanSeconds / 3600} h asks for more than ${MAX_BUCKETS} buckets, Prometheus's limit per query; use a longer step or a shorter window`,
    );
}

function invalid(flag: string, value: string | undefined, expected: string): never {
  throw invalidValue(flag, value, expected);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '')
    throw invalidValue(flag, value, 'label matchers that select this variant, e.g. version="canary"');
  return value;
}

function seconds(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  const value = match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : Number.NaN;
  if (!(value > 0)) throw invalidValue(flag, text, 'a duration such as 30s, 1m, 2h or 1d');
  return value;
}

/** RFC 3339 (2026-12-02T15:00:00Z) or unix seconds, as Prometheus itself accepts. */
function instant(flag: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.floor(Number(text));
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)
    ? Date.parse(text)
    : Number.NaN;
  if (Number.isNaN(ms))
    throw invalidValue(flag, text, 'an RFC 3339 time with its zone (2026-12-02T15:00:00Z) or unix seconds');
  return Math.floor(ms / 1000);
}

function integer(flag: string, text: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min)) throw invalidValue(flag, text, `a whole number of at least ${min}`);
  return value;
}

function positive(flag: string, text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0))
    throw invalidValue(flag, text, 'a number above 0, e.g. 0.25 when the canary takes one request in five');
  return value;
}

function share(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim());
  if (!match) throw invalidValue(flag, text, 'a percentage such as 20%');
  return Number(match[1]) / 100;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
