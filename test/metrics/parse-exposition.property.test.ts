import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseExposition } from '../../src/metrics/parse-exposition.js';

/**
 * Whatever a backend sends, the parser either returns an Exposition or throws an InputError that names a
 * line: never a TypeError, a RangeError or a hang (a hang would show up as this file timing out).
 */
const FIXTURES = ['prom-client.prom', 'prom-client.openmetrics', 'python-client.prom', 'python-client.openmetrics'].map(
  (name) => readFileSync(new URL(`../fixtures/metrics/${name}`, import.meta.url), 'utf8'),
);

function parsesOrInputError(text: string): void {
  try {
    parseExposition(text);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message).toMatch(/^metrics exposition(, line \d+)?: /);
  }
}

/** Pieces of the grammar, so random text reaches deep parser states, not only "bad first character". */
const TOKENS = [
  '# ',
  'HELP ',
  'TYPE ',
  'UNIT ',
  'EOF',
  'counter',
  'histogram',
  'summary',
  'gaugehistogram',
  'foo',
  'foo_bucket',
  'foo_total',
  'foo_count',
  '_created',
  '{',
  '}',
  '=',
  ',',
  '"',
  '\\',
  '\\n',
  '\\"',
  'le',
  'quantile',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '1',
  '0.5',
  '-3',
  '1e9',
  'NaN',
  '+Inf',
  '-Inf',
  ' # {trace_id="x"} 1 2',
  '__proto__',
  'constructor',
  '\u0000',
  'é',
  '😀',
];

describe('parseExposition never fails in any other way', () => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => parsesOrInputError(text)),
      { numRuns: 1000 },
    );
  });

  it('on grammar-shaped random text', () => {
    const shaped = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(shaped, (text) => parsesOrInputError(text)),
      { numRuns: 2000 },
    );
  });

  it('on random mutations of real exporter output', () => {
    const mutation = fc.record({
      fixture: fc.integer({ min: 0, max: FIXTURES.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          length: fc.integer({ min: 0, max: 12 }),
          insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 6 })),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      truncateAt: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(mutation, ({ fixture, edits, truncateAt }) => {
        let text = FIXTURES[fixture]!;
        for (const edit of edits) {
          const at = edit.at % (text.length + 1);
          text = text.slice(0, at) + edit.insert + text.slice(at + edit.length);
        }
        if (truncateAt !== undefined) text = text.slice(0, truncateAt % (text.length + 1));
        parsesOrInputError(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('reads back label values and sample values it was given, whatever characters they hold', () => {
    const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const sample = fc.record({
      name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/),
      labels: fc.dictionary(
        fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/),
        fc.string({ unit: 'binary', maxLength: 20 }),
        { maxKeys: 4 },
      ),
      value: fc.double(),
    });
    fc.assert(
      fc.property(sample, ({ name, labels, value }) => {
        const labelText = Object.entries(labels)
          .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
          .join(',');
        const valueText = Number.isNaN(value)
          ? 'NaN'
          : value === Infinity
            ? '+Inf'
            : value === -Infinity
              ? '-Inf'
              : String(value);
        const exposition = parseExposition(`${name}{${labelText}} ${valueText}\n`);
        const parsed = [...exposition.families.values()].flatMap((f) => f.samples);
        expect(parsed).toHaveLength(1);
        expect(parsed[0]!.name).toBe(name);
        expect({ ...parsed[0]!.labels }).toEqual({ ...labels });
        expect(Object.is(parsed[0]!.value, value) || parsed[0]!.value === value).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
