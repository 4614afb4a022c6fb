/**
 * The label matchers that pick a variant out of the fleet's series (`--canary 'version="canary"'`).
 * They are placed inside PromQL, so they are parsed strictly and written back by perf-gate rather than
 * pasted: a value that tried to close the selector (`x"} or vector(1) #`) is refused, not queried.
 */
import { escapeLabelValue } from '../dashboard/grafana.js';
import { InputError } from '../errors.js';

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  operator: MatchOperator;
  value: string;
}

/** Prometheus label names ([a-zA-Z_][a-zA-Z0-9_]*); those starting with __ are reserved (__name__ would swap the metric). */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OPERATORS: readonly MatchOperator[] = ['=~', '!~', '!=', '='];
const EXPECTED =
  'label matchers such as version="canary", version=~"canary|next" or version!="stable", separated by commas';

/**
 * Reads `name="value"[, name2=~"regex" ...]`. A value is a double-quoted string in which only `\"` and
 * `\\` are escapes; control characters, other escapes and anything after the closing quote but a comma
 * are refused, so the text can only ever become the matchers it looks like.
 */
export function parseLabelMatchers(text: string, input: string): LabelMatcher[] {
  const matchers: LabelMatcher[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new InputError(`${input}: ${why} in ${JSON.stringify(text)}; expected ${EXPECTED}`);
  };
  const skipSpaces = (): void => {
    while (text[at] === ' ') at += 1;
  };
  skipSpaces();
  if (at === text.length) fail('no matcher');
  while (at < text.length) {
    const nameMatch = /^[^=!~\s]*/.exec(text.slice(at))![0];
    if (!LABEL_NAME.test(nameMatch)) fail(`label name ${JSON.stringify(nameMatch)} is not a Prometheus label name`);
    if (nameMatch.startsWith('__')) fail(`label name ${nameMatch} is reserved`);
    at += nameMatch.length;
    skipSpaces();
    const operator = OPERATORS.find((op) => text.startsWith(op, at));
    if (!operator) fail(`no =, !=, =~ or !~ after ${nameMatch}`);
    at += operator!.length;
    skipSpaces();
    if (text[at] !== '"') fail(`the value of ${nameMatch} must be in double quotes`);
    at += 1;
    let value = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) fail(`the value of ${nameMatch} has no closing quote`);
      if (char === '"') break;
      if (char! < ' ' || char === '\u007f') fail(`the value of ${nameMatch} holds a control character`);
      if (char === '\\') {
        const next = text[at + 1];
        if (next !== '"' && next !== '\\') fail(`the value of ${nameMatch} holds an escape other than \\" or \\\\`);
        value += next;
        at += 2;
        continue;
      }
      value += char;
      at += 1;
    }
    at += 1;
    if (operator!.endsWith('~')) checkRegex(value, `${input}: the regex of ${nameMatch}`);
    matchers.push({ name: nameMatch, operator: operator!, value });
    skipSpaces();
    if (at === text.length) break;
    if (text[at] !== ',') fail(`unexpected ${JSON.stringify(text.slice(at, at + 10))} after the value of ${nameMatch}`);
    at += 1;
    skipSpaces();
    if (at === text.length) fail('a comma with no matcher after it');
  }
  return matchers;
}

/**
 * Prometheus compiles =~ with Go's RE2; JavaScript's engine accepts more (lookaround, backreferences),
 * so those are refused here, and a pattern JavaScript cannot compile is refused too. Anything else that
 * RE2 still rejects comes back as Prometheus's own bad_data error.
 */
function checkRegex(pattern: string, input: string): void {
  if (/\(\?[=!<]|\\[1-9]|\\k</.test(pattern))
    throw new InputError(
      `${input}: ${JSON.stringify(pattern)} uses lookaround or a backreference, which Prometheus (RE2) does not support`,
    );
  try {
    new RegExp(pattern);
  } catch (error) {
    throw new InputError(`${input}: ${JSON.stringify(pattern)} is not a valid regular expression`, { cause: error });
  }
}

/** A matcher written back as PromQL, its value escaped as a PromQL string literal. */
export function matcherText(matcher: LabelMatcher): string {
  return `${matcher.name}${matcher.operator}"${escapeLabelValue(matcher.value)}"`;
}
