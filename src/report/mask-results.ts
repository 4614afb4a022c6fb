/**
 * Masks the secrets in results before they are rendered or written. Only free text is masked: error
 * messages, descriptions, notes, reasons, scrape problems, environment and migration values. Everything a
 * program reads stays exact: the verdict, statuses, stage and metric names, units, keys, numbers,
 * timestamps and the run id. A secret that happens to equal one of those ("error", "pass") must not
 * turn verdict `error` into `***`: that is not a results.json the schema accepts, and no exit code
 * belongs to it.
 */
import type { TargetReason } from '../gate/target-reason.js';
import type { SecretMasker } from '../log.js';
import type { Results } from './results.js';

/** A reason's free text is the round reasons and scrape problems of what it left out, or a rehearsal's reasons; the rest is numbers and codes. */
function maskReason(reason: TargetReason, text: (value: string) => string): TargetReason {
  // A rehearsal target's reason quotes why the rehearsal did not run, or how its migration failed: PostgreSQL's words.
  if (reason.kind === 'rehearsal')
    return {
      ...reason,
      ...(reason.notRun === undefined ? {} : { notRun: text(reason.notRun) }),
      ...(reason.migrationError === undefined ? {} : { migrationError: text(reason.migrationError) }),
    };
  if (reason.kind !== 'no-data') return reason;
  return {
    ...reason,
    excluded: reason.excluded.map((e) =>
      e.cause === 'round-invalid'
        ? { ...e, invalidReasons: e.invalidReasons.map(text) }
        : e.cause === 'not-measured'
          ? { ...e, serverMetricsProblems: e.serverMetricsProblems.map(text) }
          : e,
    ),
  };
}

export function maskResults(results: Results, masker: SecretMasker): Results {
  const text = (value: string) => masker.mask(value);
  return {
    ...results,
    headline: text(results.headline),
    targets: results.targets.map((t) => ({
      ...t,
      expression: text(t.expression),
      ...(t.note === undefined ? {} : { note: text(t.note) }),
      ...(t.reason === undefined ? {} : { reason: maskReason(t.reason, text) }),
      ...(t.replaces === undefined ? {} : { replaces: t.replaces.map(text) }),
    })),
    metrics: results.metrics.map((m) => ({
      ...m,
      ...(m.description === undefined ? {} : { description: text(m.description) }),
      ...(m.target === undefined ? {} : { target: text(m.target) }),
    })),
    rounds: results.rounds.map((r) => ({
      ...r,
      invalidReasons: r.invalidReasons.map(text),
      ...(r.serverMetricsProblems ? { serverMetricsProblems: r.serverMetricsProblems.map(text) } : {}),
    })),
    decision: results.decision && {
      ...results.decision,
      method: text(results.decision.method),
      multipleComparisons: text(results.decision.multipleComparisons),
      stoppingReason: text(results.decision.stoppingReason),
    },
    migration: masker.maskAll(results.migration),
    environment: masker.maskAll(results.environment),
    ...(results.error ? { error: { ...results.error, message: text(results.error.message) } } : {}),
  };
}
