// The search pipeline: golden-answer lookup, full-text retrieval, rerank (unless early exit).
// The pool, the metrics and the clock are passed in, so the steps can be driven by a test.
import { MAX_QUERY_LENGTH, normalizeQuery, orTsQuery, queryTerms, questionHash } from './query-text.mjs';
import { burnSteps, burnWork, rerank, stepsPerCpuMs } from './rerank.mjs';

export const TOP_K = 20;

/** A request the client got wrong (HTTP 400). */
export class BadRequestError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BadRequestError';
  }
}

// Prepared (named) statements: parsed once per connection, as a production service would.
const GOLDEN_LOOKUP = {
  name: 'rag_golden_lookup',
  text: 'SELECT answer, document_id FROM golden_answers WHERE query_hash = $1 LIMIT 1',
};

// Score normalization: ts_rank of a document divided by ts_rank of an ideal document whose title
// is exactly the query terms, capped at 1. A document whose title holds every term scores 1;
// one that mentions a single term in its body scores far lower. Raw ts_rank has no fixed upper
// bound, so a threshold such as EARLY_EXIT_SCORE=0.9 needs a scale like this one.
const RETRIEVAL = {
  name: 'rag_retrieval',
  text: `WITH q AS (
           SELECT to_tsquery('simple', $1) AS query,
                  ts_rank(setweight(to_tsvector('simple', $2), 'A'), to_tsquery('simple', $1)) AS ideal
         )
         SELECT d.id, d.title, d.body,
                LEAST(1, ts_rank(d.search_vector, q.query) / NULLIF(q.ideal, 0))::float8 AS score
         FROM documents d, q
         WHERE d.search_vector @@ q.query
         ORDER BY score DESC, d.id
         LIMIT $3`,
};

/** Checks the parsed JSON body and returns the query text. */
export function readSearchRequest(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('body: expected a JSON object such as {"query": "..."}');
  }
  if (typeof body.query !== 'string' || body.query.trim() === '') {
    throw new BadRequestError('query: expected a non-empty string');
  }
  if (body.query.length > MAX_QUERY_LENGTH) {
    throw new BadRequestError(`query: ${body.query.length} characters; expected at most ${MAX_QUERY_LENGTH}`);
  }
  return body.query;
}

/**
 * @param {{ pool: import('pg').Pool, metrics: ReturnType<import('./metrics.mjs').createMetrics>,
 *           config: { earlyExitScore: number | null, rerankWork: number, slowdown: number, extraWorkMs?: number },
 *           now?: () => bigint, extraWorkSteps?: number }} deps  `now` returns nanoseconds (process.hrtime.bigint
 *           by default); `extraWorkSteps` overrides the mixing rounds EXTRA_WORK_MS is measured into
 */
export function createSearchPipeline({ pool, metrics, config, now = process.hrtime.bigint, extraWorkSteps }) {
  const seconds = (start) => Number(now() - start) / 1e9;
  // EXTRA_WORK_MS as a fixed count of mixing rounds, measured once: every request then does the same
  // work however busy the machine is, unlike SLOWDOWN, whose share of the elapsed time grows with
  // the queueing it causes.
  const extraSteps =
    extraWorkSteps ?? (config.extraWorkMs > 0 ? Math.max(1, Math.round(config.extraWorkMs * stepsPerCpuMs())) : 0);

  // A statement name per pooled connection. On a real server each connection is its own session and
  // this changes nothing; PGlite (the zero-install fallback) serves every connection in one session,
  // where a second connection (of this process or of the other variant's) preparing the same name
  // fails with "prepared statement already exists".
  const connectionIds = new WeakMap();
  let lastConnectionId = 0;
  function statementFor(client, statement) {
    let id = connectionIds.get(client);
    if (id === undefined) {
      lastConnectionId += 1;
      id = lastConnectionId;
      connectionIds.set(client, id);
    }
    return { ...statement, name: `${statement.name}_${process.pid}_${id}` };
  }

  async function timedQuery(client, label, statement, values) {
    const start = now();
    try {
      return await client.query({ ...statementFor(client, statement), values });
    } finally {
      metrics.dbQueryDuration.observe({ query: label }, seconds(start));
    }
  }

  return async function search(queryText) {
    const started = now();
    const normalized = normalizeQuery(queryText);
    const terms = queryTerms(normalized);
    metrics.searches.inc();

    const waitStart = now();
    const client = await pool.connect();
    metrics.poolWait.observe(seconds(waitStart));
    let golden = null;
    let candidates = [];
    try {
      const goldenStart = now();
      const found = await timedQuery(client, 'golden_lookup', GOLDEN_LOOKUP, [questionHash(normalized)]);
      if (found.rows.length > 0)
        golden = { answer: found.rows[0].answer, documentId: Number(found.rows[0].document_id) };
      metrics.pipelineDuration.observe({ step: 'golden_lookup' }, seconds(goldenStart));

      if (terms.length > 0) {
        const retrievalStart = now();
        const result = await timedQuery(client, 'retrieval', RETRIEVAL, [orTsQuery(terms), terms.join(' '), TOP_K]);
        candidates = result.rows.map((row) => ({
          id: Number(row.id),
          title: row.title,
          body: row.body,
          score: row.score ?? 0,
        }));
        metrics.pipelineDuration.observe({ step: 'retrieval' }, seconds(retrievalStart));
      }
    } finally {
      // Released before the rerank: the CPU step needs no connection, and holding one would
      // inflate pool wait for everyone else.
      client.release();
    }

    const topScore = golden ? 1 : (candidates[0]?.score ?? 0);
    const earlyExit = config.earlyExitScore !== null && topScore > config.earlyExitScore;
    let ranked = candidates;
    const runRerank = !earlyExit && candidates.length > 0;
    if (earlyExit) metrics.earlyExits.inc();
    if (runRerank) {
      const rerankStart = now();
      ranked = rerank(normalized, candidates, { work: config.rerankWork });
      metrics.pipelineDuration.observe({ step: 'rerank' }, seconds(rerankStart));
      metrics.reranks.inc();
    }
    if (config.slowdown > 0) {
      // Calibration: make this request take (1 + SLOWDOWN) times as long as it just did, spent
      // in real CPU work (mixing rounds) rather than a sleep, so it loads the machine as a real
      // regression would. Applied to every request, early exit or not, so the injected slowdown
      // of the mean pipeline time is SLOWDOWN itself.
      const extraNs = BigInt(Math.round(Number(now() - started) * config.slowdown));
      const deadline = now() + extraNs;
      burnWork(() => now() >= deadline);
    }
    if (extraSteps > 0) burnSteps(extraSteps);
    metrics.pipelineDuration.observe({ step: 'total' }, seconds(started));
    return {
      query: normalized,
      golden,
      results: ranked.map(({ id, title, score, rerankScore }) => ({
        id,
        title,
        score,
        ...(rerankScore === undefined ? {} : { rerankScore }),
      })),
      steps: { golden_lookup: true, retrieval: terms.length > 0, rerank: runRerank },
      earlyExit,
      topScore,
    };
  };
}
