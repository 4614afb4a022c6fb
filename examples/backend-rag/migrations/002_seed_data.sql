-- Deterministic data set, generated in SQL so that every machine builds the same rows:
-- 12,000 documents over a 13,824-word invented vocabulary, and 5,000 golden answers: enough that
-- without the indexes of 022 every search scans ~10 MB, small enough that the baseline still
-- sustains ~40 searches per second on a 2-core runner.
-- Pseudo-random choices come from an integer hash of the row id and word position (same result
-- on every platform and PostgreSQL version), never from random().
-- Re-running is harmless: rows that already exist are left alone (ON CONFLICT DO NOTHING).

-- Vocabulary: three syllables out of 24 give 24^3 = 13,824 distinct pronounceable words; word n
-- is syllable(n mod 24) || syllable(n / 24 mod 24) || syllable(n / 576). The 'simple' text search
-- configuration keeps such words as they are, so queries match them exactly.
--
-- Word choice: a 31-bit integer hash of (document id, word position): one step of the classic
-- C-library LCG (1103515245, 12345, mod 2^31) followed by an xor-shift-multiply mix. Pure bigint
-- arithmetic, so every platform and PostgreSQL version builds the same rows; md5() would do too
-- but costs ~10x more for the 420,000 draws.
-- Title words (positions 1-5) are uniform over the vocabulary, so each is in ~4 titles and a
-- title is close to unique. Body words (positions 6-35) square the uniform draw, skewing towards
-- the start of the vocabulary to give frequent and rare words as natural text has.
-- Words are collected with ARRAY(SELECT ... FROM generate_series): an ordered string_agg over a
-- GROUP BY sorted every document's words separately and took 5-10 times longer.
INSERT INTO documents (id, title, body)
SELECT d,
       array_to_string(ARRAY(
         SELECT s[1 + n % 24] || s[1 + (n / 24) % 24] || s[1 + n / 576]
         FROM generate_series(1, 5) AS pos,
              LATERAL (SELECT ((d * 64 + pos) * 1103515245 + 12345) % 2147483648 AS h1) AS lcg,
              LATERAL (SELECT ((h1 # (h1 >> 15)) * 2146121005) % 2147483648 AS h2) AS mix,
              LATERAL (SELECT ((h2 # (h2 >> 13)) % 13824)::int AS n) AS draw
       ), ' '),
       array_to_string(ARRAY(
         SELECT s[1 + n % 24] || s[1 + (n / 24) % 24] || s[1 + n / 576]
         FROM generate_series(6, 35) AS pos,
              LATERAL (SELECT ((d * 64 + pos) * 1103515245 + 12345) % 2147483648 AS h1) AS lcg,
              LATERAL (SELECT ((h1 # (h1 >> 15)) * 2146121005) % 2147483648 AS h2) AS mix,
              LATERAL (SELECT floor(13824 * power((h2 # (h2 >> 13)) / 2147483648.0::float8, 2))::int AS n) AS draw
       ), ' ')
FROM generate_series(1::bigint, 12000) AS d,
     (SELECT ARRAY['ka','lo','mi','ne','su','ta','ri','po','de','vo','gu','ba',
                   'fe','zi','mo','ha','lu','pe','ro','si','ji','we','xo','ny'] AS s) AS syllables
ON CONFLICT (id) DO NOTHING;

-- Golden answers: curated answers for 5,000 known questions, each about one document
-- ("what is <the first three words of its title>").
INSERT INTO golden_answers (id, query_hash, query_text, answer, document_id)
SELECT g, md5(q), q, 'Curated answer #' || g || ': see document ' || doc || '.', doc
FROM generate_series(1, 5000) AS g,
     LATERAL (SELECT g * 2 + 1 AS doc) AS pick,
     LATERAL (
       SELECT 'what is ' || array_to_string((string_to_array(title, ' '))[1:3], ' ') AS q
       FROM documents WHERE id = pick.doc
     ) AS question
ON CONFLICT (id) DO NOTHING;

ANALYZE documents;
ANALYZE golden_answers;
