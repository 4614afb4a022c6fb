/**
 * A small evaluator for GitHub Actions expressions (`${{ ... }}`), enough for what a composite
 * action file uses, and strict about everything else: an unknown function, an unknown context or
 * an unknown key of a context we model throws, so a typo in action.yml fails a test instead of
 * quietly becoming '' (which is what the real runner would do with a missing property).
 *
 * Semantics follow GitHub's reference (docs.github.com/actions/reference/workflows-and-actions/expressions):
 * literals null/true/false/numbers/'strings' ('' escapes a quote), operators ( ) [ ] . ! < <= > >=
 * == != && ||, loose equality that coerces mismatched types to numbers, case-insensitive string
 * comparison, && and || returning an operand (not a boolean), and falsy = false, 0, -0, '', null, NaN.
 */

export type ExpressionValue = null | boolean | number | string | ExpressionValue[] | { [key: string]: ExpressionValue };

/** Thrown for anything the harness does not understand: the test that used it fails. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(`expression '${expression}': ${message}`);
    this.name = 'ExpressionError';
  }
}

/** A context the evaluator may read. `strict` contexts throw on a key they do not hold. */
export interface ContextValue {
  value: { [key: string]: ExpressionValue };
  strict: boolean;
}

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
  always(): boolean;
}

export interface EvaluationScope {
  contexts: Record<string, ContextValue>;
  /** Absent where the runner forbids status functions (outside `if:`). */
  status?: StatusFunctions;
}

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'word'; value: string }
  | { kind: 'op'; value: string };

type Node =
  | { kind: 'literal'; value: ExpressionValue }
  | { kind: 'context'; name: string }
  | { kind: 'property'; target: Node; key: Node | string }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node };

const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ','];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === "'") {
      let text = '';
      i += 1;
      for (;;) {
        if (i >= source.length) throw new ExpressionError('unterminated string literal', source);
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        text += source[i];
        i += 1;
      }
      tokens.push({ kind: 'string', value: text });
      continue;
    }
    if (c === '"') throw new ExpressionError('strings are written in single quotes', source);
    const number = /^(?:0x[0-9a-fA-F]+|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(source.slice(i));
    const previous = tokens.at(-1);
    // A sign belongs to a number only where an operand is expected (after an operator or at the start).
    const operandExpected = !previous || (previous.kind === 'op' && previous.value !== ')' && previous.value !== ']');
    if (number && (/[0-9.]/.test(c) || ((c === '-' || c === '+') && operandExpected))) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      i += word[0].length;
      continue;
    }
    if (c === '*') throw new ExpressionError('object filters (.*) are not supported by the harness', source);
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character '${c}' at ${i}`, source);
    tokens.push({ kind: 'op', value: op });
    i += op.length;
  }
  return tokens;
}

/** Recursive descent over: or > and > equality > comparison > unary > postfix > primary. */
class Parser {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): Node {
    if (this.tokens.length === 0) throw new ExpressionError('empty expression', this.source);
    const node = this.or();
    if (this.position < this.tokens.length)
      throw new ExpressionError(`unexpected '${describe(this.tokens[this.position]!)}'`, this.source);
    return node;
  }

  private peekOp(...ops: string[]): string | undefined {
    const t = this.tokens[this.position];
    return t?.kind === 'op' && ops.includes(t.value) ? t.value : undefined;
  }

  private expectOp(op: string): void {
    if (!this.peekOp(op)) {
      const t = this.tokens[this.position];
      throw new ExpressionError(`expected '${op}' but found ${t ? `'${describe(t)}'` : 'the end'}`, this.source);
    }
    this.position += 1;
  }

  private binary(next: () => Node, ops: string[]): Node {
    let left = next();
    for (let op = this.peekOp(...ops); op; op = this.peekOp(...ops)) {
      this.position += 1;
      left = { kind: 'binary', op, left, right: next() };
    }
    return left;
  }

  private or = (): Node => this.binary(this.and, ['||']);
  private and = (): Node => this.binary(this.equality, ['&&']);
  private equality = (): Node => this.binary(this.comparison, ['==', '!=']);
  private comparison = (): Node => this.binary(this.unary, ['<', '<=', '>', '>=']);

  private unary = (): Node => {
    if (this.peekOp('!')) {
      this.position += 1;
      return { kind: 'not', operand: this.unary() };
    }
    return this.postfix();
  };

  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      if (this.peekOp('.')) {
        this.position += 1;
        const t = this.tokens[this.position];
        if (t?.kind !== 'word') throw new ExpressionError(`expected a property name after '.'`, this.source);
        this.position += 1;
        node = { kind: 'property', target: node, key: t.value };
      } else if (this.peekOp('[')) {
        this.position += 1;
        const key = this.or();
        this.expectOp(']');
        node = { kind: 'property', target: node, key };
      } else return node;
    }
  }

  private primary(): Node {
    const t = this.tokens[this.position];
    if (!t) throw new ExpressionError('unexpected end of expression', this.source);
    this.position += 1;
    if (t.kind === 'number' || t.kind === 'string') return { kind: 'literal', value: t.value };
    if (t.kind === 'op') {
      if (t.value === '(') {
        const inner = this.or();
        this.expectOp(')');
        return inner;
      }
      throw new ExpressionError(`unexpected '${t.value}'`, this.source);
    }
    if (t.value === 'true' || t.value === 'false') return { kind: 'literal', value: t.value === 'true' };
    if (t.value === 'null') return { kind: 'literal', value: null };
    if (this.peekOp('(')) {
      this.position += 1;
      const args: Node[] = [];
      if (!this.peekOp(')')) {
        args.push(this.or());
        while (this.peekOp(',')) {
          this.position += 1;
          args.push(this.or());
        }
      }
      this.expectOp(')');
      return { kind: 'call', name: t.value, args };
    }
    return { kind: 'context', name: t.value };
  }
}

function describe(t: Token): string {
  return t.kind === 'string' ? `'${t.value}'` : String(t.value);
}

export function parseExpression(source: string): Node {
  return new Parser(tokenize(source), source).parse();
}

export function isTruthy(value: ExpressionValue): boolean {
  if (value === null || value === false || value === '') return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return true;
}

function toNumber(value: ExpressionValue): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return 0;
    if (/^0x[0-9a-f]+$/i.test(trimmed)) return Number.parseInt(trimmed, 16);
    const n = Number(trimmed);
    return Number.isNaN(n) ? Number.NaN : n;
  }
  return Number.NaN;
}

/** GitHub's loose equality: same type compares directly (strings ignoring case), otherwise as numbers. */
function looseEquals(a: ExpressionValue, b: ExpressionValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' || typeof b === 'object') {
    if (a === null && b === null) return true;
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') return a === b;
  }
  if (typeof a === typeof b && typeof a !== 'object') return a === b;
  return toNumber(a) === toNumber(b);
}

function compare(op: string, a: ExpressionValue, b: ExpressionValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/** How a value reads inside a string (format(), join(), interpolation). */
export function toExpressionString(value: ExpressionValue, source: string): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return value;
  throw new ExpressionError('an object or array cannot be used as a string (use toJSON)', source);
}

function callFunction(name: string, args: ExpressionValue[], scope: EvaluationScope, source: string): ExpressionValue {
  const arity = (min: number, max = min) => {
    if (args.length < min || args.length > max)
      throw new ExpressionError(
        `${name}() takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`,
        source,
      );
  };
  const lower = name.toLowerCase();
  switch (lower) {
    case 'success':
    case 'failure':
    case 'cancelled':
    case 'always':
      arity(0);
      if (!scope.status) throw new ExpressionError(`${name}() is only allowed in 'if:'`, source);
      return scope.status[lower]();
    case 'contains': {
      arity(2);
      const [haystack, needle] = args as [ExpressionValue, ExpressionValue];
      if (Array.isArray(haystack)) return haystack.some((item) => looseEquals(item, needle));
      return toExpressionString(haystack, source)
        .toLowerCase()
        .includes(toExpressionString(needle, source).toLowerCase());
    }
    case 'startswith':
    case 'endswith': {
      arity(2);
      const text = toExpressionString(args[0]!, source).toLowerCase();
      const part = toExpressionString(args[1]!, source).toLowerCase();
      return lower === 'startswith' ? text.startsWith(part) : text.endsWith(part);
    }
    case 'format': {
      if (args.length < 1) throw new ExpressionError('format() needs a format string', source);
      const [template, ...rest] = args;
      return toExpressionString(template!, source).replace(
        /\{\{|\}\}|\{(\d+)\}/g,
        (match, index: string | undefined) => {
          if (match === '{{') return '{';
          if (match === '}}') return '}';
          const i = Number(index);
          if (i >= rest.length) throw new ExpressionError(`format() has no argument {${i}}`, source);
          return toExpressionString(rest[i]!, source);
        },
      );
    }
    case 'join': {
      arity(1, 2);
      const separator = args.length > 1 ? toExpressionString(args[1]!, source) : ',';
      const value = args[0]!;
      return Array.isArray(value)
        ? value.map((v) => toExpressionString(v, source)).join(separator)
        : toExpressionString(value, source);
    }
    case 'tojson':
      arity(1);
      return JSON.stringify(args[0], null, 2);
    case 'fromjson':
      arity(1);
      try {
        return JSON.parse(toExpressionString(args[0]!, source)) as ExpressionValue;
      } catch (error) {
        throw new ExpressionError(`fromJSON(): ${(error as Error).message}`, source);
      }
  }
  throw new ExpressionError(`function '${name}' is not supported by the harness`, source);
}

function evaluateNode(node: Node, scope: EvaluationScope, source: string): ExpressionValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'context': {
      // Context names are case-insensitive like property names.
      const context = Object.entries(scope.contexts).find(
        ([name]) => name.toLowerCase() === node.name.toLowerCase(),
      )?.[1];
      if (!context)
        throw new ExpressionError(
          `unknown context '${node.name}' (known: ${Object.keys(scope.contexts).join(', ')})`,
          source,
        );
      return context.value;
    }
    case 'property': {
      const target = evaluateNode(node.target, scope, source);
      const key = typeof node.key === 'string' ? node.key : evaluateNode(node.key, scope, source);
      if (Array.isArray(target)) {
        const index = typeof key === 'number' ? key : Number.NaN;
        return Number.isInteger(index) ? (target[index] ?? null) : null;
      }
      if (target === null || typeof target !== 'object') return null;
      const name = toExpressionString(key, source);
      // Property names are case-insensitive in GitHub expressions.
      const actual = Object.keys(target).find((k) => k.toLowerCase() === name.toLowerCase());
      if (actual !== undefined) return target[actual]!;
      const root = rootContext(node);
      const rootContextValue =
        root && Object.entries(scope.contexts).find(([n]) => n.toLowerCase() === root.name.toLowerCase())?.[1];
      if (root && rootContextValue?.strict && root.depth <= 2) {
        throw new ExpressionError(
          `'${name}' is not defined in this '${root.name}' context (defined: ${Object.keys(target).join(', ') || 'nothing'})`,
          source,
        );
      }
      return null;
    }
    case 'call':
      return callFunction(
        node.name,
        node.args.map((a) => evaluateNode(a, scope, source)),
        scope,
        source,
      );
    case 'not':
      return !isTruthy(evaluateNode(node.operand, scope, source));
    case 'binary': {
      if (node.op === '&&') {
        const left = evaluateNode(node.left, scope, source);
        return isTruthy(left) ? evaluateNode(node.right, scope, source) : left;
      }
      if (node.op === '||') {
        const left = evaluateNode(node.left, scope, source);
        return isTruthy(left) ? left : evaluateNode(node.right, scope, source);
      }
      const left = evaluateNode(node.left, scope, source);
      const right = evaluateNode(node.right, scope, source);
      if (node.op === '==') return looseEquals(left, right);
      if (node.op === '!=') return !looseEquals(left, right);
      return compare(node.op, left, right);
    }
  }
}

/**
 * Strictness reaches two levels deep: `inputs.x`, `steps.id`, `steps.id.outputs` are checked
 * against what exists, but a missing output (`steps.id.outputs.name`) is '' as on the runner,
 * because a step that failed before writing its outputs is normal.
 */
function rootContext(node: Node): { name: string; depth: number } | undefined {
  let depth = 0;
  let current: Node = node;
  while (current.kind === 'property') {
    depth += 1;
    current = current.target;
  }
  return current.kind === 'context' ? { name: current.name, depth } : undefined;
}

export function evaluateExpression(source: string, scope: EvaluationScope): ExpressionValue {
  return evaluateNode(parseExpression(source), scope, source);
}

/** True when the expression calls one of the status functions anywhere. */
export function usesStatusFunction(source: string): boolean {
  const visit = (node: Node): boolean => {
    switch (node.kind) {
      case 'call':
        return ['success', 'failure', 'cancelled', 'always'].includes(node.name.toLowerCase()) || node.args.some(visit);
      case 'property':
        return visit(node.target) || (typeof node.key !== 'string' && visit(node.key));
      case 'not':
        return visit(node.operand);
      case 'binary':
        return visit(node.left) || visit(node.right);
      default:
        return false;
    }
  };
  return visit(parseExpression(source));
}

/**
 * Evaluates a step's `if:`. The runner accepts it with or without `${{ }}`, and when it calls no
 * status function it runs as `success() && (<if>)` (docs.github.com, "Using conditions to control
 * job execution": "a default status check of success() is applied").
 */
export function evaluateCondition(condition: string | undefined | boolean, scope: EvaluationScope): boolean {
  if (condition === undefined || condition === '') return scope.status ? scope.status.success() : true;
  if (typeof condition === 'boolean') return condition && (scope.status ? scope.status.success() : true);
  let text = condition.trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  if (whole && !whole[1]!.includes('}}')) text = whole[1]!.trim();
  else if (text.includes('${{'))
    throw new ExpressionError("an 'if:' must be one expression, not text mixed with ${{ }}", condition);
  const full = usesStatusFunction(text) ? text : `success() && (${text})`;
  return isTruthy(evaluateExpression(full, scope));
}

/**
 * Expands every `${{ expr }}` in a string. A value that is exactly one expression keeps its type
 * (an `if:` or `continue-on-error:` needs the boolean); otherwise each result is turned into text.
 */
export function interpolate(template: string, scope: EvaluationScope): string {
  let out = '';
  let rest = template;
  for (;;) {
    const start = rest.indexOf('${{');
    if (start < 0) return out + rest;
    const end = findClose(rest, start + 3);
    if (end < 0) throw new ExpressionError("'${{' without a closing '}}'", template);
    out +=
      rest.slice(0, start) + toExpressionString(evaluateExpression(rest.slice(start + 3, end).trim(), scope), template);
    rest = rest.slice(end + 2);
  }
}

/** The closing `}}`, skipping any inside a quoted string literal. */
function findClose(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === "'") inString = !inString;
    else if (!inString && text.startsWith('}}', i)) return i;
  }
  return -1;
}

export function evaluateTemplate(template: string, scope: EvaluationScope): ExpressionValue {
  const trimmed = template.trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(trimmed);
  if (whole && findClose(trimmed, 3) === trimmed.length - 2) return evaluateExpression(whole[1]!.trim(), scope);
  return interpolate(template, scope);
}
