import { CLIENT_METRICS, type RoundRecord } from '../model/round-record.js';

export interface PairedValues {
  /** Pair numbers used, ascending. */
  pairs: number[];
  baseline: number[];
  candidate: number[];
  /**
   * The process pair (`RoundRecord.process`) of each pair used, when the rounds record one: the pairs
   * were measured by several starts of the backends, and the analysis takes the start as its unit.
   */
  processes?: number[];
  /** Pairs left out, each with its cause as data (the report words it). */
  excluded: Exclusion[];
}

/**
 * Why a pair (or, for absolute targets, a candidate round) was left out, by cause:
 * a round missing from the pair, a round marked invalid (with the load stage's reasons),
 * the metric not measured (with the server-metrics problems the load stage recorded, if any),
 * or a value no ratio can be formed from.
 */
export type ExclusionCause =
  | { cause: 'round-missing'; variant: 'baseline' | 'candidate' }
  | { cause: 'round-invalid'; variant: 'baseline' | 'candidate'; invalidReasons: string[] }
  | { cause: 'not-measured'; variant: 'baseline' | 'candidate'; metric: string; serverMetricsProblems: string[] }
  | { cause: 'not-positive'; variant: 'baseline' | 'candidate'; metric: string; value: number };

export type Exclusion = { pair: number } & ExclusionCause;

/**
 * Pairs of (baseline, candidate) values of one metric from the valid rounds. A pair is used only
 * when both of its rounds are valid and measured the metric: pairing is what cancels the runner's
 * slow drift (Abedi & Brecht, "Conducting repeatable experiments in highly variable cloud computing
 * environments", ICPE 2017), so half a pair is worth nothing. `requirePositive` drops pairs a
 * ratio cannot be formed from (a zero or negative value).
 */
export function pairRounds(rounds: readonly RoundRecord[], metric: string, requirePositive: boolean): PairedValues {
  const byPair = new Map<number, { baseline?: RoundRecord; candidate?: RoundRecord }>();
  for (const round of rounds) {
    const slot = byPair.get(round.pair) ?? {};
    // If a pair somehow holds two rounds of one variant, keep the later one (a repeated round).
    slot[round.variant] = round;
    byPair.set(round.pair, slot);
  }
  const result: PairedValues = { pairs: [], baseline: [], candidate: [], excluded: [] };
  const processOf: (number | undefined)[] = [];
  for (const pair of [...byPair.keys()].sort((a, b) => a - b)) {
    const { baseline, candidate } = byPair.get(pair)!;
    const cause = exclusionCause(baseline, candidate, metric, requirePositive);
    if (cause) {
      result.excluded.push({ pair, ...cause });
      continue;
    }
    result.pairs.push(pair);
    processOf.push(baseline!.process ?? candidate!.process);
    result.baseline.push(baseline!.values[metric] as number);
    result.candidate.push(candidate!.values[metric] as number);
  }
  // A round without a process number among numbered ones (a hand-edited file) counts as a start of its own.
  if (processOf.some((p) => p !== undefined)) result.processes = processOf.map((p) => p ?? -1);
  return result;
}

function exclusionCause(
  baseline: RoundRecord | undefined,
  candidate: RoundRecord | undefined,
  metric: string,
  requirePositive: boolean,
): ExclusionCause | undefined {
  if (!baseline) return { cause: 'round-missing', variant: 'baseline' };
  if (!candidate) return { cause: 'round-missing', variant: 'candidate' };
  if (!baseline.valid)
    return { cause: 'round-invalid', variant: 'baseline', invalidReasons: [...baseline.invalidReasons] };
  if (!candidate.valid)
    return { cause: 'round-invalid', variant: 'candidate', invalidReasons: [...candidate.invalidReasons] };
  for (const [variant, round] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    const value = round.values[metric];
    if (value === null || value === undefined || !Number.isFinite(value))
      return { cause: 'not-measured', variant, metric, serverMetricsProblems: serverMetricsProblems(round, metric) };
    if (requirePositive && value <= 0) return { cause: 'not-positive', variant, metric, value };
  }
  return undefined;
}

/** The candidate's own values from its valid rounds (for absolute targets; pairing not needed). */
export function candidateValues(
  rounds: readonly RoundRecord[],
  metric: string,
): { values: number[]; excluded: Exclusion[] } {
  const values: number[] = [];
  const excluded: Exclusion[] = [];
  for (const round of rounds) {
    if (round.variant !== 'candidate') continue;
    const value = round.values[metric];
    if (!round.valid)
      excluded.push({
        pair: round.pair,
        cause: 'round-invalid',
        variant: 'candidate',
        invalidReasons: [...round.invalidReasons],
      });
    else if (value === null || value === undefined || !Number.isFinite(value))
      excluded.push({
        pair: round.pair,
        cause: 'not-measured',
        variant: 'candidate',
        metric,
        serverMetricsProblems: serverMetricsProblems(round, metric),
      });
    else values.push(value);
  }
  return { values, excluded };
}

const CLIENT_METRIC_NAMES = new Set(CLIENT_METRICS.map((m) => m.name));

/** Why a server metric is missing from a round, when the load stage recorded it; none for a client metric. */
function serverMetricsProblems(round: RoundRecord, metric: string): string[] {
  if (CLIENT_METRIC_NAMES.has(metric)) return [];
  return round.serverMetricsProblems ?? [];
}

/** log(candidate / baseline) per pair: the scale on which a ratio's interval is symmetric. */
export function pairedLogRatios(paired: Pick<PairedValues, 'baseline' | 'candidate'>): number[] {
  return paired.candidate.map((c, i) => Math.log(c / paired.baseline[i]!));
}
