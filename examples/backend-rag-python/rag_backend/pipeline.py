"""The search pipeline: golden-answer lookup, query embedding, full-text retrieval, rerank (unless
early exit). The pool, the metrics and the clock are passed in. Same SQL and decisions as the Node
backend (examples/backend-rag/lib/search-pipeline.mjs), so both answer the same workload alike."""
from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, Optional

from .config import Config
from .metrics import Metrics
from .query_text import MAX_QUERY_LENGTH, normalize_query, or_ts_query, query_terms, question_hash
from .rerank import burn_chunks, burn_work, chunks_per_cpu_ms, embed, rerank

TOP_K = 20


class BadRequestError(Exception):
    """A request the client got wrong (HTTP 400)."""


GOLDEN_LOOKUP = "SELECT answer, document_id FROM golden_answers WHERE query_hash = $1 LIMIT 1"

# Score normalization: ts_rank of a document divided by ts_rank of an ideal document whose title
# is exactly the query terms, capped at 1, so that a threshold such as EARLY_EXIT_SCORE=0.9 has a
# fixed scale (raw ts_rank has no upper bound).
RETRIEVAL = """WITH q AS (
  SELECT to_tsquery('simple', $1) AS query,
         ts_rank(setweight(to_tsvector('simple', $2), 'A'), to_tsquery('simple', $1)) AS ideal
)
SELECT d.id, d.title, d.body,
       LEAST(1, ts_rank(d.search_vector, q.query) / NULLIF(q.ideal, 0))::float8 AS score
FROM documents d, q
WHERE d.search_vector @@ q.query
ORDER BY score DESC, d.id
LIMIT $3"""


def read_search_request(body: Any) -> str:
    """Checks the parsed JSON body and returns the query text."""
    if not isinstance(body, dict):
        raise BadRequestError('body: expected a JSON object such as {"query": "..."}')
    query = body.get("query")
    if not isinstance(query, str) or query.strip() == "":
        raise BadRequestError("query: expected a non-empty string")
    if len(query) > MAX_QUERY_LENGTH:
        raise BadRequestError(f"query: {len(query)} characters; expected at most {MAX_QUERY_LENGTH}")
    return query


Search = Callable[[str], Awaitable[dict]]


def extra_work_chunks(config: Config) -> int:
    """EXTRA_WORK_MS as a fixed count of mixer chunks, measured once (0 when the knob is off)."""
    if config.extra_work_ms <= 0:
        return 0
    return max(1, round(config.extra_work_ms * chunks_per_cpu_ms()))


def create_search_pipeline(pool: Any, metrics: Metrics, config: Config,
                           now: Callable[[], int] = time.perf_counter_ns,
                           extra_chunks: Optional[int] = None) -> Search:
    """`pool` is an asyncpg pool (asyncpg prepares and caches each statement per connection);
    `now` returns nanoseconds. `extra_chunks` is EXTRA_WORK_MS measured into mixer chunks
    (extra_work_chunks): every request then does the same work however busy the machine is,
    unlike SLOWDOWN, whose share of the elapsed time grows with the queueing it causes."""
    if extra_chunks is None:
        extra_chunks = extra_work_chunks(config)

    def seconds(start: int) -> float:
        return (now() - start) / 1e9

    def observe_step(step: str, start: int) -> None:
        metrics.pipeline_duration.labels(step=step).observe(seconds(start))

    async def timed_query(connection: Any, label: str, sql: str, *args: Any) -> list:
        start = now()
        try:
            return await connection.fetch(sql, *args)
        finally:
            metrics.db_query_duration.labels(query=label).observe(seconds(start))

    # Injected work owed and given so far, in nanoseconds of wall time (see inject_slowdown).
    slowdown_owed = 0
    slowdown_given = 0

    def inject_slowdown(elapsed_ns: int) -> None:
        """Calibration: make this request take (1 + SLOWDOWN) times as long as it just did, in real
        CPU work (mixer rows) rather than a sleep, so it loads the machine as a real regression
        would. Applied to every request, early exit or not, so the injected slowdown of the mean
        pipeline time is SLOWDOWN itself.

        The work runs until a wall-clock deadline; when the process is descheduled across the
        deadline (a busy runner) it ends a time slice late, which on 2 cores with 4-6 runnable
        processes per core added 1.6-2x the share asked for. So the overshoot is carried over:
        the next request owes that much less, and the mean injected time stays close to SLOWDOWN
        of the mean request time on a busy machine too (measured with bench/measure-extra-work.py:
        5.1 % and 12.3 % for 0.05 and 0.10 at load average 15 on 2 cores)."""
        nonlocal slowdown_owed, slowdown_given
        slowdown_owed += round(elapsed_ns * config.slowdown)
        budget = slowdown_owed - slowdown_given
        if budget <= 0:
            return
        start = now()
        deadline = start + budget
        burn_work(lambda: now() >= deadline)
        slowdown_given += now() - start

    async def search(query_text: str) -> dict:
        started = now()
        normalized = normalize_query(query_text)
        terms = query_terms(normalized)
        metrics.searches.inc()

        wait_start = now()
        connection = await pool.acquire()
        metrics.pool_wait.observe(seconds(wait_start))
        golden: Optional[dict] = None
        candidates: list[dict] = []
        try:
            step_start = now()
            found = await timed_query(connection, "golden_lookup", GOLDEN_LOOKUP, question_hash(normalized))
            if found:
                golden = {"answer": found[0]["answer"], "documentId": int(found[0]["document_id"])}
            observe_step("golden_lookup", step_start)

            step_start = now()
            query_vec = embed(normalized)
            observe_step("embedding", step_start)

            if terms:
                step_start = now()
                rows = await timed_query(connection, "retrieval", RETRIEVAL, or_ts_query(terms), " ".join(terms), TOP_K)
                candidates = [
                    {"id": int(r["id"]), "title": r["title"], "body": r["body"],
                     "score": r["score"] if r["score"] is not None else 0.0}
                    for r in rows
                ]
                observe_step("retrieval", step_start)
        finally:
            # Released before the rerank: the CPU step needs no connection, and holding one would
            # inflate pool wait for everyone else.
            await pool.release(connection)

        top_score = 1.0 if golden else (candidates[0]["score"] if candidates else 0.0)
        early_exit = config.early_exit_score is not None and top_score > config.early_exit_score
        run_rerank = not early_exit and len(candidates) > 0
        ranked = candidates
        if early_exit:
            metrics.early_exits.inc()
        if run_rerank:
            step_start = now()
            ranked = rerank(normalized, candidates, config.rerank_work, query_vec)
            observe_step("rerank", step_start)
            metrics.reranks.inc()
        if config.slowdown > 0:
            inject_slowdown(now() - started)
        if extra_chunks > 0:
            burn_chunks(extra_chunks)
        observe_step("total", started)
        results = []
        for r in ranked:
            item = {"id": r["id"], "title": r["title"], "score": r["score"]}
            if "rerankScore" in r:
                item["rerankScore"] = r["rerankScore"]
            results.append(item)
        return {
            "query": normalized,
            "golden": golden,
            "results": results,
            "steps": {"golden_lookup": True, "retrieval": len(terms) > 0, "rerank": run_rerank},
            "earlyExit": early_exit,
            "topScore": top_score,
        }

    return search
