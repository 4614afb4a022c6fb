/**
 * Compiles schema/perf-gate.schema.json with ajv once, and offers the config loader the same way the
 * other config tests call it, so each test can ask both "do you accept this document?".
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { parseConfig } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCHEMA_PATH = `${REPO_ROOT}schema/perf-gate.schema.json`;
export const SCHEMA = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;

// strict: an unknown keyword or a misspelt one ("minimun") is a compile error, not a silent no-op.
// strictTypes is off because the if/then conditions test a property only when it is present, without
// repeating the parent's type, which draft-07 allows and ajv's type strictness does not; strictRequired is off for the same
// reason (conditions require keys declared in another branch).
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
const validate = ajv.compile(SCHEMA);

export function schemaErrors(document: unknown): ErrorObject[] {
  return validate(document) ? [] : [...(validate.errors ?? [])];
}

export function schemaAccepts(document: unknown): boolean {
  return validate(document);
}

/** Runs the real loader on a parsed document (round-tripped through JSON text, which YAML reads too). */
export function loaderVerdict(
  document: unknown,
  env: NodeJS.ProcessEnv = {},
): { ok: true } | { ok: false; message: string } {
  try {
    parseConfig(JSON.stringify(document), { source: 'perf-gate.yml', baseDir: '/repo', env, overrides: {} });
    return { ok: true };
  } catch (error) {
    if (error instanceof InputError) return { ok: false, message: error.message };
    throw error;
  }
}

/** A deep copy of `document` with the value at `path` (keys and list indexes) replaced; `undefined` deletes it. */
export function withValue(document: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}
