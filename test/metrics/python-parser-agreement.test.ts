import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/metrics/exposition.js';
import { parseExposition } from '../../src/metrics/parse-exposition.js';
import { parsePrometheusNumber } from '../../src/metrics/prometheus-number.js';

/**
 * Python prometheus_client's parsers (an independent implementation) read the same fixtures in
 * scripts/reference/python-parse-metrics.py; every sample must come out the same from ours.
 */
type JsonNumber = number | 'NaN' | '+Inf' | '-Inf';
interface PythonSample {
  name: string;
  labels: Record<string, string>;
  value: JsonNumber;
  timestampMs?: number;
  exemplar?: { labels: Record<string, string>; value: JsonNumber; timestampMs?: number };
}
interface PythonFile {
  file: string;
  format: string;
  families: Array<{ name: string; type: string; samples: PythonSample[] }>;
}
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/metrics/python-parsed.json', import.meta.url), 'utf8'),
) as {
  parser: string;
  files: PythonFile[];
};

function num(value: JsonNumber): number {
  return typeof value === 'number' ? value : parsePrometheusNumber(value)!;
}

/** A comparable form: numbers as strings (NaN stays NaN), timestamps rounded to the microsecond. */
function normalise(sample: {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
  exemplar?: { labels: Record<string, string>; value: number; timestampMs?: number };
}) {
  const ts = (t: number | undefined) => (t === undefined ? undefined : Math.round(t * 1000) / 1000);
  return {
    name: sample.name,
    labels: { ...sample.labels },
    value: String(sample.value),
    timestampMs: ts(sample.timestampMs),
    exemplar: sample.exemplar && {
      labels: { ...sample.exemplar.labels },
      value: String(sample.exemplar.value),
      timestampMs: ts(sample.exemplar.timestampMs),
    },
  };
}

function fromPython(sample: PythonSample) {
  const { exemplar, ...rest } = sample;
  return normalise({
    ...rest,
    value: num(sample.value),
    ...(exemplar ? { exemplar: { ...exemplar, value: num(exemplar.value) } } : {}),
  });
}

function fromOurs(sample: Sample) {
  return normalise(sample as Parameters<typeof normalise>[0]);
}

describe(`our parser reads every sample as ${reference.parser} does`, () => {
  it('covers all six fixtures with over 350 samples', () => {
    expect(reference.files).toHaveLength(6);
    expect(reference.files.flatMap((f) => f.families.flatMap((fam) => fam.samples)).length).toBeGreaterThan(350);
  });

  for (const file of reference.files) {
    it(`${file.file}`, () => {
      const ours = parseExposition(readFileSync(new URL(`../fixtures/metrics/${file.file}`, import.meta.url), 'utf8'));
      expect(ours.format).toBe(file.format);
      const ourSamples = [...ours.families.values()].flatMap((family) => family.samples.map(fromOurs));
      const theirSamples = file.families.flatMap((family) => family.samples.map(fromPython));
      expect(ourSamples).toEqual(theirSamples);
      if (file.format === 'openmetrics-1.0') {
        // OpenMetrics families are named and typed by the exposition itself, so both parsers must agree.
        const ourTypes = [...ours.families.values()].filter((f) => f.samples.length > 0).map((f) => [f.name, f.type]);
        expect(ourTypes).toEqual(file.families.filter((f) => f.samples.length > 0).map((f) => [f.name, f.type]));
      }
    });
  }
});
