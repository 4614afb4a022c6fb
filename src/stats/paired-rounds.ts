import { CLIENT_METRICS, type RoundRecord } from '../model/round-record.js';

export interface PairedValues {
  /** Pair numbers used, ascending. */
  pairs: number[];
  baseline: number[];
  candidate: number[];
  /** Pairs left out, each with the reason a report can print. */
  excluded: { pair: number; reason: string }[];
}

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
  for (const pair of [...byPair.keys()].sort((a, b) => a - b)) {
    const { baseline, candidate } = byPair.get(pair)!;
    const reason = exclusionReason(baseline, candidate, metric, requirePositive);
    if (reason) {
      result.excluded.push({ pair, reason });
      continue;
    }
    result.pairs.push(pair);
    result.baseline.push(baseline!.values[metric] as number);
    result.candidate.push(candidate!.values[metric] as number);
  }
  return result;
}

function exclusionReason(baseline: RoundRecord | undefined, candidate: RoundRecord | undefined, metric: string, requirePositive: boolean): string | undefined {
  if (!baseline) return 'baseline round missing';
  if (!candidate) return 'candidate round missing';
  if (!baseline.valid) return `baseline round invalid (${baseline.invalidReasons.join(', ') || 'no reason given'})`;
  if (!candidate.valid) return `candidate round invalid (${candidate.invalidReasons.join(', ') || 'no reason given'})`;
  for (const [variant, round] of [['baseline', baseline], ['candidate', candidate]] as const) {
    const value = round.values[metric];
    if (value === null || value === undefined || !Number.isFinite(value)) return `${metric} not measured in the ${variant} round${serverMetricsNote(round, metric)}`;
    if (requirePositive && value <= 0) return `${metric} is ${value} in the ${variant} round, so no ratio can be formed`;
  }
  return undefined;
}

/** The candidate's own values from its valid rounds (for absolute targets; pairing not needed). */
export function candidateValues(rounds: readonly RoundRecord[], metric: string): { values: number[]; excluded: { pair: number; reason: string }[] } {
  const values: number[] = [];
  const excluded: { pair: number; reason: string }[] = [];
  for (const round of rounds) {
    if (round.variant !== 'candidate') continue;
    const value = round.values[metric];
    if (!round.valid) excluded.push({ pair: round.pair, reason: `candidate round invalid (${round.invalidReasons.join(', ') || 'no reason given'})` });
    else if (value === null || value === undefined || !Number.isFinite(value)) excluded.push({ pair: round.pair, reason: `${metric} not measured in the candidate round${serverMetricsNote(round, metric)}` });
    else values.push(value);
  }
  return { values, excluded };
}

const CLIENT_METRIC_NAMES = new Set(CLIENT_METRICS.map((m) => m.name));

/** Why a server metric is missing from a round, when the load stage recorded it. */
function serverMetricsNote(round: RoundRecord, metric: string): string {
  if (CLIENT_METRIC_NAMES.has(metric) || !round.serverMetricsProblems?.length) return '';
  return ` (${round.serverMetricsProblems.join(', ')})`;
}

/** log(candidate / baseline) per pair: the scale on which a ratio's interval is symmetric. */
export function pairedLogRatios(paired: Pick<PairedValues, 'baseline' | 'candidate'>): number[] {
  return paired.candidate.map((c, i) => Math.log(c / paired.baseline[i]!));
}
