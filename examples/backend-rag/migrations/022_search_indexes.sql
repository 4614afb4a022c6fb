-- Migration 022: the indexes that make golden lookup and full-text retrieval fast.
-- Idempotent: every statement uses IF NOT EXISTS, so applying it twice changes nothing.
-- Plain CREATE INDEX (not CONCURRENTLY) so the whole file runs in one transaction; it takes a
-- SHARE lock that blocks writes while it builds, acceptable for this read-only data set.

-- Golden lookup is an equality match on the question's hash: a unique b-tree turns a sequential
-- scan of every golden answer into a single index probe.
CREATE UNIQUE INDEX IF NOT EXISTS golden_answers_query_hash_key ON golden_answers (query_hash);

-- Full-text retrieval: GIN is PostgreSQL's recommended index type for tsvector @@ tsquery
-- (https://www.postgresql.org/docs/15/textsearch-indexes.html); without it every document's
-- vector is tested.
CREATE INDEX IF NOT EXISTS documents_search_vector_idx ON documents USING gin (search_vector);

ANALYZE documents;
ANALYZE golden_answers;
