/**
 * The target syntax, one line per target:
 *
 *   pipeline_time improves >= 20%        candidate at least 20 % better than baseline
 *   latency_p95 worsens <= 5%            regression guard: at most 5 % worse than baseline
 *   pool_wait_p95 < 10ms                 the candidate's own value against a threshold
 *   early_exit_rate >= 30%
 *   throughput >= 35 req/s
 *
 * "improves" and "worsens" follow the metric's good direction, so "throughput improves >= 10%"
 * means 10 % more requests per second while "latency_p50 improves >= 10%" means 10 % less time.
 */
import { InputError } from '../errors.js';
import type { Comparator, Target } from '../gate/target.js';
import type { MetricInfo, MetricUnit } from '../model/round-record.js';

const RELATIVE =
  /^([A-Za-z_][\w.]*)\s+(improves|worsens|regresses)\s+(?:by\s+)?(>=|<=|at least|at most)?\s*(\d+(?:\.\d+)?)\s*%$/;
const ABSOLUTE = /^([A-Za-z_][\w.]*)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(ms|s|%|req\/s|rps)?$/;

/** Multipliers from a threshold's written unit to the metric's own unit. */
const UNIT_CONVERSIONS: Record<MetricUnit, Record<string, number>> = {
  ms: { ms: 1, s: 1000 },
  ratio: { '%': 0.01, '': 1 },
  'req/s': { 'req/s': 1, rps: 1, '': 1 },
  count: { '': 1 },
};

/** The parts of a metric a target reads: its name, its unit and which way is good. */
type TargetMetric = Pick<MetricInfo, 'name' | 'unit' | 'direction'>;

export function parseTarget<M extends TargetMetric>(
  expression: string,
  metrics: readonly M[],
  input = 'targets',
): Target {
  const text = expression.trim().replace(/\s+/g, ' ');
  const known = (name: string): TargetMetric => {
    const info = metrics.find((m) => m.name === name);
    if (!info) {
      throw new InputError(
        `${input}: unknown metric '${name}' in target "${text}"; known metrics: ${metrics.map((m) => m.name).join(', ')}`,
      );
    }
    return info;
  };

  const relative = RELATIVE.exec(text);
  if (relative) {
    const [, metric, verb, bound, amount] = relative as unknown as [string, string, string, string | undefined, string];
    const info = known(metric);
    const share = Number(amount) / 100;
    if (verb === 'improves') {
      if (bound === '<=' || bound === 'at most')
        throw new InputError(
          `${input}: "${text}" asks for an improvement of at most ${amount}%; write "improves >= N%" (a floor), or use "worsens <= N%" as a regression guard`,
        );
      // A time can shrink by less than 100 %; a rate can more than double.
      if (share <= 0 || (info.direction === 'lower-is-better' && share >= 1)) {
        throw new InputError(
          `${input}: improvement in "${text}" must be above 0%${info.direction === 'lower-is-better' ? ' and below 100% (a time cannot shrink by 100%)' : ''}, got ${amount}%`,
        );
      }
      return { kind: 'improvement', expression: text, metric, minImprovement: share };
    }
    if (bound === '>=' || bound === 'at least')
      throw new InputError(
        `${input}: "${text}" asks for a regression of at least ${amount}%; a regression guard is written "worsens <= N%"`,
      );
    return { kind: 'regression', expression: text, metric, maxRegression: share };
  }

  const absolute = ABSOLUTE.exec(text);
  if (absolute) {
    const [, metric, comparator, amount, writtenUnit = ''] = absolute as unknown as [
      string,
      string,
      Comparator,
      string,
      string | undefined,
    ];
    const info = known(metric);
    const factor = UNIT_CONVERSIONS[info.unit][writtenUnit];
    if (factor === undefined) {
      const allowed = Object.keys(UNIT_CONVERSIONS[info.unit])
        .map((u) => (u === '' ? 'no unit' : u))
        .join(', ');
      throw new InputError(
        `${input}: "${text}" gives a threshold in ${writtenUnit || 'no unit'}, but ${metric} is measured in ${info.unit}; allowed: ${allowed}`,
      );
    }
    return { kind: 'absolute', expression: text, metric, comparator, threshold: Number(amount) * factor };
  }

  throw new InputError(
    `${input}: cannot read target "${text}"; expected "<metric> improves >= N%", "<metric> worsens <= N%" or "<metric> <|<=|>|>= <value>[ms|s|%|req/s]"`,
  );
}
