/**
 * The reference backend against a real PostgreSQL cluster: migrations, search pipeline, metrics,
 * early exit, knobs, shutdown, and the workload file's early-exit rate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import {
  applyMigrations,
  exampleDir,
  type RunningServer,
  runServerToExit,
  scrape,
  search,
  startServer,
  withClient,
} from '../helpers/rag-server.js';
import { requireService } from '../helpers/services.js';

const postgresAvailable = requireService('postgres', probePostgres());

// Knob validation happens before the service touches the database, so it needs no cluster.
describe('backend-rag knobs', () => {
  const url = 'postgres://rag:s3cret-pw@127.0.0.1:1/rag';
  it.each([
    ['DB_POOL_SIZE', 'abc', 'DB_POOL_SIZE: got "abc"; expected an integer from 1 to 1000'],
    ['DB_POOL_SIZE', '0', 'DB_POOL_SIZE: got "0"; expected an integer from 1 to 1000'],
    ['EARLY_EXIT_SCORE', '1.5', 'EARLY_EXIT_SCORE: got "1.5"; expected a score from 0 to 1 (e.g. 0.9), or "off"'],
    ['SLOWDOWN', '-0.1', 'SLOWDOWN: got "-0.1"; expected a fraction from 0 to 10'],
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
    expect(result.output).toContain(message);
    expect(result.output).not.toContain('s3cret-pw');
  });

  it('a missing DATABASE_URL exits 2 with a clear message', async () => {
    const result = await runServerToExit({});
    expect(result.code).toBe(2);
    expect(result.output).toContain('DATABASE_URL: got nothing; expected a connection URL such as postgres://');
  });

  it('a DATABASE_URL that is not a postgres URL exits 2 without printing its password', async () => {
    const wrongScheme = await runServerToExit({ DATABASE_URL: 'mysql://rag:s3cret-pw@db/rag' });
    expect(wrongScheme.code).toBe(2);
    expect(wrongScheme.output).toContain('DATABASE_URL: got a "mysql" URL');
    const notUrl = await runServerToExit({ DATABASE_URL: 'host=db password=s3cret-pw' });
    expect(notUrl.code).toBe(2);
    expect(notUrl.output).toContain('DATABASE_URL: got a value that is not a URL');
    for (const output of [wrongScheme.output, notUrl.output]) expect(output).not.toContain('s3cret-pw');
  });
});

describe.skipIf(!postgresAvailable)('backend-rag against PostgreSQL', () => {
  let cluster: TestCluster;
  let preUrl: string; // 001 + 002 only: the baseline schema
  let postUrl: string; // 001 + 002 + 022: the candidate schema
  const servers: RunningServer[] = [];
  let golden: { question: string; documentId: number };
  let title: { text: string; id: number };
  const vagueQuery = 'wemimi ziguba';

  beforeAll(async () => {
    cluster = await startTestCluster();
    await withClient(cluster.url, async (client) => {
      await client.query('CREATE DATABASE rag_post');
    });
    postUrl = cluster.urlFor('rag_post');
    await applyMigrations(postUrl, ['001_schema.sql', '002_seed_data.sql']);
    // The baseline is a template copy taken before 022, as perf-gate does it.
    await withClient(cluster.url, async (client) => {
      await client.query('CREATE DATABASE rag_pre TEMPLATE rag_post');
    });
    preUrl = cluster.urlFor('rag_pre');
    await withClient(cluster.url, async (client) => {
      await client.query('CREATE DATABASE rag_pre_copy TEMPLATE rag_post');
    });
    await applyMigrations(postUrl, ['022_search_indexes.sql']);
    await withClient(postUrl, async (client) => {
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

  async function start(env: Record<string, string>): Promise<RunningServer> {
    const server = await startServer(env);
    servers.push(server);
    return server;
  }

  it('seeds the documented data set deterministically', async () => {
    await withClient(postUrl, async (client) => {
      const { rows } = await client.query(
        `SELECT (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM golden_answers)::int AS golden,
                (SELECT title FROM documents WHERE id = 1) AS first_title,
                (SELECT md5(string_agg(title || ' ' || body, ' ' ORDER BY id)) FROM documents) AS documents_md5,
                (SELECT md5(string_agg(query_hash, ' ' ORDER BY id)) FROM golden_answers) AS golden_md5`,
      );
      // Recorded from a PostgreSQL 15 run; the seed uses integer arithmetic only, so any
      // server must produce the same rows (the workload file depends on them).
      expect(rows[0]).toEqual({
        documents: 12000,
        golden: 5000,
        first_title: 'degupe lotagu devopo podepo lunyfe',
        documents_md5: '632757619770c42ca0b804079fc7e8cd',
        golden_md5: '26f18dd715f45a211dd6ed256d142bfc',
      });
    });
  });

  it('answers /health with 200 when the database answers and 503 when it does not', async () => {
    const up = await start({ DATABASE_URL: postUrl });
    const ok = await fetch(`${up.baseUrl}/health`);
    expect(ok.status).toBe(200);
    // Port 1 on loopback: nothing listens there, so every connection is refused.
    const down = await start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/rag' });
    const unavailable = await fetch(`${down.baseUrl}/health`);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ status: 'unavailable' });
  });

  it('finds the golden answer for a question written with other case and punctuation', async () => {
    const server = await start({ DATABASE_URL: postUrl });
    const shouted = `  ${golden.question.toUpperCase().replace(/ /g, ', ')}?!`;
    const response = await search(server.baseUrl, shouted);
    expect(response.query).toBe(golden.question);
    expect(response.golden).toEqual({
      answer: expect.stringContaining(`document ${golden.documentId}`),
      documentId: golden.documentId,
    });
    expect(response.steps).toEqual({ golden_lookup: true, retrieval: true, rerank: true });
    expect(response.results.map((r) => r.id)).toContain(golden.documentId);
  });

  it('ranks the document whose title is the query first, with score 1, on both schemas', async () => {
    for (const url of [preUrl, postUrl]) {
      const server = await start({ DATABASE_URL: url });
      const response = await search(server.baseUrl, title.text);
      expect(response.golden).toBeNull();
      expect(response.results.length).toBe(20);
      expect(response.results.find((r) => r.id === title.id)?.score).toBe(1);
      expect(response.topScore).toBe(1);
      // Scores are normalized to 0..1 and, after the rerank, ordered by the rerank score.
      for (const r of response.results) {
        expect(r.score).toBeGreaterThanOrEqual(0);
        expect(r.score).toBeLessThanOrEqual(1);
      }
      const rerankScores = response.results.map((r) => r.rerankScore ?? NaN);
      expect(rerankScores).toEqual([...rerankScores].sort((a, b) => b - a));
    }
  });

  it('rejects a request without a query with 400', async () => {
    const server = await start({ DATABASE_URL: postUrl });
    const res = await fetch(`${server.baseUrl}/api/search`, { method: 'POST', body: '{"q":"x"}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'query: expected a non-empty string' });
    const broken = await fetch(`${server.baseUrl}/api/search`, { method: 'POST', body: '{not json' });
    expect(broken.status).toBe(400);
  });

  it('exposes the metric families with their labels, and the counters move with searches', async () => {
    const server = await start({ DATABASE_URL: postUrl, EARLY_EXIT_SCORE: '0.9' });
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
    // Every label value is exported from the first scrape on, at zero.
    for (const step of ['golden_lookup', 'retrieval', 'rerank', 'total']) {
      expect(before.value(`rag_pipeline_duration_seconds_count{step="${step}"}`)).toBe(0);
    }
    for (const query of ['golden_lookup', 'retrieval']) {
      expect(before.value(`rag_db_query_duration_seconds_count{query="${query}"}`)).toBe(0);
    }
    expect(before.value('rag_db_pool_wait_seconds_bucket{le="0.001"}')).toBe(0);
    expect(before.value('rag_pipeline_duration_seconds_bucket{le="0.0005",step="total"}')).toBe(0);
    expect(before.value('rag_searches_total')).toBe(0);

    await search(server.baseUrl, vagueQuery); // reranked
    await search(server.baseUrl, title.text); // early exit
    await search(server.baseUrl, golden.question); // early exit
    const after = await scrape(server.baseUrl);
    expect(after.value('rag_searches_total')).toBe(3);
    expect(after.value('rag_rerank_total')).toBe(1);
    expect(after.value('rag_early_exit_total')).toBe(2);
    expect(after.value('rag_pipeline_duration_seconds_count{step="total"}')).toBe(3);
    expect(after.value('rag_pipeline_duration_seconds_count{step="rerank"}')).toBe(1);
    expect(after.value('rag_db_query_duration_seconds_count{query="golden_lookup"}')).toBe(3);
    expect(after.value('rag_db_query_duration_seconds_count{query="retrieval"}')).toBe(3);
    expect(after.value('rag_db_pool_wait_seconds_count')).toBe(3);
    expect(after.value('rag_pipeline_duration_seconds_sum{step="total"}')).toBeGreaterThan(0);
  });

  it('skips the rerank only when EARLY_EXIT_SCORE is set and the top score is above it', async () => {
    const off = await start({ DATABASE_URL: postUrl });
    for (const query of [title.text, golden.question, vagueQuery]) {
      const response = await search(off.baseUrl, query);
      expect(response.earlyExit).toBe(false);
      expect(response.steps.rerank).toBe(true);
    }
    expect((await scrape(off.baseUrl)).value('rag_early_exit_total')).toBe(0);

    const explicitOff = await start({ DATABASE_URL: postUrl, EARLY_EXIT_SCORE: 'off' });
    expect((await search(explicitOff.baseUrl, title.text)).earlyExit).toBe(false);

    const on = await start({ DATABASE_URL: postUrl, EARLY_EXIT_SCORE: '0.9' });
    const exact = await search(on.baseUrl, title.text);
    expect(exact).toMatchObject({ earlyExit: true, steps: { golden_lookup: true, retrieval: true, rerank: false } });
    expect(exact.results[0].id).toBe(title.id);
    expect((await search(on.baseUrl, golden.question)).earlyExit).toBe(true);
    const vague = await search(on.baseUrl, vagueQuery);
    expect(vague.topScore).toBeLessThan(0.9);
    expect(vague).toMatchObject({ earlyExit: false, steps: { rerank: true } });
  });

  it('queries.jsonl gives an early-exit rate between 35 % and 50 % with EARLY_EXIT_SCORE=0.9', async () => {
    const lines = readFileSync(join(exampleDir, 'queries.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(150);
    const server = await start({ DATABASE_URL: postUrl, EARLY_EXIT_SCORE: '0.9', RERANK_WORK: '1' });
    for (const line of lines) {
      const request = JSON.parse(line) as { method: string; path: string; body: { query: string } };
      expect(request).toMatchObject({ method: 'POST', path: '/api/search' });
      await search(server.baseUrl, request.body.query);
    }
    const metrics = await scrape(server.baseUrl);
    const rate = (metrics.value('rag_early_exit_total') ?? 0) / (metrics.value('rag_searches_total') ?? 1);
    expect(metrics.value('rag_searches_total')).toBe(lines.length);
    expect(rate).toBeGreaterThanOrEqual(0.35);
    expect(rate).toBeLessThanOrEqual(0.5);
  });

  it('SLOWDOWN makes every request, early exit or not, spend that fraction more in CPU work', async () => {
    const server = await start({ DATABASE_URL: postUrl, EARLY_EXIT_SCORE: '0.9', SLOWDOWN: '0.5' });
    await search(server.baseUrl, vagueQuery); // reranked
    await search(server.baseUrl, title.text); // early exit
    const m = await scrape(server.baseUrl);
    const steps = ['golden_lookup', 'retrieval', 'rerank']
      .map((step) => m.value(`rag_pipeline_duration_seconds_sum{step="${step}"}`) ?? 0)
      .reduce((a, b) => a + b, 0);
    // By construction the extra work lasts at least half of the time the request had taken, which
    // includes its steps; without SLOWDOWN the total exceeds the steps only by bookkeeping.
    expect(m.value('rag_pipeline_duration_seconds_sum{step="total"}')).toBeGreaterThanOrEqual(1.5 * steps);
    expect(m.value('rag_early_exit_total')).toBe(1);
  });

  it('EXTRA_WORK_MS adds a fixed count of mixing rounds to every request, early exit or not', async () => {
    const server = await start({ DATABASE_URL: postUrl, EARLY_EXIT_SCORE: '0.9', EXTRA_WORK_MS: '20' });
    const logged = /extra work 20 ms = (\d+) mixing rounds per request/.exec(server.output());
    expect(logged, server.output()).not.toBeNull();
    expect(Number(logged?.[1])).toBeGreaterThan(0);
    await search(server.baseUrl, vagueQuery); // reranked
    await search(server.baseUrl, title.text); // early exit
    const m = await scrape(server.baseUrl);
    const steps = ['golden_lookup', 'retrieval', 'rerank']
      .map((step) => m.value(`rag_pipeline_duration_seconds_sum{step="${step}"}`) ?? 0)
      .reduce((a, b) => a + b, 0);
    // Two requests, 20 ms of CPU each, measured into rounds at start; wall time is at least the CPU
    // time, so the total exceeds the steps by about 40 ms (half of it allows for the start's sample).
    const extra = (m.value('rag_pipeline_duration_seconds_sum{step="total"}') ?? 0) - steps;
    expect(extra).toBeGreaterThan(0.02);
    expect(m.value('rag_early_exit_total')).toBe(1);
  });

  it('migration 022 makes retrieval and golden lookup use indexes, and applying it again changes nothing', async () => {
    const plan = async (url: string) =>
      withClient(url, async (client) => {
        const retrieval = await client.query(
          `EXPLAIN SELECT id FROM documents WHERE search_vector @@ to_tsquery('simple', 'wemimi | ziguba')`,
        );
        const lookup = await client.query(`EXPLAIN SELECT answer FROM golden_answers WHERE query_hash = md5('x')`);
        return [...retrieval.rows, ...lookup.rows].map((r) => r['QUERY PLAN'] as string).join('\n');
      });
    const indexes = async (url: string) =>
      withClient(url, async (client) => {
        const { rows } = await client.query(
          `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
        );
        return rows;
      });
    expect(await plan(preUrl)).not.toMatch(/Index/);
    expect(await plan(postUrl)).toMatch(/documents_search_vector_idx/);
    expect(await plan(postUrl)).toMatch(/golden_answers_query_hash_key/);

    const once = await indexes(postUrl);
    await applyMigrations(postUrl, ['022_search_indexes.sql']);
    expect(await indexes(postUrl)).toEqual(once);
    // And 022 on a fresh copy of the baseline gives exactly the candidate's indexes.
    await applyMigrations(cluster.urlFor('rag_pre_copy'), ['022_search_indexes.sql', '022_search_indexes.sql']);
    expect(await indexes(cluster.urlFor('rag_pre_copy'))).toEqual(once);
  });

  it('stops on SIGTERM with exit code 0 after closing the pool', async () => {
    const server = await start({ DATABASE_URL: postUrl });
    await search(server.baseUrl, vagueQuery);
    const code = await server.stop();
    expect(code).toBe(0);
    expect(server.output()).toContain('SIGTERM: closing the server and the database pool');
    expect(server.output()).not.toContain('error');
  });

  it('logs the database URL without its password', async () => {
    await withClient(cluster.url, (client) => client.query(`CREATE ROLE rag_reader LOGIN PASSWORD 'pw-never-logged'`));
    const url = new URL(postUrl);
    url.username = 'rag_reader';
    url.password = 'pw-never-logged';
    const server = await start({ DATABASE_URL: url.toString() });
    await fetch(`${server.baseUrl}/health`);
    await server.stop();
    expect(server.output()).toContain('rag_reader:***@127.0.0.1');
    expect(server.output()).not.toContain('pw-never-logged');
  });
});
