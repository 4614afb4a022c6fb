/**
 * Property tests: whatever text a user writes, the loader and the target parser either return a
 * value or throw an InputError (exit code 2). Any other exception would surface as exit code 3,
 * "infrastructure failure", which would send the user looking in the wrong place.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseTarget } from '../../src/config/targets.js';
import { InputError } from '../../src/errors.js';
import { CLIENT_METRICS } from '../../src/model/round-record.js';
import { MINIMAL, parse } from '../helpers/config-text.js';

function valueOrInputError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
  }
}

const words = [
  'latency_p95',
  'throughput',
  'error_rate',
  'improves',
  'worsens',
  'regresses',
  'by',
  'at',
  'least',
  'most',
  '>=',
  '<=',
  '<',
  '>',
  '==',
  '%',
  'ms',
  's',
  'req/s',
  'rps',
  '20',
  '0.01',
  '-5',
  '100',
  '1e3',
  ' ',
  '\t',
  '\n',
];
const targetLike = fc.array(fc.constantFrom(...words), { maxLength: 8 }).map((parts) => parts.join(' '));

/** JSON-like values, to replace any part of a valid config. */
const anyValue = fc.jsonValue({ maxDepth: 3 });
const sectionKeys = ['database', 'backend', 'load', 'metrics', 'targets', 'gate', 'report', 'extra'];
const configKeys = [
  'url',
  'kind',
  'command',
  'env',
  'port',
  'workload',
  'requests',
  'file',
  'rate',
  'pairs',
  'maxPairs',
  'roundDuration',
  'baseline',
  'candidate',
  'strategy',
  'migrations',
  'dir',
  'to',
  'before',
  'name',
  'metric',
  'quantile',
  'denominator',
  'minPairs',
  'confidence',
  'path',
  'weight',
];

describe('random input never escapes as anything but an InputError', () => {
  it('target parser: arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => valueOrInputError(() => parseTarget(text, CLIENT_METRICS))),
      { numRuns: 2000 },
    );
  });

  it('target parser: text built from the syntax words', () => {
    fc.assert(
      fc.property(targetLike, (text) => valueOrInputError(() => parseTarget(text, CLIENT_METRICS))),
      { numRuns: 3000 },
    );
  });

  it('[BUG: alias ReferenceError] config loader: arbitrary text as a file', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => valueOrInputError(() => parse(text))),
      { numRuns: 600 },
    );
  });

  it('config loader: a valid config with one section replaced by a random value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sectionKeys), anyValue, (key, value) =>
        valueOrInputError(() => parse(stringify({ ...MINIMAL, [key]: value }))),
      ),
      { numRuns: 600 },
    );
  });

  it('config loader: random keys and values planted inside each section', () => {
    const planted = fc.dictionary(fc.constantFrom(...configKeys), anyValue, { maxKeys: 4 });
    fc.assert(
      fc.property(
        fc.constantFrom('database', 'backend', 'load', 'gate', 'report'),
        planted,
        planted,
        (section, outer, inner) => {
          const base = structuredClone(MINIMAL) as Record<string, Record<string, unknown>>;
          const target = { ...(base[section] ?? {}), ...outer };
          const nestedKey = Object.keys(target).find(
            (k) => target[k] && typeof target[k] === 'object' && !Array.isArray(target[k]),
          );
          if (nestedKey) target[nestedKey] = { ...(target[nestedKey] as object), ...inner };
          valueOrInputError(() => parse(stringify({ ...base, [section]: target })));
        },
      ),
      { numRuns: 800 },
    );
  });

  it('[BUG: alias ReferenceError] config loader: YAML text with anchors, tags and odd scalars', () => {
    const pieces = [
      '&a [1, 2]',
      '*a',
      '*missing',
      '!!binary aGk=',
      '!!set {a, b}',
      '!custom x',
      '~',
      '.inf',
      '0x1F',
      '"${NOT_SET}"',
      '"${HOME}"',
      '{',
      ']',
      '? x',
      '<<: *a',
      '2024-01-01',
    ];
    const line = fc
      .tuple(fc.constantFrom(...sectionKeys, ...configKeys), fc.constantFrom(...pieces))
      .map(([k, v]) => `${k}: ${v}`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => valueOrInputError(() => parse(lines.join('\n')))),
      { numRuns: 600 },
    );
  });
});

describe('a document built to exhaust the YAML parser', () => {
  it('[BUG] an alias bomb ("billion laughs") is refused as bad input, not a crash or a hang', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i += 1)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const error = (() => {
      try {
        parse(levels.join('\n'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
  });
});

describe('YAML aliases', () => {
  // BUG (src/config/load.ts:63-69): the yaml package throws a ReferenceError (not a YAMLParseError)
  // for an alias whose anchor is missing and for an alias bomb; parseConfig rethrows it, so a typo in
  // the config ends as exit 3 "infrastructure failure" instead of exit 2 naming the problem.
  it('[BUG] an alias to an anchor that does not exist is bad input (exit 2), not an infrastructure failure', () => {
    let error: unknown;
    try {
      parse('backend: *missing\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('missing');
  });
});
