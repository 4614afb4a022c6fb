// HTTP routing for the service: POST /api/search, GET /health, GET /metrics.
import { BadRequestError, readSearchRequest } from './search-pipeline.mjs';

const MAX_BODY_BYTES = 64 * 1024;

function send(res, status, body, contentType = 'application/json') {
  const text = contentType === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequestError(`body: more than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * @param {{ search: (query: string) => Promise<object>, pool: import('pg').Pool,
 *           registry: import('prom-client').Registry, log: { error(message: string): void } }} deps
 */
export function createRequestHandler({ search, pool, registry, log }) {
  async function health(res) {
    try {
      // Bounded: a health probe must answer even when the database hangs.
      await Promise.race([
        pool.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
      ]);
      send(res, 200, { status: 'ok' });
    } catch (error) {
      send(res, 503, { status: 'unavailable', reason: `database: ${error.message}` });
    }
  }

  async function searchRoute(req, res) {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      throw error instanceof BadRequestError ? error : new BadRequestError('body: not valid JSON');
    }
    send(res, 200, await search(readSearchRequest(body)));
  }

  return async function handle(req, res) {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/api/search') {
        if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
        return await searchRoute(req, res);
      }
      if (path === '/health') return await health(res);
      if (path === '/metrics') return send(res, 200, await registry.metrics(), registry.contentType);
      return send(res, 404, { error: `no route ${path}` });
    } catch (error) {
      if (error instanceof BadRequestError) return send(res, 400, { error: error.message });
      log.error(`${req.method} ${path} failed: ${error.message}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  };
}
