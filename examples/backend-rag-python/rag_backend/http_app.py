"""HTTP routing for the service: POST /api/search, GET /health, GET /metrics (FastAPI).

The search body is parsed by hand rather than by a pydantic model so that a bad request is a 400
with {"error": "..."}, the same answer as the Node backend gives (FastAPI's own would be a 422)."""
from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .metrics import Metrics
from .pipeline import BadRequestError, Search, read_search_request

MAX_BODY_BYTES = 64 * 1024


def create_app(search: Search, pool: Any, metrics: Metrics, log_error: Callable[[str], None]) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.exception_handler(BadRequestError)
    async def bad_request(_request: Request, error: BadRequestError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=400)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        log_error(f"{request.method} {request.url.path} failed: {error}")
        return JSONResponse({"error": "internal error"}, status_code=500)

    @app.post("/api/search")
    async def search_route(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise BadRequestError(f"body: more than {MAX_BODY_BYTES} bytes")
        try:
            body = json.loads(raw)
        except ValueError:
            raise BadRequestError("body: not valid JSON") from None
        return JSONResponse(await search(read_search_request(body)))

    @app.get("/health")
    async def health() -> JSONResponse:
        try:
            # Bounded: a health probe must answer even when the database hangs.
            await asyncio.wait_for(pool.fetchval("SELECT 1"), timeout=2)
            return JSONResponse({"status": "ok"})
        except asyncio.TimeoutError:
            return JSONResponse({"status": "unavailable", "reason": "database: no answer within 2 s"}, status_code=503)
        except Exception as error:  # noqa: BLE001 (any database failure makes the service unavailable)
            return JSONResponse({"status": "unavailable", "reason": f"database: {error}"}, status_code=503)

    @app.get("/metrics")
    async def metrics_route() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
