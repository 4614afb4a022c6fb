-- Tables of the reference RAG backend. Indexes beyond the primary keys are deliberately absent:
-- migration 022 adds them, so a baseline on this schema and a candidate after 022 differ only there.
-- No BEGIN/COMMIT here: the migration runner (or `psql -1`) wraps each file in its own transaction.

CREATE TABLE IF NOT EXISTS documents (
  id bigint PRIMARY KEY,
  title text NOT NULL,
  body text NOT NULL,
  -- Stored so that neither variant pays for to_tsvector() per row at query time; the difference
  -- between baseline and candidate is then only whether a GIN index can answer the @@ match.
  -- The 'simple' configuration (no stemming, no stop words) keeps matching exact and predictable.
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
  ) STORED
);

CREATE TABLE IF NOT EXISTS golden_answers (
  id bigint PRIMARY KEY,
  -- md5 of the normalized question (lower case, words separated by single spaces).
  query_hash text NOT NULL,
  query_text text NOT NULL,
  answer text NOT NULL,
  document_id bigint NOT NULL REFERENCES documents (id)
);
