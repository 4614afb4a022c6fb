/**
 * The query_range client against an in-process HTTP server on loopback, answering as Prometheus does
 * (bodies shaped as prometheus.io/docs/prometheus/latest/querying/api/ documents them).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InfrastructureError, InputError, type PerfGateError } from '../../src/errors.js';
import { authorizationFor, prometheusClient } from '../../src/verify/prometheus-client.js';
import { parseQueryRangeAnswer } from '../../src/verify/query-range-answer.js';

const MATRIX = JSON.stringify({
  status: 'success',
  data: {
    resultType: 'matrix',
    result: [
      {
        metric: {},
        values: [
          [1733150400, '0.25'],
          [1733150460, 'NaN'],
          [1733150520, '+Inf'],
        ],
      },
    ],
  },
});

describe('parseQueryRangeAnswer', () => {
  const answer = (statusCode: number, body: string) =>
    parseQueryRangeAnswer({ statusCode, body, query: 'sum (up)', url: 'http://p/api/v1/query_range' });
  const failure = (statusCode: number, body: string): PerfGateError => {
    try {
      answer(statusCode, body);
    } catch (error) {
      return error as PerfGateError;
    }
    throw new Error('expected an error');
  };

  it('reads a matrix, keeping NaN and infinities as numbers', () => {
    const [series] = answer(200, MATRIX);
    expect(series!.values).toEqual([
      [1733150400, 0.25],
      [1733150460, Number.NaN],
      [1733150520, Number.POSITIVE_INFINITY],
    ]);
  });

  it('reports status "error" with its errorType and error, the query and the HTTP status', () => {
    const error = failure(400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }));
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.exitCode).toBe(ExitCode.infrastructure);
    expect(error.message).toBe(
      'Prometheus query_range at http://p/api/v1/query_range for sum (up): HTTP 400, bad_data: parse error',
    );
  });

  it('refuses a vector or scalar result, a body that is not JSON, and an HTTP error without a body', () => {
    const vector = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } });
    expect(failure(200, vector).message).toMatch(/result type "vector", expected "matrix"/);
    expect(failure(502, '<html>Bad gateway</html>').message).toMatch(/HTTP 502, the answer is not JSON: "<html>Bad/);
    expect(failure(503, '{}').message).toMatch(/HTTP 503$/);
    expect(
      failure(
        200,
        JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ values: [[1, 2]] }] } }),
      ).message,
    ).toMatch(/sample 1 is not \[seconds, "value"\]/);
  });
});

describe('prometheusClient', () => {
  let server: Server;
  let url = '';
  const seen: { url?: string; authorization?: string; body: string }[] = [];
  let reply: (respond: (status: number, body: string) => void) => void = (respond) => respond(200, MATRIX);

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({ url: request.url, authorization: request.headers.authorization, body });
        reply((status, text) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(text);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs to <base>/api/v1/query_range with the bearer token and returns the series', async () => {
    seen.length = 0;
    const client = prometheusClient({ baseUrl: `${url}/prefix/`, token: 'sekret-token-123', timeoutMs: 5000 });
    expect(client.shownUrl).toBe(`${url}/prefix/api/v1/query_range`);
    const series = await client.queryRange({ query: 'sum (up)', start: 1, end: 2, stepSeconds: 60 });
    expect(series[0]!.values[0]).toEqual([1733150400, 0.25]);
    expect(seen[0]).toMatchObject({ url: '/prefix/api/v1/query_range', authorization: 'Bearer sekret-token-123' });
    // The query travels in the form body, not in the URL a proxy might log.
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({
      query: 'sum (up)',
      start: '1',
      end: '2',
      step: '60s',
    });
  });

  it('sends a bare token as a bearer token and one that names its scheme as given', () => {
    expect(authorizationFor('abc123')).toBe('Bearer abc123');
    expect(authorizationFor('FlyV1 fm2_abc,def')).toBe('FlyV1 fm2_abc,def');
    expect(authorizationFor(' Bearer xyz ')).toBe('Bearer xyz');
  });

  it('turns user:password in the URL into basic auth and shows the URL without them', async () => {
    seen.length = 0;
    const base = url.replace('http://', 'http://inst:p%40ss@');
    const client = prometheusClient({ baseUrl: base, timeoutMs: 5000 });
    expect(client.shownUrl).not.toContain('p%40ss');
    expect(client.shownUrl).not.toContain('inst');
    await client.queryRange({ query: 'sum (up)', start: 1, end: 2, stepSeconds: 60 });
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('inst:p@ss').toString('base64')}`);
  });

  it('gives up after the timeout with an InfrastructureError naming the store and the query', async () => {
    reply = () => undefined;
    try {
      const client = prometheusClient({ baseUrl: url, token: 'sekret-token-123', timeoutMs: 300 });
      const error = await client.queryRange({ query: 'sum (up)', start: 1, end: 2, stepSeconds: 60 }).catch((e) => e);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect(error.message).toMatch(/query_range for sum \(up\): no complete answer within 300 ms/);
      expect(error.message).not.toContain('sekret');
    } finally {
      reply = (respond) => respond(200, MATRIX);
    }
  });

  it('refuses a URL that is not http(s) as bad input, without echoing its password', () => {
    expect(() => prometheusClient({ baseUrl: 'ftp://x', timeoutMs: 1 })).toThrow(InputError);
    expect(() => prometheusClient({ baseUrl: 'not a url :pw@', timeoutMs: 1 })).toThrow(InputError);
  });
});
