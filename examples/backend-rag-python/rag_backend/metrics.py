"""The Prometheus metrics the service exposes on /metrics: the same family names, labels and
buckets as the Node backend (examples/backend-rag/lib/metrics.mjs), so one perf-gate metric
configuration gates either backend."""
from __future__ import annotations

import os
from dataclasses import dataclass

# prometheus_client adds a `<name>_created` sample to every counter and histogram unless this is
# set before it is first imported; the Node backend has none, and perf-gate does not need them.
os.environ.setdefault("PROMETHEUS_DISABLE_CREATED_SERIES", "True")

from prometheus_client import (  # noqa: E402  (must follow the environment switch above)
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

# Latency buckets from 0.5 ms to 5 s with extra steps between 5 and 100 ms (identical to Node's).
DURATION_BUCKETS = (
    0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03,
    0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5,
)

# Pool wait is usually near zero and the target is "p95 < 10 ms", so resolve 0.1-10 ms finely.
POOL_WAIT_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.05, 0.1, 0.25,
    0.5, 1, 2.5, 5,
)

# The Node backend's four steps plus `embedding` (the query's trigram embedding, which this
# backend computes as its own step before retrieval, as a RAG service embeds the question).
PIPELINE_STEPS = ("golden_lookup", "embedding", "retrieval", "rerank", "total")
DB_QUERIES = ("golden_lookup", "retrieval")


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    pipeline_duration: Histogram
    db_query_duration: Histogram
    pool_wait: Histogram
    searches: Counter
    reranks: Counter
    early_exits: Counter


def create_metrics() -> Metrics:
    """A fresh registry with the service's metrics and the client's process metrics."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    pipeline_duration = Histogram(
        "rag_pipeline_duration_seconds",
        'Time spent in each step of the search pipeline; step="total" is the whole request.',
        ["step"],
        buckets=DURATION_BUCKETS,
        registry=registry,
    )
    db_query_duration = Histogram(
        "rag_db_query_duration_seconds",
        "Time of each database query, from sending it to having all rows.",
        ["query"],
        buckets=DURATION_BUCKETS,
        registry=registry,
    )
    pool_wait = Histogram(
        "rag_db_pool_wait_seconds",
        "Time from asking the connection pool for a connection until getting one.",
        buckets=POOL_WAIT_BUCKETS,
        registry=registry,
    )
    # prometheus_client appends _total to a counter's samples: these export rag_searches_total etc.
    searches = Counter("rag_searches", "Searches answered (successfully or not).", registry=registry)
    reranks = Counter("rag_rerank", "Searches that ran the rerank step.", registry=registry)
    early_exits = Counter(
        "rag_early_exit",
        "Searches that skipped the rerank because a golden answer hit or the top score was above EARLY_EXIT_SCORE.",
        registry=registry,
    )
    # Export every label value from the first scrape on, so a scrape before any traffic (or a
    # candidate that never reranks) still shows each series at zero instead of leaving it out.
    for step in PIPELINE_STEPS:
        pipeline_duration.labels(step=step)
    for query in DB_QUERIES:
        db_query_duration.labels(query=query)
    return Metrics(registry, pipeline_duration, db_query_duration, pool_wait, searches, reranks, early_exits)
