/**
 * Assembles results.json from the rounds and the gate's evaluation. Pure: everything it needs is
 * passed in, so the same rounds always give the same results.
 */
import { median } from 'simple-statistics';
import type { GateEvaluation } from '../gate/evaluate-targets.js';
import type { MetricInfo, RoundRecord } from '../model/round-record.js';
import { headline } from '../report/headline.js';
import { errorControlText, intervalMethodsText, targetNote } from '../report/reason-text.js';
import {
  type MetricSummary,
  RESULTS_SCHEMA_VERSION,
  type Results,
  type TargetResult,
  type Verdict,
} from '../report/results.js';
import { studentTInterval } from '../stats/location-interval.js';
import { pairedLogRatios, pairRounds } from '../stats/paired-rounds.js';

export interface BuildResultsInput {
  version: string;
  runId: string;
  startedAt: string;
  finishedAt: string;
  config: string;
  rounds: RoundRecord[];
  catalog: MetricInfo[];
  evaluation: GateEvaluation | null;
  /** Level of the per-metric intervals in the details table. */
  confidence: number;
  plannedPairs: number;
  stoppingReason: string;
  migration: unknown;
  environment: Record<string, unknown>;
  error?: Results['error'];
  mode?: Results['mode'];
  plan?: Results['plan'];
}

export function summarizeMetric(info: MetricInfo, rounds: RoundRecord[], confidence: number): MetricSummary {
  const valuesOf = (variant: 'baseline' | 'candidate') =>
    rounds
      .filter((r) => r.valid && r.variant === variant)
      .map((r) => r.values[info.name])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const b = valuesOf('baseline');
  const c = valuesOf('candidate');
  const paired = pairRounds(rounds, info.name, true);
  const logs = pairedLogRatios(paired);
  let change: number | null = null;
  let ci: [number, number] | null = null;
  if (logs.length >= 2) {
    const t = studentTInterval(logs, confidence);
    change = Math.expm1(t.estimate);
    ci = [Math.expm1(t.interval[0]), Math.expm1(t.interval[1])];
  } else if (logs.length === 1) change = Math.expm1(logs[0]!);
  return {
    name: info.name,
    unit: info.unit,
    direction: info.direction,
    source: info.source,
    description: info.description,
    baseline: b.length ? median(b) : null,
    candidate: c.length ? median(c) : null,
    change,
    ci,
    pairs: logs.length,
  };
}

function countPairs(rounds: RoundRecord[], validOnly: boolean): number {
  const byPair = new Map<number, Set<string>>();
  for (const r of rounds) {
    if (validOnly && !r.valid) continue;
    const set = byPair.get(r.pair) ?? new Set<string>();
    set.add(r.variant);
    byPair.set(r.pair, set);
  }
  return [...byPair.values()].filter((s) => s.size === 2).length;
}

export function buildResults(input: BuildResultsInput): Results {
  const { evaluation } = input;
  const targets: TargetResult[] = (evaluation?.targets ?? []).map((t) => ({
    expression: t.expression,
    metric: t.metric,
    kind: t.kind,
    status: t.status,
    estimate: t.estimate,
    ci: t.ci,
    unit: t.unit,
    threshold: t.threshold,
    minimumDetectableEffect: t.minDetectableEffect,
    confidence: t.confidenceLevel ?? undefined,
    pValue: t.pValue ?? null,
    note: targetNote(t.expression, t.reason),
    reason: t.reason,
  }));
  let verdict: Verdict;
  if (input.error) verdict = 'error';
  else if (!evaluation) verdict = 'inconclusive';
  else verdict = evaluation.verdict;

  const intervalMethods = evaluation ? [...new Set(evaluation.targets.map((t) => t.method))] : [];
  const metrics = input.catalog
    .map((info) => summarizeMetric(info, input.rounds, input.confidence))
    .filter((m) => m.baseline !== null || m.candidate !== null);
  const partial = { verdict, targets, error: input.error, mode: input.mode };
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'perf-gate', version: input.version },
    runId: input.runId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    config: input.config,
    verdict,
    ...(input.mode === 'aa' ? { mode: 'aa' as const } : {}),
    headline: headline(partial),
    targets,
    metrics,
    rounds: input.rounds,
    decision: evaluation
      ? {
          confidence: input.confidence,
          method: intervalMethodsText(
            intervalMethods,
            evaluation.targets.some((t) => t.rate !== undefined),
          ),
          multipleComparisons: errorControlText(evaluation.errorControl),
          intervalMethods,
          errorControl: evaluation.errorControl,
          plannedPairs: input.plannedPairs,
          measuredPairs: countPairs(input.rounds, false),
          validPairs: countPairs(input.rounds, true),
          stoppingReason: input.stoppingReason,
        }
      : null,
    migration: input.migration ?? null,
    environment: input.environment,
    ...(input.plan ? { plan: input.plan } : {}),
    ...(input.error ? { error: input.error } : {}),
  };
}
