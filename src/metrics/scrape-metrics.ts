import { request } from 'undici';
import { errorMessage, InfrastructureError } from '../errors.js';

/**
 * The one impure part of the metrics stage: fetch a /metrics page over HTTP and return its text.
 * Errors name the URL (with any credentials in it replaced) and what went wrong, as InfrastructureError:
 * a backend that cannot be scraped is a problem of the environment, not of the user's input.
 */
export interface MetricsResponse {
  statusCode: number;
  contentType?: string;
  body: string;
}

/** Injected transport, for callers that already have an HTTP client (the default uses undici.request). */
export type MetricsFetcher = (
  url: string,
  options: { timeoutMs: number; accept: string; maxBytes: number },
) => Promise<MetricsResponse>;

export interface ScrapeOptions {
  timeoutMs: number;
  fetch?: MetricsFetcher;
  /** Largest body accepted; a runaway exporter must not take the runner's memory. Default 32 MiB. */
  maxBytes?: number;
}

/**
 * Prometheus's own Accept header for scrapes (scrape/scrape.go): OpenMetrics first, then the text format.
 * prom-client ignores it and answers 0.0.4, which parseExposition reads just as well.
 */
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export async function scrapeMetrics(url: string, options: ScrapeOptions): Promise<string> {
  const shown = redactUrl(url);
  const fetcher = options.fetch ?? undiciFetcher;
  let response: MetricsResponse;
  try {
    response = await fetcher(url, {
      timeoutMs: options.timeoutMs,
      accept: ACCEPT,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    });
  } catch (error) {
    const cause = redactText(errorMessage(error), url, shown);
    throw new InfrastructureError(`scraping metrics from ${shown} failed: ${cause}`, { cause: error });
  }
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new InfrastructureError(`scraping metrics from ${shown} failed: HTTP ${response.statusCode}`);
  }
  return response.body;
}

async function undiciFetcher(
  url: string,
  options: { timeoutMs: number; accept: string; maxBytes: number },
): Promise<MetricsResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method: 'GET',
      headers: { accept: options.accept },
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  } catch (error) {
    if (signal.aborted) throw new Error(`no response within ${options.timeoutMs} ms`, { cause: error });
    throw error;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      if (size > options.maxBytes) {
        response.body.destroy();
        throw new Error(
          `response larger than ${options.maxBytes} bytes, the most perf-gate reads from a metrics page; expose fewer series there`,
        );
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`response body not complete within ${options.timeoutMs} ms`, { cause: error });
    throw error;
  }
  const contentType = response.headers['content-type'];
  return {
    statusCode: response.statusCode,
    contentType: Array.isArray(contentType) ? contentType[0] : contentType,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

/** The URL as it may appear in logs: user and password replaced (a metrics URL can carry basic auth). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = parsed.username === '' ? '' : '***';
    parsed.password = parsed.password === '' ? '' : '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}

function redactText(text: string, url: string, shown: string): string {
  if (url === shown) return text;
  let out = text.split(url).join(shown);
  try {
    const parsed = new URL(url);
    for (const secret of [parsed.password, decodeURIComponent(parsed.password)]) {
      if (secret.length > 0) out = out.split(secret).join('***');
    }
  } catch {
    // Not a URL: nothing more to hide than the string itself, already replaced.
  }
  return out;
}
