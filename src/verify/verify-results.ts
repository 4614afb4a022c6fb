/**
 * What `perf-gate verify` writes (verify.json, `mode: "verify"`) and prints (a terminal table). The
 * analysis returns numbers; only this file turns them into words. Pure.
 */
import type { MetricUnit } from '../model/round-record.js';
import { formatChange, formatInterval, formatValue } from '../report/format.js';
import { type CanaryAnalysis, isoTime } from './canary-analysis.js';
import { type LabelMatcher, matcherText } from './label-matcher.js';

export interface VerifyResults {
  mode: 'verify';
  comparison: CanaryAnalysis['comparison'];
  perfGateVersion: string;
  /** The store's query endpoint, without credentials. */
  store: string;
  window: { start: string; end: string; stepSeconds: number; rateInterval: string };
  variants: { canary: string; stable: string };
  /** Per metric: the PromQL sent for each variant, and the buckets used and left out. */
  metrics: CanaryAnalysis['metrics'];
  targets: CanaryAnalysis['targets'];
  trafficMix: CanaryAnalysis['trafficMix'];
  statistics: { method: string; alpha: number; resamples: number; seed: number; minBuckets: number };
  verdict: CanaryAnalysis['verdict'];
}

export function verifyResults(
  analysis: CanaryAnalysis,
  meta: {
    version: string;
    store: string;
    canary: readonly LabelMatcher[];
    stable: readonly LabelMatcher[];
    start: number;
    end: number;
    stepSeconds: number;
    rateInterval: string;
    resamples: number;
    seed: number;
    minBuckets: number;
  },
): VerifyResults {
  return {
    mode: 'verify',
    comparison: analysis.comparison,
    perfGateVersion: meta.version,
    store: meta.store,
    window: {
      start: isoTime(meta.start),
      end: isoTime(meta.end),
      stepSeconds: meta.stepSeconds,
      rateInterval: meta.rateInterval,
    },
    variants: { canary: meta.canary.map(matcherText).join(','), stable: meta.stable.map(matcherText).join(',') },
    metrics: analysis.metrics,
    targets: analysis.targets,
    trafficMix: analysis.trafficMix,
    statistics: {
      method:
        'per bucket log(canary / stable) for relative targets, the canary value for absolute ones; mean with a circular block bootstrap standard error and a t interval; Holm across targets',
      alpha: analysis.alpha,
      resamples: meta.resamples,
      seed: meta.seed,
      minBuckets: meta.minBuckets,
    },
    verdict: analysis.verdict,
  };
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
  const header = ['target', 'canary vs stable', 'interval', 'level', 'buckets', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [
    `perf-gate verify: canary (${results.variants.canary}) vs stable (${results.variants.stable})`,
    `window ${results.window.start} .. ${results.window.end}, ${results.window.stepSeconds} s buckets, store ${results.store}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...results.metrics.map(
      (m) =>
        `${m.metric}: ${m.paired} paired buckets; left out ${m.onlyCanary} canary-only, ${m.onlyStable} stable-only${m.notPositive ? `, ${m.notPositive} with a zero (no log ratio)` : ''}`,
    ),
    ...results.targets.filter((t) => t.reason).map((t) => `${t.expression}: ${t.reason}`),
  ];
  const mix = results.trafficMix;
  if (mix)
    out.push(
      `traffic (${mix.metric}): canary ${formatValue(mix.canaryRate, 'req/s')}, stable ${formatValue(mix.stableRate, 'req/s')}, ratio ${mix.ratio.toFixed(3)} (expected ${mix.expectedRatio}, allowed ±${(mix.maxDifference * 100).toFixed(0)} %)${mix.flagged ? ': FLAGGED, the variants did not see the same traffic; a pass is reported as inconclusive' : ''}`,
    );
  else out.push('traffic: not checked (no counter_rate or histogram metric in the config, and no --traffic-metric)');
  out.push('', `verdict: ${results.verdict}`);
  return out.join('\n');
}
