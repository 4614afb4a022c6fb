#!/usr/bin/python3
"""Python reference RAG backend for perf-gate: the Node reference backend's search service in the
seed's own stack (FastAPI + asyncpg + prometheus_client, served by uvicorn). See README.md.

    DATABASE_URL=postgres://... /usr/bin/python3 examples/backend-rag-python/server.py

Exit codes: 0 after SIGTERM/SIGINT, 2 for an invalid knob (or a missing Python module), 3 when the
server cannot listen."""
from __future__ import annotations

import asyncio
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# prometheus_client reads this once, when it is first imported: no `<name>_created` samples (the
# Node backend has none, and perf-gate does not use them). rag_backend/metrics.py says the same for
# scripts that import it directly.
os.environ.setdefault("PROMETHEUS_DISABLE_CREATED_SERIES", "True")

from rag_backend.config import ConfigError, mask_database_url, parse_config  # noqa: E402

NAME = "backend-rag-python"


def log_info(message: str) -> None:
    sys.stderr.write(f"{NAME}: {message}\n")
    sys.stderr.flush()


def log_error(message: str) -> None:
    sys.stderr.write(f"{NAME}: error: {message}\n")
    sys.stderr.flush()


def bind_socket(host: str, port: int) -> socket.socket:
    """Binds the listening socket ourselves: a taken port is exit 3 with a clear line, and PORT=0
    can report the port the kernel chose."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def serve(config, sock: socket.socket) -> None:
    import asyncpg
    import uvicorn

    from rag_backend.http_app import create_app
    from rag_backend.metrics import create_metrics
    from rag_backend.pipeline import create_search_pipeline, extra_work_chunks

    # min_size=0: connections are opened on demand, so the service starts (and answers /health
    # with 503) while the database is down; idle ones stay open 30 s, longer than any gap in a
    # benchmark, so measured pool wait is queueing for a busy pool rather than reconnecting.
    pool = await asyncpg.create_pool(
        dsn=config.database_url,
        min_size=0,
        max_size=config.pool_size,
        max_inactive_connection_lifetime=30,
        timeout=10,
        server_settings={"application_name": "perf-gate-backend-rag-python"},
    )
    metrics = create_metrics()
    # EXTRA_WORK_MS measured into mixer chunks before the server listens, so no request waits on it.
    extra_chunks = extra_work_chunks(config)
    search = create_search_pipeline(pool, metrics, config, extra_chunks=extra_chunks)
    app = create_app(search, pool, metrics, log_error)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            # Longer than a load generator's pause between rounds, so a client never reuses a
            # keep-alive socket the server is closing at that very moment.
            timeout_keep_alive=65,
        )
    )
    early_exit = "off" if config.early_exit_score is None else str(config.early_exit_score)
    log_info(
        f"listening on {config.host}:{sock.getsockname()[1]}; database {mask_database_url(config.database_url)}; "
        f"pool {config.pool_size}; early exit {early_exit}; rerank work {config.rerank_work}; slowdown {config.slowdown}; "
        f"extra work {config.extra_work_ms} ms = {extra_chunks} mixer chunks per request"
    )
    try:
        # uvicorn installs its own SIGTERM/SIGINT handlers: stop accepting, finish requests in flight.
        await server.serve(sockets=[sock])
    finally:
        log_info("closing the server and the database pool")
        try:
            await asyncio.wait_for(pool.close(), timeout=5)
        except Exception as error:  # noqa: BLE001
            log_error(f"closing the pool: {error}")
            pool.terminate()


def main() -> int:
    try:
        config = parse_config(os.environ)
    except ConfigError as error:
        log_error(str(error))
        return 2
    try:
        import asyncpg  # noqa: F401
        import fastapi  # noqa: F401
        import prometheus_client  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        log_error(f"{error}; install python3-fastapi python3-uvicorn python3-asyncpg python3-prometheus-client")
        return 2
    try:
        sock = bind_socket(config.host, config.port)
    except OSError as error:
        log_error(f"cannot listen on {config.host}:{config.port}: {error.strerror or error}")
        return 3
    asyncio.run(serve(config, sock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
