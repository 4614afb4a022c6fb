/**
 * Assembles results.json from the rounds and the gate's evaluation. Pure: everything it needs is
 * passed in, so the same rounds always give the same results.
 */
import type { GateEvaluation } from '../gate/evaluate-targets.js';
import type { MetricInfo, RoundRecord } from '../model/round-record.js';
import { headline } from '../report/headline.js';
import { estimateMethodText } from '../report/method-text.js';
import { summarizeMetric, targetFigures } from '../report/metric-figures.js';
import { errorControlText, targetNote } from '../report/reason-text.js';
import { RESULTS_SCHEMA_VERSION, type Results, type TargetResult, type Verdict } from '../report/results.js';

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
  budget?: Results['budget'];
  /** Targets judged outside the paired analysis (the migration rehearsal's), after the others. */
  judgedApart?: TargetResult[];
}

/** The paired analysis's verdict with the targets judged apart: a miss fails, a target without data leaves a pass inconclusive. */
function withTargetsJudgedApart(verdict: Verdict, apart: readonly TargetResult[]): Verdict {
  if (verdict === 'error' || apart.length === 0) return verdict;
  if (apart.some((t) => t.status === 'fail')) return 'fail';
  if (verdict === 'pass' && apart.some((t) => t.status !== 'pass')) return 'inconclusive';
  return verdict;
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
  // Every metric row and target row from one estimate per metric (src/report/metric-figures.ts).
  const summaries = input.catalog.map((info) => summarizeMetric(info, input.rounds, input.confidence, evaluation));
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
    ...(t.processes ? { processes: t.processes } : {}),
    confidence: t.confidenceLevel ?? undefined,
    pValue: t.pValue ?? null,
    note: targetNote(t.expression, t.reason),
    reason: t.reason,
    figures: targetFigures(
      t,
      summaries.find((m) => m.name === t.metric),
      input.rounds,
    ),
  }));
  let verdict: Verdict;
  if (input.error) verdict = 'error';
  else if (!evaluation) verdict = 'inconclusive';
  else verdict = evaluation.verdict;
  if (evaluation && input.judgedApart?.length) {
    targets.push(...input.judgedApart);
    verdict = withTargetsJudgedApart(verdict, input.judgedApart);
  }

  const intervalMethods = evaluation ? [...new Set(evaluation.targets.map((t) => t.method))] : [];
  const metrics = summaries.filter((m) => m.baseline !== null || m.candidate !== null);
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
          method: estimateMethodText(intervalMethods, {
            ratesOnCounts: evaluation.targets.some((t) => t.rate !== undefined),
            processes: Math.max(0, ...evaluation.targets.map((t) => t.processes?.count ?? 0)),
          }),
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
    ...(input.budget ? { budget: input.budget } : {}),
    ...(input.error ? { error: input.error } : {}),
  };
}
