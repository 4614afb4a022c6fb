/**
 * The gate's reasons in words: the sentence results.json keeps as each target's `note`, the
 * paragraph on the family-wise error, and the summary of the interval methods. The gate returns
 * numbers (src/gate/target-reason.ts); only this module turns them into text. Pure.
 *
 * These sentences are stored in results.json and read by people and scripts, so their wording is
 * part of the contract: change it on purpose, never as a side effect.
 */
import type { CandidateFailures, ErrorControl, ExclusionCount, TargetReason } from '../gate/target-reason.js';
import { describeErrors, type MetricUnit } from '../model/round-record.js';
import type { ExclusionCause } from '../stats/paired-rounds.js';

/** A confidence level with up to four significant digits: "98 %", "99.33 %". */
function levelText(level: number): string {
  return `${Number((level * 100).toPrecision(4))} %`;
}

/** A figure of a reason: a relative change as "-17.5 %", an absolute one as "10.27 ms" (four significant digits). */
function figureText(x: number, relative: boolean, unit: MetricUnit): string {
  if (relative) return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
  return `${Number(x.toPrecision(4))} ${unit}`;
}

/** A share for the error-control paragraph, three significant digits: "2 %", "0.000328 %". */
function shareText(x: number): string {
  return `${Number((x * 100).toPrecision(3))} %`;
}

/** "candidate round invalid (rate missed)", "pool_wait_p95 not measured in the baseline round (counter reset)". */
export function exclusionText(exclusion: ExclusionCause): string {
  switch (exclusion.cause) {
    case 'round-missing':
      return `${exclusion.variant} round missing`;
    case 'round-invalid':
      return `${exclusion.variant} round invalid (${exclusion.invalidReasons.join(', ') || 'no reason given'})`;
    case 'not-measured':
      return `${exclusion.metric} not measured in the ${exclusion.variant} round${exclusion.serverMetricsProblems.length ? ` (${exclusion.serverMetricsProblems.join(', ')})` : ''}`;
    case 'not-positive':
      return `${exclusion.metric} is ${exclusion.value} in the ${exclusion.variant} round, so no ratio can be formed`;
  }
}

/** "2× candidate round invalid (rate missed); baseline round missing": causes that read alike are counted together. */
function exclusionsText(excluded: readonly ExclusionCount[]): string {
  const counts = new Map<string, number>();
  for (const group of excluded) {
    const text = exclusionText(group);
    counts.set(text, (counts.get(text) ?? 0) + group.count);
  }
  return [...counts].map(([text, count]) => (count > 1 ? `${count}× ${text}` : text)).join('; ');
}

/** "in 5 of 5 candidate rounds no request succeeded (100 of 100 requests failed: HTTP 500 × 100)" */
export function candidateFailuresText(failures: CandidateFailures): string {
  return (
    `in ${failures.roundsWithoutSuccess} of ${failures.rounds} candidate rounds no request succeeded ` +
    `(${failures.failed} of ${failures.requests} requests failed: ${describeErrors(failures.errors)})`
  );
}

const CANDIDATE_FAILED_BECAUSE: Record<Extract<TargetReason, { kind: 'candidate-failed' }>['metricKind'], string> = {
  'error-rate': 'an error rate of 100 % in those rounds',
  latency: 'latency is measured on successful responses, and a request that never succeeds meets no latency bound',
  other: 'a round that serves no request successfully does none of the work this metric measures',
};

/** One sentence on a target's status, starting with its expression: results.json's `note`. */
export function targetNote(expression: string, reason: TargetReason): string {
  switch (reason.kind) {
    case 'decided': {
      const f = (x: number) => figureText(x, reason.relative, reason.unit);
      const pooled = reason.counts
        ? ` (${reason.counts.events} of ${reason.counts.trials} pooled, dispersion between rounds ×${Number(reason.counts.dispersion.toPrecision(3))})`
        : '';
      const what = reason.relative ? `change ${f(reason.estimate)}` : `candidate ${f(reason.estimate)}${pooled}`;
      const where =
        reason.status === 'pass'
          ? 'wholly on the passing side of'
          : reason.status === 'fail'
            ? 'wholly on the failing side of'
            : 'straddles';
      const samples = `${reason.samples} ${reason.relative ? 'pairs' : 'rounds'}${reason.starts === undefined ? '' : ` from ${reason.starts} starts of the backends`}`;
      const caution = reason.crossCheck.agrees
        ? ''
        : ` Cross-check: the ${reason.crossCheck.method} interval says ${reason.crossCheck.status}; a few ${reason.starts === undefined ? 'rounds' : 'starts'} may dominate the result.`;
      return `${expression}: ${what}, ${levelText(reason.level)} interval [${f(reason.interval[0])}, ${f(reason.interval[1])}] ${where} the threshold ${f(reason.threshold)} (${samples}): ${reason.status}.${caution}`;
    }
    case 'too-few-samples':
      return `${expression}: inconclusive; ${reason.samples} ${reason.relative ? 'pairs' : 'rounds'} are too few for a distribution-free ${levelText(reason.level)} interval (at least ${reason.needed} needed at this level).`;
    case 'no-data': {
      const what = reason.relative ? 'valid pairs' : 'valid candidate rounds';
      if (reason.starts !== undefined)
        return `${expression}: no data yet, ${reason.samples} ${what} from ${reason.starts} start${reason.starts === 1 ? '' : 's'} of the backends (the start is the unit: at least 2 needed)${reason.excluded.length ? `; excluded: ${exclusionsText(reason.excluded)}` : ''}.`;
      return `${expression}: no data, ${reason.samples} ${what} (at least ${reason.needed} needed)${reason.excluded.length ? `; excluded: ${exclusionsText(reason.excluded)}` : ''}.`;
    }
    case 'candidate-failed':
      return `${expression}: fail; ${candidateFailuresText(reason.failures)}: ${CANDIDATE_FAILED_BECAUSE[reason.metricKind]}.`;
    case 'rehearsal': {
      if (reason.notRun !== undefined) return `${expression}: no data; ${reason.notRun}.`;
      if (reason.migrationError !== undefined)
        return `${expression}: fail; the migrations under test failed while the baseline served traffic: ${reason.migrationError.split('\n')[0]}.`;
      const f = (x: number) => figureText(x, reason.relative, reason.unit);
      const what = reason.relative
        ? `${figureText(reason.measured!, false, reason.unit)} while the migration ran against ${figureText(reason.reference!, false, reason.unit)} just before, change ${f(reason.measured! / reason.reference! - 1)}`
        : f(reason.measured!);
      return `${expression}: ${what} in one rehearsal, against the threshold ${f(reason.threshold)} (one measurement, no interval): ${reason.status}.`;
    }
    case 'drift': {
      if (reason.notRun !== undefined) return `${expression}: no data; ${reason.notRun}.`;
      const f = (x: number) => figureText(x, true, reason.unit);
      const top = (reason.contributors ?? []).map((c) => `${c.sha.slice(0, 7)} ${f(c.change)}`).join(', ');
      return `${expression}: ${f(reason.estimate!)} over ${reason.changes} recorded change${reason.changes === 1 ? '' : 's'} since ${reason.since}, ${levelText(reason.level!)} interval [${f(reason.interval![0])}, ${f(reason.interval![1])}] against the threshold ${f(reason.threshold)}: ${reason.status}${top ? `. Largest contributors: ${top}` : ''}.`;
    }
  }
}

/** How the chance of a wrong pass or fail is bounded over all targets: results.json's `decision.multipleComparisons`. */
export function errorControlText(control: ErrorControl): string {
  const { alpha } = control;
  const sequential = control.sequential
    ? ` This is look ${control.sequential.look} of ${control.sequential.looks}; it uses α = ${shareText(alpha)} of the ${shareText(control.sequential.alphaOverAllLooks)} spent over all looks (${control.sequential.spending} spending), so stopping early does not raise the error rate.`
    : '';
  const skipped =
    (control.notJudged > 0
      ? ` ${control.notJudged} target(s) without enough data were not judged and count as inconclusive.`
      : '') +
    (control.failedWithoutTest
      ? ` ${control.failedWithoutTest.targets} target(s) failed without a test: ${candidateFailuresText(control.failedWithoutTest.failures)}.`
      : '');
  switch (control.procedure) {
    case 'none':
      return `No target was judged with an interval.${skipped}`;
    case 'single-interval':
      return `One target judged with a ${shareText(1 - alpha)} interval: a wrong pass or fail has probability at most ${shareText(alpha)}, a false alarm at most ${shareText(alpha / 2)}.${sequential}${skipped}`;
    case 'holm': {
      const levels = control.levels ?? { first: 1 - alpha / control.judged, last: 1 - alpha };
      return `${control.judged} targets judged together with Holm's step-down procedure: the chance that any of them gets a wrong pass or fail is at most ${shareText(alpha)} (a false alarm at most ${shareText(alpha / 2)}); each interval is shown at the level of its Holm step, between ${shareText(levels.first)} and ${shareText(levels.last)}.${sequential}${skipped}`;
    }
  }
}
