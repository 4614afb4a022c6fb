#!/usr/bin/env node
// Regenerates queries.jsonl, the example workload, from a database seeded with migrations
// 001 and 002 (the data set is deterministic, so the output is too).
//
//   DATABASE_URL=postgres://... node examples/backend-rag/make-queries.mjs > examples/backend-rag/queries.jsonl
//
// Mix of 200 lines: 50 golden-answer questions (written with varied case and punctuation, to
// exercise normalization), 30 exact document titles (top retrieval score 1) and 120 vague
// two- or three-word searches over body words (top score well below 0.9). With
// EARLY_EXIT_SCORE=0.9 the golden hits and the titles exit early: 80 / 200 = 40 %.
// Every pick is checked against the database, so a line can never land in the wrong class.
import pg from 'pg';
import { normalizeQuery, orTsQuery, queryTerms } from './lib/query-text.mjs';

const GOLDEN = 50;
const TITLES = 30;
const VAGUE = 120;

const STYLES = [
  (q) => q,
  (q) => `${q[0].toUpperCase()}${q.slice(1)}?`,
  (q) => q.toUpperCase(),
  (q) => `  ${q.replace(/ /g, ', ')} !`,
];

async function topScore(client, text) {
  const terms = queryTerms(normalizeQuery(text));
  const { rows } = await client.query(
    `WITH q AS (SELECT to_tsquery('simple', $1) AS query,
                       ts_rank(setweight(to_tsvector('simple', $2), 'A'), to_tsquery('simple', $1)) AS ideal)
     SELECT max(LEAST(1, ts_rank(d.search_vector, q.query) / NULLIF(q.ideal, 0)))::float8 AS top
     FROM documents d, q WHERE d.search_vector @@ q.query`,
    [orTsQuery(terms), terms.join(' ')],
  );
  return rows[0].top ?? 0;
}

async function main() {
  if (!process.env.DATABASE_URL)
    throw new Error('DATABASE_URL: got nothing; expected the URL of a database seeded by 001 and 002');
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const golden = [];
    const { rows: goldenRows } = await client.query(
      'SELECT id, query_text FROM golden_answers WHERE id % 97 = 13 ORDER BY id LIMIT $1',
      [GOLDEN],
    );
    goldenRows.forEach((row, i) => {
      golden.push(STYLES[i % STYLES.length](row.query_text));
    });

    const titles = [];
    const { rows: titleRows } = await client.query('SELECT title FROM documents WHERE id % 331 = 5 ORDER BY id');
    for (const row of titleRows) {
      if (titles.length === TITLES) break;
      if ((await topScore(client, row.title)) >= 0.99) titles.push(row.title);
    }

    // Body words seen in 20 to 300 documents: selective enough to be a real search, common
    // enough that several documents compete and none reaches a perfect score.
    const { rows: wordRows } = await client.query(
      `SELECT word FROM ts_stat('SELECT search_vector FROM documents') WHERE ndoc BETWEEN 20 AND 300 ORDER BY word`,
    );
    const words = wordRows.map((row) => row.word);
    const vague = [];
    for (let i = 0; vague.length < VAGUE && i < words.length; i += 1) {
      const size = 2 + (i % 2);
      const picked = Array.from({ length: size }, (_, k) => words[(i * 7919 + k * 104729) % words.length]);
      const text = picked.join(' ');
      const score = await topScore(client, text);
      if (score > 0 && score < 0.8) vague.push(text);
    }
    if (titles.length < TITLES || vague.length < VAGUE)
      throw new Error(`not enough queries: ${titles.length} titles, ${vague.length} vague`);

    // Interleave deterministically so any stretch of the file has about the same mix: each
    // slot takes the next line of the class the pattern names, or of the first class that still
    // has lines once that one is used up.
    const classes = { g: golden, t: titles, v: vague };
    const pattern = 'gvtvgvvtgv';
    const lines = [];
    for (let slot = 0; lines.length < GOLDEN + TITLES + VAGUE; slot += 1) {
      const wanted = pattern[slot % pattern.length];
      const source = [classes[wanted], golden, titles, vague].find((list) => list.length > 0);
      lines.push(JSON.stringify({ method: 'POST', path: '/api/search', body: { query: source.shift() } }));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  process.stderr.write(`make-queries: ${error.message}\n`);
  process.exit(1);
});
