/**
 * The inputs of `perf-gate verify`, read and checked once, each message naming its flag. Pure: the
 * flag values and the current time in, typed settings out.
 */
import { InputError, invalidValue } from '../errors.js';
import { type LabelMatcher, matcherText, parseLabelMatchers } from './label-matcher.js';

export interface VerifyFlags {
  prometheusUrl?: string;
  canary?: string;
  stable?: string;
  start?: string;
  end?: string;
  window?: string;
  step?: string;
  rateInterval?: string;
  timeout?: string;
  minBuckets?: string;
  trafficRatio?: string;
  maxTrafficDifference?: string;
  resamples?: string;
  seed?: string;
}

export interface VerifySettings {
  prometheusUrl: string;
  canary: LabelMatcher[];
  stable: LabelMatcher[];
  /** Unix seconds, whole. */
  start: number;
  end: number;
  stepSeconds: number;
  rateInterval: string;
  timeoutMs: number;
  minBuckets: number;
  trafficRatio: number;
  maxTrafficDifference: number;
  resamples: number;
  seed: number;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** Prometheus's own duration syntax for the range of rate(): 30s, 1m, 5m, 1h (a single unit). */
const PROMQL_DURATION = /^(\d+)(s|m|h|d)$/;
/** Most buckets one query may ask for: Prometheus refuses more than 11,000 points per series. */
const MAX_BUCKETS = 11_000;

export function readVerifySettings(flags: VerifyFlags, nowMs: number): VerifySettings {
  if (!flags.prometheusUrl)
    throw invalidValue('--prometheus-url', flags.prometheusUrl, 'the base URL of a Prometheus-compatible store');
  const canary = parseLabelMatchers(required(flags.canary, '--canary'), '--canary');
  const stable = parseLabelMatchers(required(flags.stable, '--stable'), '--stable');
  if (canary.map(matcherText).join(',') === stable.map(matcherText).join(','))
    throw new InputError('--canary and --stable: the same matchers select the same series; give each variant its own');
  const stepSeconds = seconds('--step', flags.step ?? '1m');
  const end = flags.end === undefined ? Math.floor(nowMs / 1000) : instant('--end', flags.end);
  let start: number;
  if (flags.start !== undefined) {
    if (flags.window !== undefined) throw new InputError('--start and --window: give one of them, not both');
    start = instant('--start', flags.start);
  } else start = end - seconds('--window', flags.window ?? '1h');
  if (!(start < end)) throw new InputError(`--start (${iso(start)}) must be before --end (${iso(end)})`);
  if ((end - start) / stepSeconds > MAX_BUCKETS)
    throw new InputError(
      `--step ${flags.step ?? '1m'} over ${(end - start) / 3600} h asks for more than ${MAX_BUCKETS} buckets, Prometheus's limit per query; use a longer step or a shorter window`,
    );
  const rateInterval = flags.rateInterval ?? `${stepSeconds}s`;
  if (!PROMQL_DURATION.test(rateInterval) || seconds('--rate-interval', rateInterval) < stepSeconds)
    throw invalidValue(
      '--rate-interval',
      rateInterval,
      `a PromQL duration (30s, 2m) at least as long as the step (${stepSeconds}s)`,
    );
  return {
    prometheusUrl: flags.prometheusUrl,
    canary,
    stable,
    start,
    end,
    stepSeconds,
    rateInterval,
    timeoutMs: seconds('--timeout', flags.timeout ?? '30s') * 1000,
    minBuckets: integer('--min-buckets', flags.minBuckets ?? '10', 4),
    trafficRatio: positive('--traffic-ratio', flags.trafficRatio ?? '1'),
    maxTrafficDifference: share('--max-traffic-difference', flags.maxTrafficDifference ?? '20%'),
    resamples: integer('--resamples', flags.resamples ?? '4000', 200),
    seed: integer('--seed', flags.seed ?? '1', 0),
  };
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
