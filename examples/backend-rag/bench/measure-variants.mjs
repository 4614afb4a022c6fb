#!/usr/bin/env node
// Measures the example's baseline against its candidate the way perf-gate would, without
// perf-gate: seeds a database, copies it before migration 022 (baseline) and applies 022 to the
// original (candidate), boots both servers, drives each with an open-loop load in alternating
// blocks, and compares what their /metrics say. Prints a table; used to tune the data set and
// the rerank work so the example's expected gains hold (figures in ../README.md).
//
//   ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres node examples/backend-rag/bench/measure-variants.mjs \
//     [--rate 40] [--seconds 20] [--rounds 3]
//
// ADMIN_URL must be a role that may create databases. psql comes from PG_BIN or PATH.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..');
const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    slowdown: { type: 'string', default: '0' },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);

function psqlPath() {
  return process.env.PG_BIN ? join(process.env.PG_BIN, 'psql') : 'psql';
}

function psql(url, argv) {
  const result = spawnSync(psqlPath(), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...argv], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql ${argv.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

function dbUrl(admin, name) {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function bootServer(name, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(example, 'server.mjs')], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    const status = await request(base, 'GET', '/health').then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { name, base, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`${name} did not become healthy`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(base, method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Open loop: request i is sent at start + i / rate whatever happened to earlier ones. */
async function openLoop(base, queries, rate, seconds, offset) {
  const total = Math.round(rate * seconds);
  const latencies = [];
  let errors = 0;
  const inFlight = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const q = queries[(offset + i) % queries.length];
    inFlight.push(
      request(base, q.method, q.path, q.body).then(
        (r) => {
          // Latency from the intended send time, so a stalled server is not hidden by sending late.
          latencies.push(performance.now() - due);
          if (r.status !== 200) errors += 1;
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  return { sent: total, errors, latencies, achievedRate: total / elapsed };
}

/** Parses the lines of our rag_* families from Prometheus text into { key: value }. */
function parseMetrics(text) {
  const values = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('rag_')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

function delta(after, before, key) {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

/** p-quantile of a cumulative-bucket histogram, linear inside the bucket (as histogram_quantile). */
function bucketQuantile(after, before, family, q) {
  const buckets = [];
  for (const key of after.keys()) {
    const m = key.match(new RegExp(`^${family}_bucket\\{le="([^"]+)"\\}$`));
    if (m) buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: delta(after, before, key) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / Math.max(1, b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return NaN;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function summarize(blocks) {
  const sum = (f) => blocks.reduce((acc, b) => acc + f(b), 0);
  const searches = sum((b) => delta(b.after, b.before, 'rag_searches_total'));
  const totalSum = sum((b) => delta(b.after, b.before, 'rag_pipeline_duration_seconds_sum{step="total"}'));
  const totalCount = sum((b) => delta(b.after, b.before, 'rag_pipeline_duration_seconds_count{step="total"}'));
  const dbSum = sum(
    (b) =>
      delta(b.after, b.before, 'rag_db_query_duration_seconds_sum{query="golden_lookup"}') +
      delta(b.after, b.before, 'rag_db_query_duration_seconds_sum{query="retrieval"}'),
  );
  const rerankSum = sum((b) => delta(b.after, b.before, 'rag_pipeline_duration_seconds_sum{step="rerank"}'));
  const early = sum((b) => delta(b.after, b.before, 'rag_early_exit_total'));
  // Pool-wait p95 over all blocks: sum each series' per-block increase, then read the quantile
  // from the summed buckets (against an empty "before").
  const merged = new Map();
  for (const b of blocks) {
    for (const [key, value] of b.after) merged.set(key, (merged.get(key) ?? 0) + value - (b.before.get(key) ?? 0));
  }
  const latencies = blocks.flatMap((b) => b.load.latencies).sort((a, b) => a - b);
  return {
    requests: sum((b) => b.load.sent),
    errors: sum((b) => b.load.errors),
    achievedRate: sum((b) => b.load.achievedRate) / blocks.length,
    meanPipelineMs: (totalSum / totalCount) * 1000,
    meanDbMsPerRequest: (dbSum / searches) * 1000,
    meanRerankMsPerRequest: (rerankSum / searches) * 1000,
    earlyExitRate: early / searches,
    poolWaitP95Ms: bucketQuantile(merged, new Map(), 'rag_db_pool_wait_seconds', 0.95) * 1000,
    clientP50Ms: percentile(latencies, 0.5),
    clientP95Ms: percentile(latencies, 0.95),
  };
}

async function main() {
  const admin = process.env.ADMIN_URL;
  if (!admin) throw new Error('ADMIN_URL: got nothing; expected a postgres:// URL of a role that may create databases');
  const queries = readFileSync(join(example, 'queries.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const cand = 'rag_bench_candidate';
  const base = 'rag_bench_baseline';
  psql(admin, [
    '-c',
    `DROP DATABASE IF EXISTS ${cand}`,
    '-c',
    `DROP DATABASE IF EXISTS ${base}`,
    '-c',
    `CREATE DATABASE ${cand}`,
  ]);
  let t = performance.now();
  psql(dbUrl(admin, cand), [
    '-1',
    '-f',
    join(example, 'migrations/001_schema.sql'),
    '-f',
    join(example, 'migrations/002_seed_data.sql'),
  ]);
  console.log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  psql(admin, ['-c', `CREATE DATABASE ${base} TEMPLATE ${cand}`]);
  t = performance.now();
  psql(dbUrl(admin, cand), ['-1', '-f', join(example, 'migrations/022_search_indexes.sql')]);
  console.log(`022 applied in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const servers = [
    await bootServer('baseline', {
      DATABASE_URL: dbUrl(admin, base),
      DB_POOL_SIZE: '10',
      EARLY_EXIT_SCORE: 'off',
      SLOWDOWN: '0',
    }),
    await bootServer('candidate', {
      DATABASE_URL: dbUrl(admin, cand),
      DB_POOL_SIZE: '20',
      EARLY_EXIT_SCORE: '0.9',
      SLOWDOWN: args.slowdown,
    }),
  ];
  try {
    for (const s of servers) await openLoop(s.base, queries, RATE, Math.min(5, SECONDS), 0); // warm-up: JIT, caches, pool
    const blocks = { baseline: [], candidate: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        const before = parseMetrics((await request(s.base, 'GET', '/metrics')).text);
        const load = await openLoop(s.base, queries, RATE, SECONDS, round * 37);
        const after = parseMetrics((await request(s.base, 'GET', '/metrics')).text);
        blocks[s.name].push({ before, after, load });
        console.log(
          `round ${round + 1} ${s.name}: ${load.sent} requests, ${load.errors} errors, ${load.achievedRate.toFixed(1)} req/s`,
        );
      }
    }
    const b = summarize(blocks.baseline);
    const c = summarize(blocks.candidate);
    const rows = Object.keys(b).map((k) => {
      const change = Number.isFinite(b[k]) && b[k] !== 0 ? `${(((c[k] - b[k]) / b[k]) * 100).toFixed(1)} %` : '';
      return `${k.padEnd(24)} ${b[k].toFixed(3).padStart(10)} ${c[k].toFixed(3).padStart(10)} ${change.padStart(9)}`;
    });
    console.log(
      `\nrate ${RATE} req/s, ${ROUNDS} rounds x ${SECONDS} s per variant\n${'metric'.padEnd(24)} ${'baseline'.padStart(10)} ${'candidate'.padStart(10)} ${'change'.padStart(9)}`,
    );
    console.log(rows.join('\n'));
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    agent.destroy();
  }
}

main().catch((error) => {
  console.error(`measure-variants: ${error.message}`);
  process.exit(1);
});
