import { describe, expect, it } from 'vitest';
import {
  type EvaluationScope,
  ExpressionError,
  evaluateCondition,
  evaluateExpression,
  evaluateTemplate,
  interpolate,
} from './expression.js';

function scope(status: Partial<Record<'success' | 'failure' | 'cancelled', boolean>> = {}): EvaluationScope {
  return {
    contexts: {
      inputs: {
        value: { config: '', 'report-dir': 'perf-gate-report', 'fail-on-inconclusive': 'false' },
        strict: true,
      },
      github: {
        value: {
          event_name: 'pull_request',
          event: { pull_request: { number: 42, labels: [{ name: 'perf' }] } },
          action_path: '/actions/perf-gate',
        },
        strict: true,
      },
      runner: { value: { temp: '/tmp/runner' }, strict: true },
      steps: {
        value: { compare: { outputs: { verdict: 'fail' }, outcome: 'failure', conclusion: 'failure' } },
        strict: true,
      },
      env: { value: { MODE: 'Fast' }, strict: false },
    },
    status: {
      success: () => status.success ?? true,
      failure: () => status.failure ?? false,
      cancelled: () => status.cancelled ?? false,
      always: () => true,
    },
  };
}

describe('expression evaluator', () => {
  it('reads contexts by dot and by index, property names ignoring case', () => {
    expect(evaluateExpression('inputs.report-dir', scope())).toBe('perf-gate-report');
    expect(evaluateExpression("inputs['report-dir']", scope())).toBe('perf-gate-report');
    expect(evaluateExpression('github.event.pull_request.number', scope())).toBe(42);
    expect(evaluateExpression('github.event.pull_request.labels[0].name', scope())).toBe('perf');
    expect(evaluateExpression('steps.compare.outputs.verdict', scope())).toBe('fail');
    expect(evaluateExpression('GITHUB.Event_Name', scope())).toBe('pull_request');
  });

  it('fails on what it does not understand instead of passing it through', () => {
    expect(() => evaluateExpression('inputs.confg', scope())).toThrow(
      /'confg' is not defined in this 'inputs' context/,
    );
    expect(() => evaluateExpression('secrets.TOKEN', scope())).toThrow(/unknown context 'secrets'/);
    expect(() => evaluateExpression('steps.bench.outputs.rounds', scope())).toThrow(
      /'bench' is not defined in this 'steps' context/,
    );
    expect(() => evaluateExpression("hashFiles('**/package-lock.json')", scope())).toThrow(
      /function 'hashFiles' is not supported/,
    );
    expect(() => evaluateExpression('inputs.config ==', scope())).toThrow(ExpressionError);
    expect(() => evaluateExpression('"double"', scope())).toThrow(/single quotes/);
    expect(() => evaluateExpression('github.event.*.number', scope())).toThrow(/object filters/);
    expect(() => evaluateExpression('success()', { contexts: {} })).toThrow(/only allowed in 'if:'/);
  });

  it('a missing output of an existing step is empty, as on the runner', () => {
    expect(evaluateExpression('steps.compare.outputs.comment-url', scope())).toBeNull();
    expect(interpolate('[${{ steps.compare.outputs.comment-url }}]', scope())).toBe('[]');
  });

  it('follows GitHub coercion: case-insensitive strings, numbers from strings, && and || return operands', () => {
    expect(evaluateExpression("env.MODE == 'fast'", scope())).toBe(true);
    expect(evaluateExpression("'42' == github.event.pull_request.number", scope())).toBe(true);
    expect(evaluateExpression("'' == 0", scope())).toBe(true);
    expect(evaluateExpression('null == false', scope())).toBe(true);
    expect(evaluateExpression("'abc' == 0", scope())).toBe(false);
    expect(evaluateExpression('1 < 2 && 3 >= 3', scope())).toBe(true);
    expect(evaluateExpression("inputs.config || 'default.yml'", scope())).toBe('default.yml');
    expect(evaluateExpression("inputs.report-dir && 'set'", scope())).toBe('set');
    expect(evaluateExpression('!inputs.config', scope())).toBe(true);
    expect(evaluateExpression("'it''s'", scope())).toBe("it's");
    expect(evaluateExpression('0x10 == 16', scope())).toBe(true);
    expect(evaluateExpression('-1.5e1 == -15', scope())).toBe(true);
  });

  it('implements contains, startsWith, endsWith, format, join, toJSON and fromJSON', () => {
    expect(evaluateExpression("contains(github.event_name, 'PULL')", scope())).toBe(true);
    expect(evaluateExpression('contains(fromJSON(\'["pass","fail"]\'), steps.compare.outputs.verdict)', scope())).toBe(
      true,
    );
    expect(evaluateExpression("startsWith(github.event_name, 'pull')", scope())).toBe(true);
    expect(evaluateExpression("endsWith(github.event_name, 'push')", scope())).toBe(false);
    expect(evaluateExpression("format('{0}/{1} {{x}}', runner.temp, 'perf-gate')", scope())).toBe(
      '/tmp/runner/perf-gate {x}',
    );
    expect(evaluateExpression("join(fromJSON('[1,2]'), '+')", scope())).toBe('1+2');
    expect(evaluateExpression('toJSON(steps.compare.outputs)', scope())).toBe('{\n  "verdict": "fail"\n}');
    expect(() => evaluateExpression("format('{1}', 'a')", scope())).toThrow(/no argument \{1\}/);
  });

  it('interpolates ${{ }} inside text and keeps the type of a lone expression', () => {
    expect(interpolate('${{ runner.temp }}/perf-gate/state.json', scope())).toBe('/tmp/runner/perf-gate/state.json');
    expect(interpolate("a ${{ 'x}}y' }} b", scope())).toBe('a x}}y b');
    expect(evaluateTemplate('${{ github.event.pull_request.number }}', scope())).toBe(42);
    expect(() => interpolate('${{ github.event }}', scope())).toThrow(/cannot be used as a string/);
    expect(() => interpolate('${{ runner.temp', scope())).toThrow(/without a closing/);
  });
});

describe('step conditions', () => {
  it('no if: runs only while everything succeeded', () => {
    expect(evaluateCondition(undefined, scope())).toBe(true);
    expect(evaluateCondition(undefined, scope({ success: false, failure: true }))).toBe(false);
  });

  it('an if: without a status function gets an implicit success() &&', () => {
    expect(evaluateCondition("github.event_name == 'pull_request'", scope())).toBe(true);
    expect(evaluateCondition("github.event_name == 'pull_request'", scope({ success: false, failure: true }))).toBe(
      false,
    );
    expect(
      evaluateCondition("${{ github.event_name == 'pull_request' }}", scope({ success: false, failure: true })),
    ).toBe(false);
  });

  it('status functions decide on their own once present', () => {
    const failed = scope({ success: false, failure: true });
    expect(evaluateCondition('always()', failed)).toBe(true);
    expect(evaluateCondition('${{ always() }}', failed)).toBe(true);
    expect(evaluateCondition('failure()', failed)).toBe(true);
    expect(evaluateCondition('failure()', scope())).toBe(false);
    expect(evaluateCondition("failure() && steps.compare.outputs.verdict == 'fail'", failed)).toBe(true);
    expect(evaluateCondition('cancelled()', scope({ success: false, cancelled: true }))).toBe(true);
    expect(evaluateCondition('!cancelled()', scope({ success: false, failure: true }))).toBe(true);
  });

  it('rejects text mixed with an expression in if:', () => {
    expect(() => evaluateCondition('${{ always() }} && true', scope())).toThrow(/one expression/);
  });
});
