"""The Python reference backend for perf-gate: the same search service as examples/backend-rag,
written the way the seed's own service is (FastAPI, asyncpg, prometheus_client, uvicorn)."""
