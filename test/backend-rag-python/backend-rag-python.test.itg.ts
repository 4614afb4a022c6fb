/**
 * The Python reference backend (examples/backend-rag-python: FastAPI, asyncpg, prometheus_client,
 * uvicorn) against a real PostgreSQL cluster: knobs, search answers, /metrics families, early exit,
 * SLOWDOWN, shutdown, and a short real `perf-gate run` gating it end to end through the bundled CLI.
 * It shares the Node backend's migrations and workload file, so the Node helpers apply them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeQuery, questionHash } from '../../examples/backend-rag/lib/query-text.mjs';
import { freePort, probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { DEBIAN_PYTHON, probePython } from '../helpers/python.js';
import { applyMigrations, exampleDir as nodeExampleDir, scrape, search, withClient } from '../helpers/rag-server.js';
import { requireService } from '../helpers/services.js';

const root = resolve(import.meta.dirname, '../..');
const exampleDir = join(root, 'examples/backend-rag-python');
const serverPath = join(exampleDir, 'server.py');
const python = DEBIAN_PYTHON;
const bundle = join(root, 'dist/index.js');
const pythonAvailable = requireService('Python with FastAPI, uvicorn, asyncpg and prometheus_client', probePython());
const postgresAvailable = pythonAvailable && requireService('postgres', probePostgres());

interface PythonServer {
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

function spawnServer(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(python, [serverPath], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function runServerToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnServer(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited(child);
  clearTimeout(timer);
  return { code, output: output() };
}

/** Starts the server on a free loopback port and waits until /health answers (200 or 503). */
async function startServer(env: Record<string, string>): Promise<PythonServer> {
  const port = await freePort();
  const { child, output } = spawnServer({ HOST: '127.0.0.1', PORT: String(port), ...env });
  const baseUrl = `http://127.0.0.1:${port}`;
  const server: PythonServer = {
    baseUrl,
    child,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited(child);
    },
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output()}`);
    try {
      await fetch(`${baseUrl}/health`);
      return server;
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`server did not answer within 20 s: ${output()}`);
}

// Knob validation happens before the service touches the database, so it needs no cluster.
describe.skipIf(!pythonAvailable)('backend-rag-python knobs', () => {
  const url = 'postgres://rag:s3cret-pw@127.0.0.1:1/rag';
  it.each([
    ['DB_POOL_SIZE', 'abc', 'DB_POOL_SIZE: got "abc"; expected an integer from 1 to 1000'],
    ['DB_POOL_SIZE', '0', 'DB_POOL_SIZE: got "0"; expected an integer from 1 to 1000'],
    ['EARLY_EXIT_SCORE', '1.5', 'EARLY_EXIT_SCORE: got "1.5"; expected a score from 0 to 1 (e.g. 0.9), or "off"'],
    ['EARLY_EXIT_SCORE', 'nan', 'EARLY_EXIT_SCORE: got "nan"; expected a score from 0 to 1 (e.g. 0.9), or "off"'],
    ['SLOWDOWN', '-0.1', 'SLOWDOWN: got "-0.1"; expected a fraction from 0 to 10'],
    // Python's float() would read this as 10; the Node backend refuses it, and so must this one.
    ['SLOWDOWN', '1_0', 'SLOWDOWN: got "1_0"; expected a fraction from 0 to 10'],
    [
      'EXTRA_WORK_MS',
      '-1',
      'EXTRA_WORK_MS: got "-1"; expected CPU milliseconds of extra work per request, from 0 to 1000',
    ],
    ['RERANK_WORK', '2.5', 'RERANK_WORK: got "2.5"; expected an integer from 0 to 100000'],
    ['PORT', '70000', 'PORT: got "70000"; expected an integer from 0 to 65535'],
  ])('%s=%s exits 2 naming the variable, the value and what is allowed', async (name, value, message) => {
    const result = await runServerToExit({ DATABASE_URL: url, [name]: value });
    expect(result.code).toBe(2);
    expect(result.output).toContain(`backend-rag-python: error: ${message}`);
    expect(result.output).not.toContain('s3cret-pw');
    expect(result.output).not.toContain('Traceback');
  });

  it('a missing or non-postgres DATABASE_URL exits 2 without printing its password', async () => {
    const missing = await runServerToExit({});
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('DATABASE_URL: got nothing; expected a connection URL such as postgres://');
    const wrongScheme = await runServerToExit({ DATABASE_URL: 'mysql://rag:s3cret-pw@db/rag' });
    expect(wrongScheme.code).toBe(2);
    expect(wrongScheme.output).toContain('DATABASE_URL: got a "mysql" URL');
    const notUrl = await runServerToExit({ DATABASE_URL: 'host=db password=s3cret-pw' });
    expect(notUrl.code).toBe(2);
    expect(notUrl.output).toContain('DATABASE_URL: got a value that is not a URL');
    for (const output of [wrongScheme.output, notUrl.output]) expect(output).not.toContain('s3cret-pw');
  });

  it('a port that is taken exits 3 with the address in the message', async () => {
    const holder = await startServer({ DATABASE_URL: url });
    try {
      const port = new URL(holder.baseUrl).port;
      const result = await runServerToExit({ DATABASE_URL: url, HOST: '127.0.0.1', PORT: port });
      expect(result.code).toBe(3);
      expect(result.output).toContain(`backend-rag-python: error: cannot listen on 127.0.0.1:${port}`);
    } finally {
      await holder.stop();
    }
  });

  it('normalizes and hashes questions exactly as the Node backend does (the golden answers depend on it)', () => {
    const questions = ['What is Mohany, kanyji?', '  ÉTÉ été_snake--case  ', 'a\tb\nc 42', '¿Qué tal? 1/2', 'x'];
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(exampleDir)})`,
      'from rag_backend.query_text import normalize_query, question_hash',
      'out = [[normalize_query(q), question_hash(normalize_query(q))] for q in json.loads(sys.argv[1])]',
      'print(json.dumps(out))',
    ].join('\n');
    const result = spawnSync(python, ['-c', script, JSON.stringify(questions)], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const expected = questions.map((q) => [normalizeQuery(q), questionHash(normalizeQuery(q))]);
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });
});

describe.skipIf(!postgresAvailable)('backend-rag-python against PostgreSQL', () => {
  let cluster: TestCluster;
  let ragUrl: string;
  const servers: PythonServer[] = [];
  let golden: { question: string; documentId: number };
  let title: { text: string; id: number };
  const vagueQuery = 'wemimi ziguba';

  beforeAll(async () => {
    cluster = await startTestCluster();
    await withClient(cluster.url, (client) => client.query('CREATE DATABASE rag'));
    ragUrl = cluster.urlFor('rag');
    await applyMigrations(ragUrl, ['001_schema.sql', '002_seed_data.sql', '022_search_indexes.sql']);
    await withClient(ragUrl, async (client) => {
      const g = await client.query('SELECT query_text, document_id FROM golden_answers WHERE id = 2');
      golden = { question: g.rows[0].query_text, documentId: Number(g.rows[0].document_id) };
      const t = await client.query('SELECT id, title FROM documents WHERE id = 4242');
      title = { text: t.rows[0].title, id: Number(t.rows[0].id) };
    });
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await cluster?.stop();
  });

  async function start(env: Record<string, string>): Promise<PythonServer> {
    const server = await startServer(env);
    servers.push(server);
    return server;
  }

  it('answers /health with 200 when the database answers and 503 when it does not', async () => {
    const up = await start({ DATABASE_URL: ragUrl });
    expect((await fetch(`${up.baseUrl}/health`)).status).toBe(200);
    const down = await start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/rag' });
    const unavailable = await fetch(`${down.baseUrl}/health`);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ status: 'unavailable' });
  });

  it('finds the golden answer for a question written with other case and punctuation', async () => {
    const server = await start({ DATABASE_URL: ragUrl });
    const response = await search(server.baseUrl, `  ${golden.question.toUpperCase().replace(/ /g, ', ')}?!`);
    expect(response.query).toBe(golden.question);
    expect(response.golden).toEqual({
      answer: expect.stringContaining(`document ${golden.documentId}`),
      documentId: golden.documentId,
    });
    expect(response.steps).toEqual({ golden_lookup: true, retrieval: true, rerank: true });
    expect(response.results.map((r) => r.id)).toContain(golden.documentId);
  });

  it('ranks the document whose title is the query first with score 1, results ordered by rerank score', async () => {
    const server = await start({ DATABASE_URL: ragUrl });
    const response = await search(server.baseUrl, title.text);
    expect(response.golden).toBeNull();
    expect(response.results).toHaveLength(20);
    expect(response.results.find((r) => r.id === title.id)?.score).toBe(1);
    expect(response.topScore).toBe(1);
    for (const r of response.results) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
    const rerankScores = response.results.map((r) => r.rerankScore ?? NaN);
    expect(rerankScores).toEqual([...rerankScores].sort((a, b) => b - a));
  });

  it('rejects a request without a query, or with a body that is not JSON, with 400 and the reason', async () => {
    const server = await start({ DATABASE_URL: ragUrl });
    const missing = await fetch(`${server.baseUrl}/api/search`, { method: 'POST', body: '{"q":"x"}' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'query: expected a non-empty string' });
    const broken = await fetch(`${server.baseUrl}/api/search`, { method: 'POST', body: '{not json' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: 'body: not valid JSON' });
  });

  it('exposes the families the gate reads, every series from the first scrape, and the counters move with searches', async () => {
    const server = await start({ DATABASE_URL: ragUrl, EARLY_EXIT_SCORE: '0.9' });
    const before = await scrape(server.baseUrl);
    for (const [family, type] of [
      ['rag_pipeline_duration_seconds', 'histogram'],
      ['rag_db_query_duration_seconds', 'histogram'],
      ['rag_db_pool_wait_seconds', 'histogram'],
      ['rag_searches_total', 'counter'],
      ['rag_rerank_total', 'counter'],
      ['rag_early_exit_total', 'counter'],
      ['process_start_time_seconds', 'gauge'],
    ]) {
      expect(before.text).toContain(`# TYPE ${family} ${type}`);
    }
    // No `_created` samples: the exposition has the same series as the Node backend's.
    expect(before.text).not.toMatch(/_created/);
    for (const step of ['golden_lookup', 'embedding', 'retrieval', 'rerank', 'total']) {
      expect(before.value(`rag_pipeline_duration_seconds_count{step="${step}"}`)).toBe(0);
    }
    for (const query of ['golden_lookup', 'retrieval'])
      expect(before.value(`rag_db_query_duration_seconds_count{query="${query}"}`)).toBe(0);
    expect(before.value('rag_db_pool_wait_seconds_bucket{le="0.01"}')).toBe(0);
    expect(before.value('rag_pipeline_duration_seconds_bucket{le="0.0005",step="total"}')).toBe(0);
    expect(before.value('rag_searches_total')).toBe(0);

    await search(server.baseUrl, vagueQuery); // reranked
    await search(server.baseUrl, title.text); // early exit: top score 1
    await search(server.baseUrl, golden.question); // early exit: golden answer
    const after = await scrape(server.baseUrl);
    expect(after.value('rag_searches_total')).toBe(3);
    expect(after.value('rag_rerank_total')).toBe(1);
    expect(after.value('rag_early_exit_total')).toBe(2);
    expect(after.value('rag_pipeline_duration_seconds_count{step="total"}')).toBe(3);
    expect(after.value('rag_pipeline_duration_seconds_count{step="embedding"}')).toBe(3);
    expect(after.value('rag_pipeline_duration_seconds_count{step="rerank"}')).toBe(1);
    expect(after.value('rag_db_query_duration_seconds_count{query="golden_lookup"}')).toBe(3);
    expect(after.value('rag_db_query_duration_seconds_count{query="retrieval"}')).toBe(3);
    expect(after.value('rag_db_pool_wait_seconds_count')).toBe(3);
    expect(after.value('rag_pipeline_duration_seconds_sum{step="total"}')).toBeGreaterThan(0);
  });

  it('skips the rerank only when EARLY_EXIT_SCORE is set and the top score is above it', async () => {
    const off = await start({ DATABASE_URL: ragUrl });
    for (const query of [title.text, golden.question, vagueQuery]) {
      expect(await search(off.baseUrl, query)).toMatchObject({ earlyExit: false, steps: { rerank: true } });
    }
    expect((await scrape(off.baseUrl)).value('rag_early_exit_total')).toBe(0);

    const on = await start({ DATABASE_URL: ragUrl, EARLY_EXIT_SCORE: '0.9' });
    const exact = await search(on.baseUrl, title.text);
    expect(exact).toMatchObject({ earlyExit: true, steps: { golden_lookup: true, retrieval: true, rerank: false } });
    expect(exact.results[0].id).toBe(title.id);
    const vague = await search(on.baseUrl, vagueQuery);
    expect(vague.topScore).toBeLessThan(0.9);
    expect(vague).toMatchObject({ earlyExit: false, steps: { rerank: true } });
  });

  it('the shared workload file gives the same 40 % early-exit rate as on the Node backend', async () => {
    const lines = readFileSync(join(nodeExampleDir, 'queries.jsonl'), 'utf8').trim().split('\n');
    const server = await start({ DATABASE_URL: ragUrl, EARLY_EXIT_SCORE: '0.9', RERANK_WORK: '0' });
    for (const line of lines) {
      const request = JSON.parse(line) as { method: string; path: string; body: { query: string } };
      await search(server.baseUrl, request.body.query);
    }
    const metrics = await scrape(server.baseUrl);
    expect(metrics.value('rag_searches_total')).toBe(lines.length);
    // 50 golden questions + 30 exact titles of 200 lines (examples/backend-rag/README.md, "Workload").
    expect(metrics.value('rag_early_exit_total')).toBe(80);
    expect(metrics.value('rag_rerank_total')).toBe(120);
  });

  it('SLOWDOWN makes every request, early exit or not, spend that fraction more in CPU work', async () => {
    const server = await start({ DATABASE_URL: ragUrl, EARLY_EXIT_SCORE: '0.9', SLOWDOWN: '0.5' });
    await search(server.baseUrl, vagueQuery);
    await search(server.baseUrl, title.text);
    const m = await scrape(server.baseUrl);
    const steps = ['golden_lookup', 'embedding', 'retrieval', 'rerank']
      .map((step) => m.value(`rag_pipeline_duration_seconds_sum{step="${step}"}`) ?? 0)
      .reduce((a, b) => a + b, 0);
    // The extra work lasts at least half the time the request had taken, which includes its steps.
    expect(m.value('rag_pipeline_duration_seconds_sum{step="total"}')).toBeGreaterThanOrEqual(1.5 * steps);
    expect(m.value('rag_early_exit_total')).toBe(1);
  });

  it('EXTRA_WORK_MS adds a fixed count of mixer chunks to every request, early exit or not', async () => {
    const server = await start({ DATABASE_URL: ragUrl, EARLY_EXIT_SCORE: '0.9', EXTRA_WORK_MS: '20' });
    const logged = /extra work 20\.0 ms = (\d+) mixer chunks per request/.exec(server.output());
    expect(logged, server.output()).not.toBeNull();
    expect(Number(logged?.[1])).toBeGreaterThan(0);
    await search(server.baseUrl, vagueQuery);
    await search(server.baseUrl, title.text);
    const m = await scrape(server.baseUrl);
    const steps = ['golden_lookup', 'embedding', 'retrieval', 'rerank']
      .map((step) => m.value(`rag_pipeline_duration_seconds_sum{step="${step}"}`) ?? 0)
      .reduce((a, b) => a + b, 0);
    // Two requests, 20 ms of CPU each: the total exceeds the steps by about 40 ms.
    const extra = (m.value('rag_pipeline_duration_seconds_sum{step="total"}') ?? 0) - steps;
    expect(extra).toBeGreaterThan(0.02);
    expect(m.value('rag_early_exit_total')).toBe(1);
  });

  it('stops on SIGTERM with exit code 0, and logs the database URL without its password', async () => {
    await withClient(cluster.url, (client) => client.query(`CREATE ROLE rag_reader LOGIN PASSWORD 'pw-never-logged'`));
    await withClient(ragUrl, (client) => client.query('GRANT SELECT ON documents, golden_answers TO rag_reader'));
    const url = new URL(ragUrl);
    url.username = 'rag_reader';
    url.password = 'pw-never-logged';
    const server = await start({ DATABASE_URL: url.toString() });
    await search(server.baseUrl, vagueQuery);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('rag_reader:***@127.0.0.1');
    expect(server.output()).toContain('closing the server and the database pool');
    expect(server.output()).not.toContain('pw-never-logged');
    expect(server.output()).not.toContain('error');
  });
});

describe.skipIf(!postgresAvailable)('perf-gate run on the Python backend', () => {
  const work = mkdtempSync(join(tmpdir(), 'perf-gate-py-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('gates Phase 1 end to end: the example config with short rounds gives a verdict and the matching exit code', async () => {
    if (!existsSync(bundle)) throw new Error('dist/index.js is missing: run npm run build');
    // The example config with only the load shortened (and paths made absolute, since it is written elsewhere).
    const example = readFileSync(join(exampleDir, 'perf-gate.yml'), 'utf8');
    const config = example
      .replace('dir: ../backend-rag/migrations', `dir: ${join(root, 'examples/backend-rag/migrations')}`)
      .replace('file: ../backend-rag/queries.jsonl', `file: ${join(root, 'examples/backend-rag/queries.jsonl')}`)
      .replace('command: [/usr/bin/python3, server.py]', `command: [${python}, ${serverPath}]`)
      .replace(/roundDuration: .*/, 'roundDuration: 1500ms')
      .replace(/warmup: .*/, 'warmup: 1s')
      .replace(/pairs: 8\n/, 'pairs: 4\n')
      .replace(/maxPairs: .*/, 'maxPairs: 6')
      .replace(/minPairs: .*/, 'minPairs: 4');
    expect(config).not.toContain('../backend-rag');
    // perf-gate runs in a folder below the config's, so the config lies outside its workspace and
    // may name the repository's files (a config inside the workspace is confined to it).
    const configPath = join(work, 'perf-gate.yml');
    writeFileSync(configPath, config);
    const runDir = join(work, 'run');
    mkdirSync(runDir);
    const reportDir = join(runDir, 'report');

    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [bundle, 'run', '--config', configPath, '--report-dir', reportDir], {
        cwd: runDir,
        env: { ...process.env, GITHUB_ACTIONS: '', NO_COLOR: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('close', (exitCode) => done({ code: exitCode, stderr: text }));
    });

    expect(existsSync(join(reportDir, 'results.json')), stderr.slice(-3000)).toBe(true);
    const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as {
      verdict: string;
      targets: { expression: string; status: string; estimate: number | null }[];
      rounds: {
        variant: string;
        valid: boolean;
        client: { requests: number; ok: number };
        values: Record<string, number | null>;
      }[];
    };
    const expectedCode: Record<string, number> = { pass: 0, inconclusive: 0, fail: 1 };
    expect(Object.keys(expectedCode), stderr.slice(-3000)).toContain(results.verdict);
    expect(code, stderr.slice(-3000)).toBe(expectedCode[results.verdict]);
    // Both variants' servers were measured: every request answered, the server metrics read from
    // their /metrics in every round, and the Phase 1 effects visible whatever the verdict.
    expect(results.rounds.length).toBeGreaterThanOrEqual(8);
    for (const round of results.rounds) {
      expect(round.client.ok).toBe(round.client.requests);
      expect(round.values.pipeline_time).toBeGreaterThan(0);
      if (round.variant === 'baseline') expect(round.values.early_exit_rate).toBe(0);
      else expect(round.values.early_exit_rate).toBeGreaterThan(0.25);
    }
    const target = (expression: string) => results.targets.find((t) => t.expression === expression)!;
    expect(target('pipeline_time improves >= 20%').estimate).toBeLessThan(0);
    expect(target('early_exit_rate >= 30%').estimate).toBeGreaterThan(0.3);
    expect(target('early_exit_rate >= 30%').estimate).toBeLessThan(0.5);
    // Everything the run started is gone: the two Python servers and the throwaway database server.
    const state = JSON.parse(readFileSync(join(reportDir, 'backend-state.json'), 'utf8')) as {
      entries: { pid?: number }[];
    };
    expect(state.entries.filter((e) => e.pid).length).toBe(2);
    for (const entry of state.entries) if (entry.pid) expect(() => process.kill(entry.pid!, 0)).toThrow();
    expect(readFileSync(join(reportDir, 'backend-candidate.log'), 'utf8')).toContain(
      'backend-rag-python: listening on',
    );
  }, 300_000);
});
