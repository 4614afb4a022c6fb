/**
 * The verdict of a run as data: judges the targets on the rounds and assembles results.json from the
 * rounds, the config and what the run state recorded. Pure: no file, no clock, no environment (the
 * compare stage reads the rounds and passes the time in), so one run's inputs always give one answer.
 */

import { replacedTargets } from '../config/aa-mode.js';
import type { PerfGateConfig } from '../config/config.js';
import { metricCatalog } from '../config/load.js';
import { type BucketBoundEvaluation, judgeOnBounds, verdictOf } from '../gate/bucket-bound.js';
import { evaluateTargets, type GateEvaluation } from '../gate/evaluate-targets.js';
import { roundPlanRecord } from '../load/round-plan.js';
import { SecretMasker } from '../log.js';
import type { RoundRecord } from '../model/round-record.js';
import { bucketBoundNote } from '../report/bucket-bound-text.js';
import { maskResults } from '../report/mask-results.js';
import type { Results, TargetResult } from '../report/results.js';
import { buildResults } from './build-results.js';
import { judgeRehearsalTargets } from './rehearsal-targets.js';
import type { RunState } from './run-state.js';
import { sequentialPlan } from './stages/bench.js';
import { type StoredBaseline, withStoredBaseline } from './stored-baseline.js';

export interface DecideInput {
  /** perf-gate's version, recorded in results.json. */
  version: string;
  config: PerfGateConfig;
  state: RunState;
  /** The rounds this run measured (rounds.json). */
  rounds: RoundRecord[];
  /** The earlier run's rounds, when the config takes the baseline from its results. */
  stored?: StoredBaseline;
  finishedAt: string;
  /** The pull request the run is about, recorded so `comment` can find it again. */
  pullRequest?: { number: number; headSha: string };
  /** The drift targets, judged on the history by the caller (src/history/drift-target.ts). */
  drift?: TargetResult[];
}

/**
 * The evaluation with bucket-bound samples judged as the ranges they are (src/gate/bucket-bound.ts): a target
 * keeps its status only when the buckets' bounds decide it the same way.
 * evaluateTargets does not see the bounds yet, so its Holm order comes from the interpolated values; moving
 * judgeOnBounds's interval into its analysis would let the p-values use them too.
 */
function withBucketBounds(
  evaluation: GateEvaluation,
  config: PerfGateConfig,
  rounds: readonly RoundRecord[],
): Omit<GateEvaluation, 'targets'> & { targets: BucketBoundEvaluation[] } {
  const targets = evaluation.targets.map((t, i) =>
    config.targets[i] ? judgeOnBounds(t, config.targets[i], rounds) : t,
  );
  return { ...evaluation, targets, verdict: verdictOf(targets) };
}

export function decide(input: DecideInput): Results {
  const { config, state, stored } = input;
  const rounds = withStoredBaseline(input.rounds, stored);
  const catalog = metricCatalog(config);
  const plan = sequentialPlan({ config });
  const look = Math.min(state.bench?.look ?? 1, plan.pairsAtLook.length);
  const evaluated =
    rounds.length > 0 && !state.failure
      ? evaluateTargets(config.targets, rounds, catalog, { minPairs: config.gate.minPairs, sequential: { plan, look } })
      : null;
  const evaluation = evaluated && withBucketBounds(evaluated, config, rounds);
  const built = buildResults({
    version: input.version,
    runId: state.runId,
    plan: roundPlanRecord(config.load.seed, config.load.design),
    startedAt: state.startedAt,
    finishedAt: input.finishedAt,
    config: config.source,
    rounds,
    catalog,
    evaluation,
    confidence: config.gate.confidence,
    plannedPairs: config.load.pairs,
    stoppingReason: state.bench?.stoppingReason ?? (state.failure ? `${state.failure.stage} failed` : 'not started'),
    migration: state.database
      ? {
          strategy: state.database.strategy,
          throwaway: state.database.throwaway?.kind ?? null,
          serverVersion: state.database.serverVersion ?? null,
          ...state.database.migration,
        }
      : null,
    environment: {
      ...(state.backend?.environment ?? {}),
      postgres: state.database?.serverVersion ?? null,
      ...(stored
        ? {
            baseline: `stored: ${stored.rounds.length} candidate rounds of run ${stored.runId} (finished ${stored.finishedAt}), not interleaved with this run, so drift between the two runs is not cancelled`,
          }
        : {}),
    },
    error: state.failure,
    mode: state.aa ? 'aa' : undefined,
    judgedApart: [
      ...(config.rehearsalTargets?.length
        ? judgeRehearsalTargets(config.rehearsalTargets, state.rehearsal, state.rehearsalSkipped ?? 'no record of it')
        : []),
      ...(input.drift ?? []),
    ],
    budget:
      config.gate.budget && state.bench?.usedMs !== undefined
        ? {
            plannedMs: config.gate.budget.budgetMs,
            usedMs: state.bench.usedMs,
            roundDurationMs: config.load.roundDurationMs,
            maxPairs: config.load.maxPairs,
          }
        : undefined,
  });
  built.targets.forEach((t, i) => {
    // A/A mode judges each metric with a zero-tolerance guard in place of the configured targets: say which.
    const replaces = evaluation && config.targets[i] ? replacedTargets(config.targets[i]) : [];
    if (replaces.length > 0) t.replaces = replaces;
    const bucketBound = evaluation?.targets[i]?.bucketBound;
    if (bucketBound) {
      t.bucketBound = bucketBound;
      t.note = `${bucketBoundNote(t, evaluated!.targets[i]!.status)}${t.note ? ` ${t.note}` : ''}`;
    }
  });
  // Masked before rendering: report.md, report.html and results.json all come from this one object.
  const results = maskResults(built, SecretMasker.of([...state.secrets, ...config.secrets]));
  // Masked like the rest: a migration error quotes Postgres, which can quote a value.
  const masker = SecretMasker.of([...state.secrets, ...config.secrets]);
  if (state.rehearsal)
    results.rehearsal = {
      ...state.rehearsal,
      ...(state.rehearsal.error ? { error: masker.mask(state.rehearsal.error) } : {}),
    };
  if (state.database?.lint) results.migrationLint = state.database.lint;
  if (input.pullRequest) results.pullRequest = { number: input.pullRequest.number, headSha: input.pullRequest.headSha };
  return results;
}
