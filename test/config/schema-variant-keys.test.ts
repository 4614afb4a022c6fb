/**
 * The keys of a backend variant, as the loader reads them and as schema/perf-gate.schema.json lets an
 * editor write them: a key one knows and the other does not either fails a run the editor accepted
 * or underlines a config that runs (a stored baseline's `results` was once such a key).
 */
import { describe, expect, it } from 'vitest';
import { loaderVerdict, SCHEMA, schemaErrors } from '../helpers/config-schema.js';

const STORED_BASELINE = {
  backend: {
    kind: 'url',
    url: 'https://live.example.test',
    baseline: { kind: 'results', results: 'runs/results.json' },
  },
  load: { workload: { requests: [{ path: '/' }] } },
  targets: ['latency_p95 worsens <= 5%'],
};

/** The keys the loader allows in `backend.<variant>`, from its unknown-key message ("allowed: 'a', 'b'"). */
function loaderVariantKeys(): string[] {
  const probe = loaderVerdict({
    ...STORED_BASELINE,
    backend: { ...STORED_BASELINE.backend, candidate: { zz_not_a_key: 1 } },
  });
  if (probe.ok) throw new Error('the loader accepted an unknown key');
  return [...(/allowed: (.*)$/.exec(probe.message)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

describe('backend variant keys', () => {
  it('the schema allows exactly the keys the loader reads', () => {
    const schemaKeys = (SCHEMA.definitions as { variantKey: { enum: string[] } }).variantKey.enum;
    const loaderKeys = loaderVariantKeys();
    expect(loaderKeys).toContain('results');
    expect([...schemaKeys].sort()).toEqual([...loaderKeys].sort());
  });

  it('a stored baseline (kind results with a url candidate) passes both', () => {
    expect(loaderVerdict(STORED_BASELINE)).toEqual({ ok: true });
    expect(schemaErrors(STORED_BASELINE)).toEqual([]);
  });
});
