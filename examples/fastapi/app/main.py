"""A small catalogue service in the shape of a typical FastAPI + asyncpg team service: a connection
pool opened at start-up, two read endpoints, a health check and Prometheus metrics on /metrics.

    DATABASE_URL=postgres://... python3 -m uvicorn app.main:app --port 8000

Knobs (environment): DATABASE_URL (required), DB_POOL_SIZE (default 10)."""
from __future__ import annotations

import os
import time

import asyncpg
from fastapi import FastAPI, HTTPException
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

# Bucket bounds in seconds: fine below 50 ms, where a catalogue query should answer.
BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5)

REQUEST_DURATION = Histogram(
    "catalog_request_duration_seconds", "Time to answer a request", ["endpoint"], buckets=BUCKETS
)
DB_QUERY_DURATION = Histogram("catalog_db_query_duration_seconds", "Time of one database query", buckets=BUCKETS)
SEARCHES = Counter("catalog_searches_total", "Product searches answered")
EMPTY_SEARCHES = Counter("catalog_empty_results_total", "Product searches that found nothing")

app = FastAPI(title="catalog")
pool: asyncpg.Pool | None = None


@app.on_event("startup")
async def open_pool() -> None:
    global pool
    pool = await asyncpg.create_pool(
        dsn=os.environ["DATABASE_URL"], min_size=1, max_size=int(os.environ.get("DB_POOL_SIZE", "10"))
    )


@app.on_event("shutdown")
async def close_pool() -> None:
    if pool is not None:
        await pool.close()


async def query(sql: str, *args: object) -> list[asyncpg.Record]:
    assert pool is not None, "the pool opens at start-up"
    started = time.perf_counter()
    try:
        return await pool.fetch(sql, *args)
    finally:
        DB_QUERY_DURATION.observe(time.perf_counter() - started)


@app.get("/health")
async def health() -> dict[str, str]:
    await query("SELECT 1")
    return {"status": "ok"}


@app.get("/products/search")
async def search(category: str, max_price: float = 1e9, limit: int = 20) -> dict[str, object]:
    started = time.perf_counter()
    rows = await query(
        "SELECT id, name, price FROM products WHERE category = $1 AND price <= $2 ORDER BY price LIMIT $3",
        category,
        max_price,
        min(max(limit, 1), 100),
    )
    SEARCHES.inc()
    if not rows:
        EMPTY_SEARCHES.inc()
    REQUEST_DURATION.labels("search").observe(time.perf_counter() - started)
    return {"products": [dict(row) for row in rows]}


@app.get("/products/{product_id}")
async def product(product_id: int) -> dict[str, object]:
    started = time.perf_counter()
    rows = await query("SELECT id, name, category, price FROM products WHERE id = $1", product_id)
    REQUEST_DURATION.labels("product").observe(time.perf_counter() - started)
    if not rows:
        raise HTTPException(status_code=404, detail="no such product")
    return dict(rows[0])


@app.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
