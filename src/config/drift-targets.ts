/**
 * Drift targets: `pipeline_time drift since last-release worsens <= 5%`. Not a comparison of this
 * run's baseline and candidate but of the base branch over many gates: the cumulative change of the
 * metric over the changes recorded in the history since a point (the last v* release, a date, a
 * commit), judged on the interval that accumulates their uncertainty (src/history/drift-target.ts).
 * Pure: the text in, the target (or an InputError naming the config key) out.
 */
import { InputError } from '../errors.js';
import type { Target } from '../gate/target.js';

const DRIFT =
  /^([A-Za-z_][\w.]*)\s+drift\s+since\s+(\S+)\s+(worsens|improves)\s+(<=|>=|at most|at least)?\s*(\d+(?:\.\d+)?)\s*%$/;
const SINCE = /^(last-release|\d{4}-\d{2}-\d{2}|[0-9a-f]{7,40})$/;

/** What the drift is counted from: the newest v* tag before HEAD, a date (UTC midnight), or a recorded commit. */
export type DriftSince = 'last-release' | { date: string } | { sha: string };

export type DriftTarget = Extract<Target, { kind: 'regression' }> & { since: DriftSince; sinceText: string };

/** True for a line written as a drift target (so its errors are a drift target's, not a plain target's). */
export function isDriftTarget(text: string): boolean {
  return /^\s*[A-Za-z_][\w.]*\s+drift\s/.test(text);
}

export function parseDriftTarget(expression: string, metrics: readonly { name: string }[], input: string): DriftTarget {
  const text = expression.trim().replace(/\s+/g, ' ');
  const match = DRIFT.exec(text);
  const example = '"pipeline_time drift since last-release worsens <= 5%"';
  if (!match) throw new InputError(`${input}: "${text}" is not a drift target; write it as ${example}`);
  const [, metric, since, verb, bound, amount] = match as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  if (!metrics.some((m) => m.name === metric))
    throw new InputError(
      `${input}: unknown metric '${metric}' in target "${text}"; known metrics: ${metrics.map((m) => m.name).join(', ')}`,
    );
  if (verb !== 'worsens' || bound === '>=' || bound === 'at least')
    throw new InputError(
      `${input}: "${text}": a drift target is a guard on creep, written "worsens <= N%", as in ${example}`,
    );
  if (!SINCE.test(since))
    throw new InputError(
      `${input}: "${text}": since ${JSON.stringify(since)} is not last-release, a date (2026-11-01) or a commit SHA (7 to 40 hex digits)`,
    );
  return {
    kind: 'regression',
    expression: text,
    metric,
    maxRegression: Number(amount) / 100,
    since: since === 'last-release' ? 'last-release' : /^\d{4}-/.test(since) ? { date: since } : { sha: since },
    sinceText: since,
  };
}
