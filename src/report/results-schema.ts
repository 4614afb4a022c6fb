/**
 * Checks a results.json against its published JSON Schema (schema/results.schema.json) before any of
 * it is used. On the fork path (`perf-gate comment --results FILE` in a workflow_run job) the file was
 * written by a pull request's code, so nothing in it is trusted: every enumerated field must be one of
 * its values, every number a number in range, every string and list under a size cap.
 *
 * ajv is a runtime dependency for this: it is the reference validator for JSON Schema and compiles the
 * published schema itself, so the file users validate against and the check perf-gate runs cannot
 * drift apart (a hand-written checker would be a second copy of the contract).
 */
import { Ajv, type ErrorObject } from 'ajv';
import schema from '../../schema/results.schema.json' with { type: 'json' };
import { InputError } from '../errors.js';
import { RESULTS_SCHEMA_VERSION, type Results } from './results.js';

/**
 * Largest results.json read. A run at the config's upper bound (1,000 pairs, so 2,000 rounds with a
 * compressed latency histogram each) writes a few MB; the cap keeps a hostile file from taking the
 * runner's memory before the schema's per-field caps apply.
 */
export const MAX_RESULTS_BYTES = 32 * 1024 * 1024;

// removeAdditional: properties the schema does not list are dropped, so a file from a later perf-gate
// (which may add fields) still reads, and nothing unlisted can reach a report.
// strictTypes/strictTuples off: the schema is draft-07 and nullable types ("type": ["array", "null"])
// with tuple items are valid there; unknown or misspelt keywords still fail to compile (strict).
const ajv = new Ajv({
  allErrors: false,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  removeAdditional: true,
});
const validate = ajv.compile<Results>(schema);

/** "/rounds/3/pair" -> "rounds[3].pair": the path as a reader of the JSON would write it. */
export function jsonPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '(the document)';
}

function describeError(error: ErrorObject): { path: string; expected: string; name?: string } {
  let path = error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') path += `/${String(params.missingProperty)}`;
  // A property name that failed (propertyNames): ajv names it on the error, not in params.
  const propertyName = (error as ErrorObject & { propertyName?: unknown }).propertyName ?? params.propertyName;
  if (typeof propertyName === 'string') path += `/${propertyName.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  let expected: string;
  switch (error.keyword) {
    case 'required':
      expected = 'a value (the field is required)';
      break;
    case 'enum':
      expected = `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'const':
      expected = JSON.stringify(params.allowedValue);
      break;
    case 'type':
      expected = `a value of type ${String(params.type).replace(',', ' or ')}`;
      break;
    case 'propertyNames':
    case 'not':
      expected = 'a name the schema allows (never __proto__, constructor or prototype)';
      break;
    case 'pattern':
      expected = `text matching ${String(params.pattern)}`;
      break;
    case 'maxLength':
      expected = `at most ${String(params.limit)} characters`;
      break;
    case 'maxItems':
      expected = `at most ${String(params.limit)} items`;
      break;
    default:
      expected = `a value that ${error.message ?? 'matches the schema'}`;
  }
  return { path: jsonPath(path), expected, ...(typeof propertyName === 'string' ? { name: propertyName } : {}) };
}

function valueAt(document: unknown, pointer: string): unknown {
  let value: unknown = document;
  for (const part of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A short, one-line, inert rendering of what the file held at the failing path. */
function given(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The parsed file when it matches the schema (unlisted properties removed), else an InputError that
 * names the file, the JSON path, what it held and what is allowed (exit 2).
 */
export function validateResults(document: unknown, source: string): Results {
  // What the file is and which version it is come first: a k6 summary or a results.json of another
  // schema version is named as such, not by the first field that differs.
  const head =
    document !== null && typeof document === 'object' && !Array.isArray(document)
      ? (document as Record<string, unknown>)
      : undefined;
  const tool = head && Object.hasOwn(head, 'tool') ? (head.tool as Record<string, unknown> | null) : undefined;
  const toolName = tool !== null && typeof tool === 'object' && Object.hasOwn(tool, 'name') ? tool.name : undefined;
  if (toolName !== 'perf-gate')
    throw new InputError(
      `${source} field 'tool.name': got ${given(toolName)}; expected "perf-gate" (a results.json written by perf-gate)`,
    );
  if (head!.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new InputError(
      `${source} field 'schemaVersion': got ${given(head!.schemaVersion)}; expected ${RESULTS_SCHEMA_VERSION} (this perf-gate reads results schema version ${RESULTS_SCHEMA_VERSION}; see schema/results.schema.json)`,
    );
  }
  if (validate(document)) return document;
  const error = validate.errors![0]!;
  const { path, expected, name } = describeError(error);
  const atPointer = name ?? (error.keyword === 'required' ? undefined : valueAt(document, error.instancePath));
  throw new InputError(`${source} field '${path}': got ${given(atPointer)}; expected ${expected}`);
}

/**
 * JSON.parse with plain-data objects: every object gets a null prototype, so a key such as
 * "__proto__" or "constructor" is an ordinary own property and a lookup of a missing key never
 * reaches Object.prototype.
 */
export function parseResultsJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const plain = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(plain, k, { value: v, enumerable: true, writable: true, configurable: true });
    return plain;
  });
}
