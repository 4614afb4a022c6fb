/**
 * The verdict of a run as data: judges the targets on the rounds and assembles results.json from the
 * rounds, the config and what the run state recorded. Pure: no file, no clock, no environment (the
 * compare stage reads the rounds and passes the time in), so one run's inputs always give one answer.
 */
import type { PerfGateConfig } from '../config/config.js';
import { metricCatalog } from '../config/load.js';
import { evaluateTargets } from '../gate/evaluate-targets.js';
import { roundPlanRecord } from '../load/round-plan.js';
import { SecretMasker } from '../log.js';
import type { RoundRecord } from '../model/round-record.js';
import { maskResults } from '../report/mask-results.js';
import type { Results } from '../report/results.js';
import { buildResults } from './build-results.js';
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
}

export function decide(input: DecideInput): Results {
  const { config, state, stored } = input;
  const rounds = withStoredBaseline(input.rounds, stored);
  const catalog = metricCatalog(config);
  const plan = sequentialPlan({ config });
  const look = Math.min(state.bench?.look ?? 1, plan.pairsAtLook.length);
  const evaluation =
    rounds.length > 0 && !state.failure
      ? evaluateTargets(config.targets, rounds, catalog, { minPairs: config.gate.minPairs, sequential: { plan, look } })
      : null;
  // Masked before rendering: report.md, report.html and results.json all come from this one object.
  const results = maskResults(
    buildResults({
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
      budget:
        config.gate.budget && state.bench?.usedMs !== undefined
          ? {
              plannedMs: config.gate.budget.budgetMs,
              usedMs: state.bench.usedMs,
              roundDurationMs: config.load.roundDurationMs,
              maxPairs: config.load.maxPairs,
            }
          : undefined,
    }),
    SecretMasker.of([...state.secrets, ...config.secrets]),
  );
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
