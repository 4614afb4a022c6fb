/**
 * What `perf-gate verify` writes (verify.json, `mode: "verify"`) and prints (a terminal table). The
 * analysis returns numbers; only this file turns them into words. Pure.
 */
import type { MetricUnit } from '../model/round-record.js';
import { formatChange, formatInterval, formatValue } from '../report/format.js';
import type { BeforeAfterAnalysis, TrafficShift, WindowBuckets } from './before-after.js';
import {
  type CanaryAnalysis,
  isoTime,
  type MetricBuckets,
  type TrafficMix,
  type VerifyTargetResult,
} from './canary-analysis.js';
import { matcherText } from './label-matcher.js';
import type { RouteMix } from './route-mix.js';
import type { ComparisonSettings } from './verify-settings.js';

export interface VerifyResults {
  mode: 'verify';
  comparison: 'canary-vs-stable' | 'before-after';
  perfGateVersion: string;
  /** The store's query endpoint, without credentials. */
  store: string;
  /** The whole span queried (before-after: from the before window's start to the after window's end). */
  window: { start: string; end: string; stepSeconds: number; rateInterval: string };
  /** canary-vs-stable: the matchers of each variant, as PromQL. */
  variants?: { canary: string; stable: string };
  /** before-after: the service's matchers, the windows and the control shift. */
  beforeAfter?: {
    selector: string;
    deployTime: string;
    before: { start: string; end: string };
    after: { start: string; end: string };
    /** Seconds between each window and its control; null: no control. */
    controlShiftSeconds: number | null;
  };
  /** Per metric: the PromQL sent, and the buckets used and left out. */
  metrics: (MetricBuckets | WindowBuckets)[];
  targets: VerifyTargetResult[];
  /** canary-vs-stable: the request rates of the two variants. */
  trafficMix?: TrafficMix | null;
  /** before-after: the request rate after against before (against the control's change). */
  trafficShift?: TrafficShift | null;
  /** With --route-label: the two sides' route mixes compared (first: the canary or the after window). */
  routeMix?: RouteMix | null;
  statistics: { method: string; alpha: number; resamples: number; seed: number; minBuckets: number };
  verdict: CanaryAnalysis['verdict'];
}

export interface VerifyMeta {
  version: string;
  store: string;
  comparison: ComparisonSettings;
  stepSeconds: number;
  rateInterval: string;
  resamples: number;
  seed: number;
  minBuckets: number;
}

const METHOD = {
  'canary-vs-stable':
    'per bucket log(canary / stable) for relative targets, the canary value for absolute ones; mean with a circular block bootstrap standard error and a t interval; Holm across targets',
  'before-after':
    'per bucket log(value / value one control period earlier) (log value without a control) in each window; the after mean minus the before mean, each with a circular block bootstrap standard error, combined with Welch-Satterthwaite degrees of freedom; absolute targets on the after window; Holm across targets. Not interleaved',
} as const;

export function verifyResults(analysis: CanaryAnalysis | BeforeAfterAnalysis, meta: VerifyMeta): VerifyResults {
  const c = meta.comparison;
  const span: [number, number] =
    c.kind === 'canary-vs-stable' ? [c.start, c.end] : [c.windows.before[0], c.windows.after[1]];
  return {
    mode: 'verify',
    comparison: analysis.comparison,
    perfGateVersion: meta.version,
    store: meta.store,
    window: {
      start: isoTime(span[0]),
      end: isoTime(span[1]),
      stepSeconds: meta.stepSeconds,
      rateInterval: meta.rateInterval,
    },
    ...(c.kind === 'canary-vs-stable'
      ? { variants: { canary: c.canary.map(matcherText).join(','), stable: c.stable.map(matcherText).join(',') } }
      : {
          beforeAfter: {
            selector: c.selector.map(matcherText).join(','),
            deployTime: isoTime(c.deployTime),
            before: { start: isoTime(c.windows.before[0]), end: isoTime(c.windows.before[1]) },
            after: { start: isoTime(c.windows.after[0]), end: isoTime(c.windows.after[1]) },
            controlShiftSeconds: c.windows.controlShift,
          },
        }),
    metrics: analysis.metrics,
    targets: analysis.targets,
    ...(analysis.comparison === 'canary-vs-stable'
      ? { trafficMix: analysis.trafficMix }
      : { trafficShift: analysis.trafficShift }),
    ...(analysis.routeMix ? { routeMix: analysis.routeMix } : {}),
    statistics: {
      method: METHOD[analysis.comparison],
      alpha: analysis.alpha,
      resamples: meta.resamples,
      seed: meta.seed,
      minBuckets: meta.minBuckets,
    },
    verdict: analysis.verdict,
  };
}

/** The sentence every before-after report carries: what such a comparison cannot rule out. */
export function notInterleavedText(results: VerifyResults): string {
  const shift = results.beforeAfter?.controlShiftSeconds;
  return `Not interleaved: the windows before and after the deploy are different times, so whatever else changed between them (traffic, other deploys, dependencies) is in the estimate.${shift ? ` The control (the same windows ${durationWords(shift)} earlier) takes out what repeats with that period, not one-off events.` : ' No control period was used, so the daily pattern is in the estimate too.'}`;
}

function durationWords(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

/** One metric's bucket line, for the terminal and verify.md: `name` is the metric name as the caller shows it. */
export function bucketLine(m: MetricBuckets | WindowBuckets, name: string): string {
  if ('query' in m)
    return `${name}: ${m.before} buckets before, ${m.after} after${m.withoutControl ? `; left out ${m.withoutControl.before} before and ${m.withoutControl.after} after without a control bucket` : ''}${m.notPositive ? `, ${m.notPositive} with a zero (no log)` : ''}`;
  return `${name}: ${m.paired} paired buckets; left out ${m.onlyCanary} canary-only, ${m.onlyStable} stable-only${m.notPositive ? `, ${m.notPositive} with a zero (no log ratio)` : ''}`;
}

/** The route-mix line, for the terminal and verify.md: `name` shows a route or label as the caller shows it. */
export function routeLine(results: VerifyResults, name: (text: string) => string): string | undefined {
  const mix = results.routeMix;
  if (!mix) return undefined;
  const [first, second] = results.comparison === 'before-after' ? ['after', 'before'] : ['canary', 'stable'];
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const largest = mix.largest
    .map((r) => `${name(r.route || '(none)')} ${pct(r.share)} ${first}, ${pct(r.otherShare)} ${second}`)
    .join('; ');
  return `route mix (${name(mix.label)}, ${mix.routes} routes): ${pct(mix.distance)} of requests would have to change route to match (allowed ${pct(mix.maxDistance)}); largest differences: ${largest}${mix.flagged ? `. FLAGGED: the ${first} and the ${second} were not asked the same kinds of requests; a pass is reported as inconclusive` : ''}`;
}

/** The traffic line, for the terminal and verify.md: `name` is the metric name as the caller shows it. */
export function trafficLine(results: VerifyResults, name: (metric: string) => string): string {
  const mix = results.trafficMix;
  const shift = results.trafficShift;
  if (mix)
    return `traffic (${name(mix.metric)}): canary ${formatValue(mix.canaryRate, 'req/s')}, stable ${formatValue(mix.stableRate, 'req/s')}, ratio ${mix.ratio.toFixed(3)} (expected ${mix.expectedRatio}, allowed ±${(mix.maxDifference * 100).toFixed(0)} %)${mix.flagged ? ': FLAGGED, the variants did not see the same traffic; a pass is reported as inconclusive' : ''}`;
  if (shift)
    return `traffic (${name(shift.metric)}): ${formatValue(shift.beforeRate, 'req/s')} before, ${formatValue(shift.afterRate, 'req/s')} after${shift.controlRatio === null ? '' : `, against ${shift.controlRatio.toFixed(3)} × in the control windows`}: ratio ${shift.ratio.toFixed(3)} (allowed 1 ± ${(shift.maxDifference * 100).toFixed(0)} %)${shift.flagged ? ': FLAGGED, the request rate changed more than the control explains; a pass is reported as inconclusive' : ''}`;
  return 'traffic: not checked (no counter_rate or histogram metric in the config, and no --traffic-metric)';
}

const STATUS_WORD: Record<string, string> = {
  pass: 'pass',
  fail: 'FAIL',
  inconclusive: 'inconclusive',
  'no-data': 'no data',
};

export function renderVerifyTerminal(results: VerifyResults, units: ReadonlyMap<string, MetricUnit>): string {
  const rows = results.targets.map((t) => {
    const format = t.kind === 'absolute' ? (v: number) => formatValue(v, units.get(t.metric) ?? 'count') : formatChange;
    return [
      t.expression,
      t.estimate === null ? '—' : format(t.estimate),
      formatInterval(t.interval, format),
      t.confidenceLevel === null ? '' : `${(t.confidenceLevel * 100).toFixed(1)} %`,
      String(t.buckets),
      STATUS_WORD[t.status] ?? t.status,
    ];
  });
  const header = [
    'target',
    results.comparison === 'before-after' ? 'after vs before' : 'canary vs stable',
    'interval',
    'level',
    'buckets',
    'status',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const ba = results.beforeAfter;
  const out = [
    ba
      ? `perf-gate verify: after vs before the deploy at ${ba.deployTime} (${ba.selector})`
      : `perf-gate verify: canary (${results.variants?.canary}) vs stable (${results.variants?.stable})`,
    ba
      ? `before ${ba.before.start} .. ${ba.before.end}, after ${ba.after.start} .. ${ba.after.end}, ${results.window.stepSeconds} s buckets, store ${results.store}`
      : `window ${results.window.start} .. ${results.window.end}, ${results.window.stepSeconds} s buckets, store ${results.store}`,
    ...(ba ? [notInterleavedText(results)] : []),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...results.metrics.map((m) => bucketLine(m, m.metric)),
    ...results.targets.filter((t) => t.reason).map((t) => `${t.expression}: ${t.reason}`),
    trafficLine(results, (m) => m),
    ...(routeLine(results, (text) => text) ? [routeLine(results, (text) => text)!] : []),
  ];
  out.push('', `verdict: ${results.verdict}`);
  return out.join('\n');
}
