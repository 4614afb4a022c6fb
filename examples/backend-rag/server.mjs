#!/usr/bin/env node
// Reference RAG backend for perf-gate: a small search service over PostgreSQL that exposes the
// Prometheus metrics perf-gate's default configuration scrapes. See README.md for the knobs.
//
//   DATABASE_URL=postgres://... node examples/backend-rag/server.mjs
//
// Exit codes: 0 after SIGTERM/SIGINT, 2 for an invalid knob, 3 when the server cannot listen.
import { createServer } from 'node:http';
import pg from 'pg';
import { ConfigError, maskDatabaseUrl, parseConfig } from './lib/config.mjs';
import { createRequestHandler } from './lib/http-app.mjs';
import { createMetrics } from './lib/metrics.mjs';
import { stepsPerCpuMs } from './lib/rerank.mjs';
import { createSearchPipeline } from './lib/search-pipeline.mjs';

// The service's own thin logger: one line per event on stderr, never the database password.
const log = {
  info: (message) => process.stderr.write(`backend-rag: ${message}\n`),
  error: (message) => process.stderr.write(`backend-rag: error: ${message}\n`),
};

function main() {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      log.error(error.message);
      process.exit(2);
    }
    throw error;
  }

  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.poolSize,
    // Idle connections stay open for 30 s, longer than any gap in a benchmark, so measured pool
    // wait is queueing for a busy pool rather than reconnecting.
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'perf-gate-backend-rag',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (error) => log.error(`idle database connection: ${error.message}`));

  const metrics = createMetrics();
  // EXTRA_WORK_MS measured into mixing rounds before the server listens, so no request waits on it.
  const extraWorkSteps = config.extraWorkMs > 0 ? Math.max(1, Math.round(config.extraWorkMs * stepsPerCpuMs())) : 0;
  const search = createSearchPipeline({ pool, metrics, config, extraWorkSteps });
  const server = createServer(createRequestHandler({ search, pool, registry: metrics.registry, log }));

  // Keep idle keep-alive connections longer than a load generator's pause between blocks (and
  // than the 60 s idle timeout of common load balancers), so a client never reuses a socket the
  // server is closing at that very moment; headersTimeout must exceed keepAliveTimeout
  // (https://nodejs.org/api/http.html#serverkeepalivetimeout).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('error', (error) => {
    log.error(`cannot listen on ${config.host}:${config.port}: ${error.message}`);
    pool.end().finally(() => process.exit(3));
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const earlyExit = config.earlyExitScore === null ? 'off' : String(config.earlyExitScore);
    log.info(
      `listening on ${config.host}:${address.port}; database ${maskDatabaseUrl(config.databaseUrl)}; ` +
        `pool ${config.poolSize}; early exit ${earlyExit}; rerank work ${config.rerankWork}; slowdown ${config.slowdown}; ` +
        `extra work ${config.extraWorkMs} ms = ${extraWorkSteps} mixing rounds per request`,
    );
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: closing the server and the database pool`);
    // Finish requests in flight, drop idle keep-alive connections, then end the pool.
    server.close(() => {
      pool.end().then(
        () => process.exit(0),
        (error) => {
          log.error(`closing the pool: ${error.message}`);
          process.exit(0);
        },
      );
    });
    server.closeIdleConnections();
    // A client holding a keep-alive connection open must not keep us from exiting.
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
