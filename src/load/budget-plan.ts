/**
 * The measuring budget (`gate.budget`): the user says how long perf-gate may measure, and this module
 * plans round duration, initial pairs, maximum pairs and so the sequential looks. Pure: the numbers in,
 * the plan (or an InputError naming `gate.budget`) out.
 *
 * What the budget counts, the worst case of a plan (every look run):
 *
 *   processes × roundsPerPair × warmup + (processes − 1) × restart
 *     + maxPairs × roundsPerPair × (roundDuration + roundOverhead)
 *
 * A pair is one baseline and one candidate round, run one after the other (roundsPerPair 2) or, in a duet,
 * at once (roundsPerPair 1); warm-up goes the same way, once per start of the backends (`load.processes`),
 * and every start after the first costs a restart (stopping both backends, booting them, their health
 * checks); the overhead per round
 * is the time between rounds (the /metrics scrapes before and after, writing rounds.json, closing the
 * round's senders), estimated here and measured by the bench stage as it runs. Database set-up, boot,
 * the migration rehearsal and the report are not measuring time and are not counted.
 */
import { InputError } from '../errors.js';
import { minSamplesForDistributionFree } from '../gate/evaluate-targets.js';
import { alphaForLook, planLooks } from '../stats/sequential.js';

/**
 * Estimated time between two rounds, ms. Measured on the 3-minute calibration series
 * (bench/results/calibration/budget-3min, 36 gate runs, 3 s rounds, scrapes of four server metrics):
 * gate wall time minus 6 s per pair was 8.9–10.9 s whether a run took 15 or 30 pairs, so 30 more rounds
 * added under 2 s, i.e. below 70 ms a round; 100 ms leaves room for a busier machine.
 */
export const ROUND_OVERHEAD_MS = 100;

/**
 * Estimated time to stop and boot both backends again between blocks of pairs (`load.processes`), ms.
 * Measured on the reference backends as local commands (2 cores, duet rounds of 2 s, 1 s warm-up), over
 * the restarts of the goal campaign (bench/results/goal-duet-processes20: 121 on Node, 116 on Python):
 * from the end of a start's last round to the first round of the next, median 1.7 s (Node) and 1.9 s
 * (Python), at most 2.4 and 2.5 s, i.e. 0.7 and 0.9 s besides the warm-up; 1.5 s leaves room.
 * A container starts slower: the bench stage measures its pace as it runs and skips a look that would
 * end past the budget.
 */
export const RESTART_OVERHEAD_MS = 1_500;

/**
 * The design a budget is spent on when the user sets no load keys: up to 30 pairs, as in the
 * calibrated 3-minute design (docs/statistics.md: 30 pairs of 3 s rounds, looks from 10 pairs on); a
 * duet, whose pair takes one round's time, gets rounds of the same length and up to twice the pairs.
 */
export const DESIGN_MAX_PAIRS = 30;

/**
 * Bounds of a round length the budget chooses. 2 s is the shortest round calibrated on the reference
 * backend (the 80-second series); 5 s is the default round when no budget is set. A budget too short
 * for 30 pairs of 2 s gets fewer pairs; a long budget gets more pairs of 5 s, not longer rounds.
 */
export const MIN_PLANNED_ROUND_MS = 2_000;
export const MAX_PLANNED_ROUND_MS = 5_000;

/** Pairs are capped like `load.maxPairs` itself. */
const MAX_PAIRS_LIMIT = 1000;

/** Pairs added per look after the first: half the first look, at least 2 (the sequential plan's block). */
export function blockPairsFor(firstLookPairs: number): number {
  return Math.max(2, Math.ceil(firstLookPairs / 2));
}

export interface BudgetPlanInput {
  budgetMs: number;
  /** Where the budget came from, for messages: 'gate.budget' (the default) or '--budget'. */
  from?: 'gate.budget' | '--budget';
  /** Warm-up per variant, ms (explicit or the default: it is spent either way). */
  warmupMs: number;
  /** Rounds a pair takes end to end: 2 for the sequential designs, 1 for a duet (both variants at once). */
  roundsPerPair?: 1 | 2;
  /** Starts of both backends the pairs are spread over (`load.processes`); default 1. */
  processes?: number;
  restartOverheadMs?: number;
  /** The load keys the config sets itself; each wins over the budget for what it sets. */
  explicit: { pairs?: number; maxPairs?: number; roundDurationMs?: number };
  /** gate.confidence: family-wise over targets and looks. */
  confidence: number;
  /** How many targets share the error (Holm's first step tests at alpha / targets). */
  targets: number;
  /** gate.minPairs: no look before it. */
  minPairs: number;
  roundOverheadMs?: number;
}

export interface BudgetPlan {
  budgetMs: number;
  roundDurationMs: number;
  /** Pairs of the first look. */
  pairs: number;
  maxPairs: number;
  warmupMs: number;
  roundOverheadMs: number;
  roundsPerPair: 1 | 2;
  processes: number;
  restartOverheadMs: number;
  /** The plan's longest measuring time (formula in the file comment). */
  worstCaseMs: number;
  /** Fewest pairs at which one look of the whole alpha can decide a target with the distribution-free interval. */
  minimumPairs: number;
  /** The explicit load keys take longer than the budget: the worst case exceeds it and nothing is truncated. */
  overrun: boolean;
  /** Sentences for the log: an overrun, a first look moved. */
  warnings: string[];
}

/** The worst-case measuring time of a plan, ms (see the file comment). */
export function worstCaseMeasuringMs(plan: {
  warmupMs: number;
  maxPairs: number;
  roundDurationMs: number;
  roundOverheadMs: number;
  roundsPerPair: 1 | 2;
  processes?: number;
  restartOverheadMs?: number;
}): number {
  return startsMs(plan) + plan.maxPairs * plan.roundsPerPair * (plan.roundDurationMs + plan.roundOverheadMs);
}

/** Warm-up of every start of the backends and the restarts between them, ms. */
function startsMs(plan: {
  warmupMs: number;
  roundsPerPair: 1 | 2;
  processes?: number;
  restartOverheadMs?: number;
}): number {
  const processes = plan.processes ?? 1;
  return (
    processes * plan.roundsPerPair * plan.warmupMs + (processes - 1) * (plan.restartOverheadMs ?? RESTART_OVERHEAD_MS)
  );
}

export function planBudget(input: BudgetPlanInput): BudgetPlan {
  const overheadMs = input.roundOverheadMs ?? ROUND_OVERHEAD_MS;
  const roundsPerPair = input.roundsPerPair ?? 2;
  const processes = input.processes ?? 1;
  const restartOverheadMs = input.restartOverheadMs ?? RESTART_OVERHEAD_MS;
  // A duet runs a pair in the time of one round: the same round length, twice the pairs.
  const designMaxPairs = (DESIGN_MAX_PAIRS * 2) / roundsPerPair;
  const { explicit, warmupMs, budgetMs } = input;
  const measuringMs = budgetMs - startsMs({ warmupMs, roundsPerPair, processes, restartOverheadMs });
  const alpha = 1 - input.confidence;
  const targets = Math.max(1, input.targets);
  // Holm tests the most significant target at alpha / targets: below this many pairs not even it can be decided.
  const minimumPairs = Math.max(minSamplesForDistributionFree(1 - alpha / targets), input.minPairs);

  const roundDurationMs =
    explicit.roundDurationMs ??
    clamp(
      Math.floor((measuringMs / (roundsPerPair * (explicit.maxPairs ?? designMaxPairs)) - overheadMs) / 100) * 100,
      MIN_PLANNED_ROUND_MS,
      MAX_PLANNED_ROUND_MS,
    );
  const pairsThatFit = Math.min(
    MAX_PAIRS_LIMIT,
    Math.max(0, Math.floor(measuringMs / (roundsPerPair * (roundDurationMs + overheadMs)))),
  );
  if (explicit.maxPairs === undefined && Math.max(pairsThatFit, explicit.pairs ?? 0) < minimumPairs) {
    throw tooSmall(input, { roundDurationMs, overheadMs, pairsThatFit, minimumPairs, targets, alpha });
  }
  const maxPairs = explicit.maxPairs ?? Math.max(pairsThatFit, explicit.pairs ?? 0);
  const pairs = explicit.pairs ?? firstLook({ alpha, targets, maxPairs, minPairs: input.minPairs });

  const plan = {
    warmupMs,
    maxPairs,
    roundDurationMs,
    roundOverheadMs: overheadMs,
    roundsPerPair,
    processes,
    restartOverheadMs,
  };
  const worstCaseMs = worstCaseMeasuringMs(plan);
  const overrun = worstCaseMs > budgetMs;
  const warnings: string[] = [];
  if (overrun) {
    const set = [
      explicit.pairs !== undefined ? `load.pairs ${explicit.pairs}` : '',
      explicit.maxPairs !== undefined ? `load.maxPairs ${explicit.maxPairs}` : '',
      explicit.roundDurationMs !== undefined ? `load.roundDuration ${durationText(explicit.roundDurationMs)}` : '',
    ].filter(Boolean);
    warnings.push(
      `${input.from ?? 'gate.budget'} ${durationText(budgetMs)} is shorter than what the load keys set (${set.join(', ')}) need: up to ` +
        `${durationText(worstCaseMs)} of measuring (${startsText(plan)} + ${maxPairs} pairs of ` +
        `${durationText(roundDurationMs)} rounds); the keys win, so the run may take that long`,
    );
  }
  return { budgetMs, pairs, ...plan, worstCaseMs, minimumPairs, overrun, warnings };
}

/**
 * The first look: at a third of the pairs (10 of 30 in the calibrated design) and not before
 * gate.minPairs, then moved later until that look's share of alpha could decide a target at all. With
 * O'Brien–Fleming spending an early look gets very little alpha: at 10 of 30 pairs about 6e-5, which the
 * signed-rank interval cannot reach below 16 pairs. A look that can decide nothing stops nothing early.
 * When no look before the last could decide, there is one look, with the whole alpha.
 */
function firstLook(options: { alpha: number; targets: number; maxPairs: number; minPairs: number }): number {
  const { alpha, targets, maxPairs } = options;
  const start = Math.min(maxPairs, Math.max(2, options.minPairs, Math.ceil(maxPairs / 3)));
  for (let pairs = start; pairs < maxPairs; pairs++) {
    const looks = planLooks({ alpha, minPairs: pairs, blockPairs: blockPairsFor(pairs), maxPairs });
    const first = alphaForLook(looks, 1);
    const last = alphaForLook(looks, looks.pairsAtLook.length);
    // The last look must still be able to decide with what the earlier looks left it.
    if (
      minSamplesForDistributionFree(1 - first / targets) <= pairs &&
      minSamplesForDistributionFree(1 - last / targets) <= maxPairs
    )
      return pairs;
  }
  return maxPairs;
}

function tooSmall(
  input: BudgetPlanInput,
  found: {
    roundDurationMs: number;
    overheadMs: number;
    pairsThatFit: number;
    minimumPairs: number;
    targets: number;
    alpha: number;
  },
): InputError {
  const { roundDurationMs, overheadMs, pairsThatFit, minimumPairs, targets, alpha } = found;
  const neededMs = worstCaseMeasuringMs({
    warmupMs: input.warmupMs,
    maxPairs: minimumPairs,
    roundDurationMs,
    roundOverheadMs: overheadMs,
    roundsPerPair: input.roundsPerPair ?? 2,
    processes: input.processes,
    restartOverheadMs: input.restartOverheadMs,
  });
  const level = `${percent(1 - alpha)}${targets > 1 ? ` (Holm's first step over ${targets} targets: ${percent(1 - alpha / targets)})` : ''}`;
  return new InputError(
    `${input.from === '--budget' ? 'flag --budget' : "config key 'gate.budget'"}: got ${durationText(input.budgetMs)}, room for ${pairsThatFit} pairs of ` +
      `${durationText(roundDurationMs)} rounds after ${startsText({ ...input, roundsPerPair: input.roundsPerPair ?? 2 })} ` +
      `(${overheadMs} ms between rounds); deciding a target at ${level} needs at least ${minimumPairs} pairs, ` +
      `so expected a budget of at least ${durationText(Math.ceil(neededMs / 1000) * 1000)}`,
  );
}

/** "2 × 5s warm-up", "5s warm-up", "6 starts of 5s warm-up and 5 restarts of 3s": what startsMs counts. */
function startsText(plan: {
  warmupMs: number;
  roundsPerPair: 1 | 2;
  processes?: number;
  restartOverheadMs?: number;
}): string {
  const warmup = `${plan.roundsPerPair === 2 ? '2 × ' : ''}${durationText(plan.warmupMs)} warm-up`;
  const processes = plan.processes ?? 1;
  if (processes === 1) return warmup;
  const restart = durationText(plan.restartOverheadMs ?? RESTART_OVERHEAD_MS);
  return `${processes} starts of ${warmup} and ${processes - 1} restarts of ${restart}`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))} %`;
}

/** "3m", "1m 42s", "2.7s", "800ms": the budget's own units, for messages. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const seconds = Math.round(ms / 1000);
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s === 0 ? `${m}m` : `${m}m ${s}s`;
}
