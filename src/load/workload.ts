/**
 * The requests a round sends: either a weighted mix (`{ requests: [...] }`, from the config or a JSON/YAML
 * file) or a replay of recorded queries (a JSONL file, one request per line, replayed in order or shuffled).
 * Parsing is pure: it receives text or already-parsed data plus a `source` label used in every message,
 * so an error says which file, line and key is wrong.
 */
import { InputError, invalidValue } from '../errors.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One request, validated and ready to send: the body is already text, JSON bodies carry their content type. */
export interface WorkloadRequest {
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Relative frequency in a weighted mix; 1 unless given. */
  weight: number;
}

/**
 * How the picker walks the requests: `weighted` draws each request independently by weight (a mix);
 * `sequential` replays them in file order, wrapping around; `shuffled` replays them in a seeded random order,
 * reshuffled after every pass, so each recorded query is sent as often as the others.
 */
export type WorkloadOrder = 'weighted' | 'sequential' | 'shuffled';
export const WORKLOAD_ORDERS: readonly WorkloadOrder[] = ['weighted', 'sequential', 'shuffled'];

export interface Workload {
  requests: WorkloadRequest[];
  order: WorkloadOrder;
}

const REQUEST_KEYS = ['method', 'path', 'headers', 'body', 'weight'];
const CONNECTION_HEADERS = ['connection', 'content-length', 'expect', 'keep-alive', 'transfer-encoding', 'upgrade'];

/** Validates a `{ requests: [...] }` object (already parsed from JSON or YAML). */
export function parseWorkload(data: unknown, source: string, order: WorkloadOrder = 'weighted'): Workload {
  // The kind of value only, not the value: the file may be anything (a key file, a password list).
  if (!isPlainObject(data))
    throw new InputError(`${source}: got ${kindOf(data)}; expected an object with a "requests" list`);
  for (const key of Object.keys(data)) {
    if (key !== 'requests') throw invalidValue(`${source}: key '${key}'`, key, 'only "requests" at the top level');
  }
  const list = data.requests;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalidValue(`${source}: requests`, list, 'a non-empty list of { method, path, headers?, body?, weight? }');
  }
  const requests = list.map((item, i) => parseRequest(item, `${source}: requests[${i}]`, true));
  return { requests, order: checkOrder(order, source) };
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'text' : `a ${typeof value}`;
}

/**
 * A JSON.parse message without the excerpt of the text that V8 quotes (`Unexpected token 'r',
 * "root:x:0:0"... is not valid JSON`): what is wrong and where, never what the file holds.
 */
export function jsonErrorWithoutText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, ".*is not valid JSON$/s, '').replace(/^(Unexpected token) '.*?'(?=,|$)/s, '$1');
}

/**
 * Validates a JSONL file of recorded queries: one JSON object per line (`method`, `path`, `headers`, `body`);
 * blank lines are skipped. Line numbers in messages count from 1, as editors show them.
 */
export function parseWorkloadJsonl(text: string, source: string, order: WorkloadOrder = 'sequential'): Workload {
  const requests: WorkloadRequest[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${source}:${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${where}: not valid JSON (${jsonErrorWithoutText(error)})`);
    }
    requests.push(parseRequest(parsed, where, false));
  }
  if (requests.length === 0) throw new InputError(`${source}: no requests (the file has no non-blank line)`);
  return { requests, order: checkOrder(order, source) };
}

function parseRequest(item: unknown, where: string, allowWeight: boolean): WorkloadRequest {
  if (!isPlainObject(item)) throw invalidValue(where, item, 'an object { method, path, headers?, body? }');
  const allowedKeys = allowWeight ? REQUEST_KEYS : REQUEST_KEYS.filter((k) => k !== 'weight');
  for (const key of Object.keys(item)) {
    // Unknown keys are refused rather than ignored: a typo such as "header" would otherwise silently send
    // requests without the intended headers and measure something else.
    if (!allowedKeys.includes(key))
      throw invalidValue(`${where}: key '${key}'`, key, `one of ${allowedKeys.join(', ')}`);
  }

  const rawMethod = item.method;
  const method = typeof rawMethod === 'string' ? rawMethod.toUpperCase() : rawMethod;
  if (typeof method !== 'string' || !(HTTP_METHODS as readonly string[]).includes(method)) {
    throw invalidValue(`${where}.method`, rawMethod, `one of ${HTTP_METHODS.join(', ')}`);
  }

  const path = item.path;
  // Printable ASCII only. undici writes the request line as Latin-1: it refuses characters above U+00FF at
  // send time, and sends "ö" as the single byte 0xF6, not as UTF-8 "%C3%B6", which is a different request.
  if (typeof path !== 'string' || !/^\/[\x21-\x7e]*$/.test(path)) {
    throw invalidValue(
      `${where}.path`,
      path,
      'a path starting with "/" in printable ASCII, without spaces; percent-encode anything else, e.g. "/search?q=gr%C3%B6%C3%9Fe"',
    );
  }

  const headers: Record<string, string> = {};
  if (item.headers !== undefined) {
    if (!isPlainObject(item.headers))
      throw invalidValue(`${where}.headers`, item.headers, 'an object of header name -> string');
    for (const [name, value] of Object.entries(item.headers)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        throw invalidValue(`${where}.headers`, name, 'header names made of token characters (RFC 9110 section 5.1)');
      }
      const lower = name.toLowerCase();
      // Framing and connection handling belong to the generator: a recorded "Connection: close" would measure
      // a TCP handshake per request, and undici refuses the others outright.
      if (CONNECTION_HEADERS.includes(lower)) {
        throw invalidValue(
          `${where}.headers`,
          name,
          `any header except ${CONNECTION_HEADERS.join(', ')} (perf-gate sets framing and keep-alive itself)`,
        );
      }
      if (typeof value !== 'string') throw invalidValue(`${where}.headers.${name}`, value, 'a string');
      if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
        throw invalidValue(
          `${where}.headers.${name}`,
          value,
          'a value without line breaks or other control characters',
        );
      }
      headers[lower] = value;
    }
  }

  let body: string | undefined;
  if (item.body !== undefined) {
    if (typeof item.body === 'string') {
      body = item.body;
    } else {
      body = JSON.stringify(item.body);
      headers['content-type'] ??= 'application/json';
    }
  }

  let weight = 1;
  if (item.weight !== undefined) {
    if (typeof item.weight !== 'number' || !Number.isFinite(item.weight) || item.weight <= 0) {
      throw invalidValue(`${where}.weight`, item.weight, 'a positive number');
    }
    weight = item.weight;
  }

  const request: WorkloadRequest = { method: method as HttpMethod, path, headers, weight };
  if (body !== undefined) request.body = body;
  return request;
}

function checkOrder(order: WorkloadOrder, source: string): WorkloadOrder {
  if (!WORKLOAD_ORDERS.includes(order)) throw invalidValue(`${source}: order`, order, WORKLOAD_ORDERS.join(', '));
  return order;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
