/**
 * Targets on the migration rehearsal (`migration_blocked_max < 1s`, `migration_p99 worsens <= 100%`),
 * judged on the one rehearsal the run made: the measured value against the threshold, no interval (there
 * is one migration, not a sample of them). They stay out of the paired analysis, its Holm family and the
 * bench's early stop; the verdict counts them like any target (a miss fails, a rehearsal that did not run
 * leaves them without data, so the run is inconclusive).
 */
import { decisionRule, judgeInterval } from '../gate/decision-rule.js';
import type { Target, TargetStatus } from '../gate/target.js';
import type { TargetReason } from '../gate/target-reason.js';
import { rehearsalMetric } from '../model/rehearsal-metrics.js';
import { targetNote } from '../report/reason-text.js';
import type { MigrationRehearsalResult, TargetResult } from '../report/results.js';

type RehearsalReason = Extract<TargetReason, { kind: 'rehearsal' }>;

/** The figure a metric names, and for migration_p99 the one before the migration; undefined when not measured. */
function measuredValue(metric: string, r: MigrationRehearsalResult): { value: number; reference: number } | undefined {
  switch (metric) {
    case 'migration_blocked_max':
      // Waits on a command whose sessions could not be recognised were not watched: 0 would be a guess.
      return r.unattributed === undefined ? { value: r.blockedMaxMs, reference: Number.NaN } : undefined;
    case 'migration_duration':
      return { value: r.durationMs, reference: Number.NaN };
    case 'migration_error_rate':
      return r.during.requests > 0 ? { value: r.during.errorRate, reference: Number.NaN } : undefined;
    case 'migration_p99':
      return r.during.requests > 0 ? { value: r.during.latencyMs.p99, reference: r.before.latencyMs.p99 } : undefined;
    default:
      return undefined;
  }
}

/** Free text from an error, kept within what results.json allows for it. */
function capped(text: string): string {
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}

function judgeOne(target: Target, rehearsal: MigrationRehearsalResult | undefined, notRun: string): TargetResult {
  const info = rehearsalMetric(target.metric);
  if (!info) throw new Error(`${target.metric} is not a rehearsal metric`);
  const relative = target.kind === 'regression';
  const threshold =
    target.kind === 'absolute' ? target.threshold : target.kind === 'regression' ? target.maxRegression : Number.NaN;
  const base = { relative, unit: info.unit, threshold };
  let reason: RehearsalReason;
  let status: TargetStatus;
  let estimate: number | null = null;
  const measured = rehearsal ? measuredValue(target.metric, rehearsal) : undefined;
  if (!rehearsal) {
    reason = { kind: 'rehearsal', ...base, notRun: capped(`the migration rehearsal did not run (${notRun})`) };
    status = 'no-data';
  } else if (rehearsal.error !== undefined) {
    reason = { kind: 'rehearsal', ...base, status: 'fail', migrationError: capped(rehearsal.error) };
    status = 'fail';
  } else if (!measured || (relative && !(measured.reference > 0))) {
    reason = {
      kind: 'rehearsal',
      ...base,
      notRun: measured
        ? 'the rehearsal ran, but no request answered in the traffic just before the migration'
        : target.metric === 'migration_blocked_max' && rehearsal.unattributed !== undefined
          ? capped(`the rehearsal ran, but ${rehearsal.unattributed}`)
          : 'the rehearsal ran, but no request was sent while the migration ran',
    };
    status = 'no-data';
  } else {
    // The gate's own decision rule, on an interval of one point: one measurement passes or fails, never straddles.
    estimate = relative ? measured.value / measured.reference - 1 : measured.value;
    const onScale = relative ? Math.log(measured.value / measured.reference) : measured.value;
    const judged = judgeInterval([onScale, onScale], decisionRule(target, info.direction));
    if (judged === 'inconclusive') throw new Error(`${target.expression}: a single value was judged inconclusive`);
    status = judged;
    reason = {
      kind: 'rehearsal',
      ...base,
      status: judged,
      measured: measured.value,
      ...(relative ? { reference: measured.reference } : {}),
    };
  }
  return {
    expression: target.expression,
    metric: target.metric,
    kind: target.kind,
    status,
    estimate,
    ci: null,
    unit: info.unit,
    threshold,
    note: targetNote(target.expression, reason),
    reason,
  };
}

/** Each rehearsal target's result, in the order written; `notRun` says why when there was no rehearsal. */
export function judgeRehearsalTargets(
  targets: readonly Target[],
  rehearsal: MigrationRehearsalResult | undefined,
  notRun: string,
): TargetResult[] {
  return targets.map((t) => judgeOne(t, rehearsal, notRun));
}
