/**
 * A drift target judged on the history: the cumulative change of the metric over the changes recorded
 * on the base branch since a point (metricDrift: the product of the gates' paired ratios, with an
 * interval that accumulates their uncertainty), against the target's bound, with the gate's own
 * decision rule. It is judged apart from this run's pairs (outside their Holm family), like the
 * rehearsal's targets; this run's own change is not in it (a release gate would count its commit twice).
 * Pure: records in, a target result out.
 */
import type { DriftTarget } from '../config/drift-targets.js';
import { decisionRule, judgeInterval } from '../gate/decision-rule.js';
import type { TargetReason } from '../gate/target-reason.js';
import type { MetricDirection, MetricUnit } from '../model/round-record.js';
import { targetNote } from '../report/reason-text.js';
import type { TargetResult } from '../report/results.js';
import { metricDrift } from './analysis.js';
import type { HistoryRecord } from './record.js';
import { recordsSince } from './release-drift.js';

type DriftReason = Extract<TargetReason, { kind: 'drift' }>;

export interface DriftInput {
  /** The recorded runs; undefined when the run was given no history. */
  records: readonly HistoryRecord[] | undefined;
  /** The base branch whose drift is judged. */
  branch: string;
  /** For `since last-release`: the newest v* tag before HEAD, or why there is none. */
  release?: { tag: string; sha: string } | { error: string };
  /** Two-sided level of the drift's interval (gate.confidence). */
  level: number;
  unit: MetricUnit;
  direction: MetricDirection;
}

export function judgeDriftTarget(target: DriftTarget, input: DriftInput): TargetResult {
  const base = { relative: true as const, unit: input.unit, threshold: target.maxRegression, since: target.sinceText };
  const result = (
    status: TargetResult['status'],
    reason: DriftReason,
    figures?: { estimate: number; ci: [number, number] },
  ) => ({
    expression: target.expression,
    metric: target.metric,
    kind: target.kind,
    status,
    estimate: figures?.estimate ?? null,
    ci: figures?.ci ?? null,
    unit: input.unit,
    threshold: target.maxRegression,
    ...(figures ? { confidence: input.level } : {}),
    note: targetNote(target.expression, reason),
    reason,
  });
  const noData = (notRun: string) => result('no-data', { kind: 'drift', ...base, changes: 0, notRun });

  if (!input.records) return noData("no history was given (--history, or the action's history input)");
  let records = input.records.filter((r) => r.branch === input.branch && r.mode === 'gate');
  const since = target.since;
  let sha: string | undefined;
  if (since === 'last-release') {
    if (!input.release || 'error' in input.release)
      return noData(input.release && 'error' in input.release ? input.release.error : 'no release was looked up');
    sha = input.release.sha;
  } else if ('sha' in since) sha = since.sha;
  else {
    const from = Date.parse(`${since.date}T00:00:00Z`);
    records = records.filter((r) => Date.parse(r.time) >= from);
  }
  if (sha !== undefined) {
    const after = recordsSince(records, input.branch, sha);
    if (!after)
      return noData(
        `no run of commit ${sha.slice(0, 12)} is recorded on ${input.branch}, so there is nothing to count the drift from`,
      );
    records = after;
  }
  const drift = metricDrift(records, target.metric, { level: input.level, top: 3 });
  if (drift.changes === 0)
    return noData(
      `no change of ${target.metric} with a closed interval is recorded on ${input.branch} since ${target.sinceText}`,
    );
  const ci: [number, number] = [drift.lower, drift.upper];
  const status = judgeInterval(
    [Math.log1p(drift.lower), Math.log1p(drift.upper)],
    decisionRule(target, input.direction),
  );
  return result(
    status,
    {
      kind: 'drift',
      ...base,
      status,
      changes: drift.changes,
      estimate: drift.change,
      interval: ci,
      level: input.level,
      contributors: drift.contributors.map((c) => ({ sha: c.sha, change: c.change })),
    },
    { estimate: drift.change, ci },
  );
}
