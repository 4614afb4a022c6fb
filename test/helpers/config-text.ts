/** Builds config documents for the loader tests: a minimal valid config, with sections replaced or removed. */

import { expect } from 'vitest';
import { stringify } from 'yaml';
import type { PerfGateConfig } from '../../src/config/config.js';
import { type ConfigOverrides, parseConfig } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';

export const MINIMAL: Record<string, unknown> = {
  backend: { kind: 'url', url: 'http://127.0.0.1:18080' },
  load: { workload: { requests: [{ path: '/' }] } },
  targets: ['latency_p95 worsens <= 5%'],
};

/** The minimal config with top-level sections replaced (`undefined` removes a section). */
export function withSections(sections: Record<string, unknown>): string {
  const doc: Record<string, unknown> = { ...MINIMAL, ...sections };
  for (const [k, v] of Object.entries(doc)) if (v === undefined) delete doc[k];
  return stringify(doc);
}

export function parse(
  text: string,
  options: { env?: NodeJS.ProcessEnv; overrides?: ConfigOverrides } = {},
): PerfGateConfig {
  return parseConfig(text, {
    source: 'perf-gate.yml',
    baseDir: '/repo',
    env: options.env ?? {},
    overrides: options.overrides ?? {},
  });
}

/** Runs `fn`, expects an InputError, and returns its message for further assertions. */
export function inputErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an InputError, but nothing was thrown');
}

/**
 * Config lines for a run that only has to reach the report: two pairs of half-second rounds at 20 req/s
 * on `/`. The masking tests use it; what they check is what the run writes, not what it measures.
 */
export const SHORT_LOAD = [
  'load:',
  '  rate: 20',
  '  roundDuration: 500ms',
  '  warmup: 500ms',
  '  pairs: 2',
  '  workload: { requests: [{ path: / }] }',
];
export const SHORT_GATE = ['gate: { minPairs: 2 }'];
