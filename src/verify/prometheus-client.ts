/**
 * The one impure part of `verify`: POST a range query to a Prometheus-compatible store's
 * `/api/v1/query_range` (Prometheus, Mimir, Thanos, Grafana Cloud, Fly.io's managed Prometheus all
 * serve it). The query travels in the form body, not the URL, and credentials only in the
 * Authorization header: errors name the store's URL with any user and password replaced.
 */
import { request } from 'undici';
import { errorMessage, InfrastructureError, InputError } from '../errors.js';
import { redactUrl } from '../metrics/scrape-metrics.js';
import { type MatrixSeries, parseQueryRangeAnswer } from './query-range-answer.js';

export interface RangeQuery {
  query: string;
  /** Unix seconds. */
  start: number;
  end: number;
  stepSeconds: number;
}

export type QueryRange = (query: RangeQuery) => Promise<MatrixSeries[]>;

export interface PrometheusClientOptions {
  /** The store's base URL, up to (not including) /api/v1: http://127.0.0.1:9090, https://api.fly.io/prometheus/my-org. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` (or as given when it names its scheme); never logged. */
  token?: string;
  timeoutMs: number;
}

export interface PrometheusClient {
  /** The query endpoint as it may be shown: no credentials. */
  shownUrl: string;
  queryRange: QueryRange;
}

/** Largest answer read: a query that matched far more series than two variants must not take the runner's memory. */
const MAX_BYTES = 64 * 1024 * 1024;

export function prometheusClient(options: PrometheusClientOptions): PrometheusClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new InputError(`--prometheus-url: ${JSON.stringify(redactUrl(options.baseUrl))} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new InputError(`--prometheus-url: expected an http:// or https:// URL, got ${base.protocol}`);
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  // user:password in the URL (Grafana Cloud's instance id and API key) becomes basic auth, a token a bearer.
  if (base.username || base.password) {
    const user = decodeURIComponent(base.username);
    const password = decodeURIComponent(base.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  if (options.token) headers.authorization = authorizationFor(options.token);
  const endpoint = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/query_range`, base);
  endpoint.username = '';
  endpoint.password = '';
  const url = endpoint.toString();
  const shownUrl = redactUrl(url);

  const queryRange: QueryRange = async (query) => {
    const body = new URLSearchParams({
      query: query.query,
      start: String(query.start),
      end: String(query.end),
      step: `${query.stepSeconds}s`,
    }).toString();
    const signal = AbortSignal.timeout(options.timeoutMs);
    let statusCode: number;
    let text: string;
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      statusCode = response.statusCode;
      text = await readLimited(response.body);
    } catch (error) {
      const why = signal.aborted ? `no complete answer within ${options.timeoutMs} ms` : errorMessage(error);
      throw new InfrastructureError(`Prometheus query_range at ${shownUrl} for ${query.query}: ${hide(why, options)}`, {
        cause: error,
      });
    }
    return parseQueryRangeAnswer({ statusCode, body: text, query: query.query, url: shownUrl });
  };
  return { shownUrl, queryRange };
}

/**
 * A bare token is sent as `Bearer <token>`; one that already names its scheme (Fly.io's org tokens
 * are written `FlyV1 fm2_...`) is sent as given.
 */
export function authorizationFor(token: string): string {
  const trimmed = token.trim();
  return /^[A-Za-z][A-Za-z0-9_-]* \S+$/.test(trimmed) ? trimmed : `Bearer ${trimmed}`;
}

async function readLimited(body: AsyncIterable<unknown> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > MAX_BYTES) {
      body.destroy();
      throw new Error(`answer larger than ${MAX_BYTES} bytes; narrow the query or the window`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A transport's message could quote the request: take the token and URL password out of it. */
function hide(text: string, options: PrometheusClientOptions): string {
  let out = text;
  const secrets = [options.token ?? ''];
  try {
    secrets.push(decodeURIComponent(new URL(options.baseUrl).password));
  } catch {
    // Not a URL: refused earlier.
  }
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}
