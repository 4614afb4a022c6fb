#!/usr/bin/python3
"""Measures what SLOWDOWN (or, with --extra-work-ms, EXTRA_WORK_MS) really adds to the Python
backend's search pipeline, without perf-gate and without HTTP: it calls the pipeline function directly
on a seeded database, each query under every setting (SLOWDOWN = 0, 0.05 and 0.10 by default) back to
back in random order, times every call with its own clock, and writes the figures (with the commit,
the CPUs and the Python version) to bench/results/python-backend/. A calibration of the gate on this
backend ("+5 % must fail") is only as good as this number.

    ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres \\
      /usr/bin/python3 examples/backend-rag-python/bench/measure-extra-work.py [--rounds 10] [--out FILE]
      [--extra-work-ms 0.354,0.708]

ADMIN_URL must be a role that may create databases: the script creates (or reuses, with --reuse)
`rag_bench_python`, applies the shared migrations 001, 002 and 022, and measures the candidate
configuration (pool 20, early exit at 0.9). --database-url measures an already seeded database.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(EXAMPLE))
NODE_EXAMPLE = os.path.join(REPO, "examples", "backend-rag")
sys.path.insert(0, EXAMPLE)
os.environ.setdefault("PROMETHEUS_DISABLE_CREATED_SERIES", "True")

import asyncpg  # noqa: E402

from rag_backend.config import Config  # noqa: E402
from rag_backend.metrics import create_metrics  # noqa: E402
from rag_backend.pipeline import create_search_pipeline  # noqa: E402

SETTINGS = (0.0, 0.05, 0.10)
DATABASE = "rag_bench_python"
MIGRATIONS = ("001_schema.sql", "002_seed_data.sql", "022_search_indexes.sql")


def database_url(admin: str, name: str) -> str:
    parts = urlsplit(admin)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def seed(admin: str, reuse: bool) -> str:
    url = database_url(admin, DATABASE)
    connection = await asyncpg.connect(admin)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        if exists and not reuse:
            await connection.execute(f"DROP DATABASE {DATABASE}")
        if not exists or not reuse:
            await connection.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await connection.close()
    connection = await asyncpg.connect(url)
    try:
        for name in MIGRATIONS:
            with open(os.path.join(NODE_EXAMPLE, "migrations", name), encoding="utf-8") as file:
                sql = file.read()
            # Each file in its own transaction, as perf-gate's runner applies them; all are idempotent.
            async with connection.transaction():
                await connection.execute(sql)
    finally:
        await connection.close()
    return url


def provenance() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()

    try:
        dirty = git("status", "--porcelain", "--", "examples/backend-rag-python", "examples/backend-rag/migrations")
        commit = git("rev-parse", "HEAD") + ("+modified" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    cpu_model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            cpu_model = next((line.split(":", 1)[1].strip() for line in file if line.startswith("model name")), "unknown")
    except OSError:
        pass
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "commit": commit,
        "cpus": os.cpu_count(),
        "cpuModel": cpu_model,
        "python": platform.python_version(),
        "asyncpg": asyncpg.__version__,
        "os": f"{platform.system()} {platform.release()}",
        "loadAverageAtStart": load,
    }


def total_seconds(metrics, step: str = "total") -> float:
    """The pipeline's own sum of one step's times, as /metrics would show it."""
    return metrics.registry.get_sample_value("rag_pipeline_duration_seconds_sum", {"step": step}) or 0.0


STEPS = ("golden_lookup", "embedding", "retrieval", "rerank")


def steps_seconds(metrics) -> float:
    """Sum of the steps before the injected work (the time SLOWDOWN is a fraction of, less bookkeeping)."""
    return sum(total_seconds(metrics, step) for step in STEPS)


async def measure(url: str, rounds: int, seed_value: int, knob: str) -> dict:
    with open(os.path.join(NODE_EXAMPLE, "queries.jsonl"), encoding="utf-8") as file:
        queries = [json.loads(line)["body"]["query"] for line in file if line.strip()]
    pool = await asyncpg.create_pool(dsn=url, min_size=1, max_size=20)
    try:
        pipelines = {}
        for slowdown in SETTINGS:
            # SETTINGS holds SLOWDOWN values, or EXTRA_WORK_MS values with --extra-work-ms.
            config = Config(port=0, host="127.0.0.1", database_url=url, pool_size=20, early_exit_score=0.9,
                            rerank_work=2, slowdown=slowdown if knob == "SLOWDOWN" else 0.0,
                            extra_work_ms=slowdown if knob == "EXTRA_WORK_MS" else 0.0)
            metrics = create_metrics()
            pipelines[slowdown] = (create_search_pipeline(pool, metrics, config), metrics)
        # Warm-up: every statement prepared on the connections, the data in shared buffers.
        for search, _ in pipelines.values():
            for query in queries:
                await search(query)
        rng = random.Random(seed_value)
        blocks = []
        for round_index in range(rounds):
            shuffled = queries[:]
            rng.shuffle(shuffled)
            wall = {slowdown: [] for slowdown in SETTINGS}
            cpu = {slowdown: 0 for slowdown in SETTINGS}
            before = {slowdown: total_seconds(pipelines[slowdown][1]) for slowdown in SETTINGS}
            steps_before = {slowdown: steps_seconds(pipelines[slowdown][1]) for slowdown in SETTINGS}
            # Interleaved per search: each query runs under every setting back to back, in a fresh
            # random order, so a busy moment of the machine hits all settings alike.
            for query in shuffled:
                order = list(SETTINGS)
                rng.shuffle(order)
                for slowdown in order:
                    search = pipelines[slowdown][0]
                    cpu_start = time.process_time_ns()
                    start = time.perf_counter_ns()
                    await search(query)
                    wall[slowdown].append((time.perf_counter_ns() - start) / 1e6)
                    cpu[slowdown] += time.process_time_ns() - cpu_start
            for slowdown in SETTINGS:
                histogram_ms = (total_seconds(pipelines[slowdown][1]) - before[slowdown]) * 1000
                steps_ms = (steps_seconds(pipelines[slowdown][1]) - steps_before[slowdown]) * 1000
                blocks.append({
                    "round": round_index, "slowdown": slowdown, "requests": len(wall[slowdown]),
                    "meanWallMs": statistics.fmean(wall[slowdown]), "medianWallMs": statistics.median(wall[slowdown]),
                    "cpuMsPerRequest": cpu[slowdown] / 1e6 / len(wall[slowdown]),
                    "histogramMeanMs": histogram_ms / len(wall[slowdown]),
                    "stepsMeanMs": steps_ms / len(wall[slowdown]),
                })
        return {"queries": len(queries), "blocks": blocks}
    finally:
        await pool.close()


def summarize(blocks: list[dict], rounds: int) -> list[dict]:
    rows = []
    for slowdown in SETTINGS:
        mine = [b for b in blocks if b["slowdown"] == slowdown]
        ratios = []
        for round_index in range(rounds):
            base = next(b for b in blocks if b["round"] == round_index and b["slowdown"] == 0.0)
            this = next(b for b in mine if b["round"] == round_index)
            ratios.append(this["meanWallMs"] / base["meanWallMs"])
        rows.append({
            "slowdown": slowdown,
            "meanWallMs": statistics.fmean(b["meanWallMs"] for b in mine),
            "cpuMsPerRequest": statistics.fmean(b["cpuMsPerRequest"] for b in mine),
            "histogramMeanMs": statistics.fmean(b["histogramMeanMs"] for b in mine),
            "stepsMeanMs": statistics.fmean(b["stepsMeanMs"] for b in mine),
            # Paired by round (one round interleaves the settings search by search), so drift cancels.
            "wallRatioMedian": statistics.median(ratios),
            "wallRatioMin": min(ratios),
            "wallRatioMax": max(ratios),
        })
    base = rows[0]
    for row in rows:
        row["meanWallChange"] = row["meanWallMs"] / base["meanWallMs"] - 1
        row["cpuChange"] = row["cpuMsPerRequest"] / base["cpuMsPerRequest"] - 1
        row["stepsChange"] = row["stepsMeanMs"] / base["stepsMeanMs"] - 1
        # From the pipeline's own histograms: the time after the steps (the injected work plus the
        # bookkeeping every request has), less that of SLOWDOWN=0, as a share of the mean request.
        row["injectedMs"] = (row["histogramMeanMs"] - row["stepsMeanMs"]) - (base["histogramMeanMs"] - base["stepsMeanMs"])
        row["injectedShare"] = row["injectedMs"] / base["histogramMeanMs"]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="passes over the workload (each query under every setting)")
    parser.add_argument("--seed", type=int, default=20251217)
    parser.add_argument("--database-url", help="an already seeded database (001, 002, 022 applied)")
    parser.add_argument("--reuse", action="store_true", help=f"keep an existing {DATABASE} database")
    parser.add_argument("--out", help="result file (default bench/results/python-backend/extra-work-<time>.json)")
    parser.add_argument("--extra-work-ms", help="measure EXTRA_WORK_MS at these values (and 0) instead of SLOWDOWN, e.g. 0.354,0.708")
    args = parser.parse_args()
    knob = "SLOWDOWN"
    if args.extra_work_ms:
        try:
            values = tuple(float(v) for v in args.extra_work_ms.split(","))
        except ValueError:
            parser.error(f"--extra-work-ms: got {args.extra_work_ms!r}; expected numbers of milliseconds, e.g. 0.354,0.708")
        if any(v <= 0 for v in values):
            parser.error(f"--extra-work-ms: got {args.extra_work_ms!r}; expected values above 0")
        global SETTINGS
        SETTINGS = (0.0, *values)
        knob = "EXTRA_WORK_MS"
    if args.rounds < 1:
        parser.error(f"--rounds: got {args.rounds}; expected an integer from 1 up")

    url = args.database_url
    if not url:
        admin = os.environ.get("ADMIN_URL", "")
        if not admin.startswith(("postgres://", "postgresql://")):
            sys.stderr.write("measure-extra-work: ADMIN_URL: expected a postgres:// URL of a role that may create databases (or pass --database-url)\n")
            return 2
        url = asyncio.run(seed(admin, args.reuse))

    started = datetime.datetime.now(datetime.timezone.utc)
    machine = provenance()
    measured = asyncio.run(measure(url, args.rounds, args.seed, knob))
    summary = summarize(measured["blocks"], args.rounds)
    result = {
        "script": "examples/backend-rag-python/bench/measure-extra-work.py",
        "startedAt": started.isoformat(timespec="seconds"),
        "finishedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {"rounds": args.rounds, "seed": args.seed, "poolSize": 20, "earlyExitScore": 0.9,
                     "rerankWork": 2, "knob": knob, "slowdowns": list(SETTINGS), "queriesPerBlock": measured["queries"]},
        "summary": summary,
        "blocks": measured["blocks"],
    }
    out = args.out or os.path.join(REPO, "bench", "results", "python-backend",
                                   f"extra-work-{started.strftime('%Y-%m-%dT%H%M%SZ')}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as file:
        json.dump(result, file, indent=2)
        file.write("\n")

    print(f"{machine['cpus']} CPUs ({machine['cpuModel']}), Python {machine['python']}, commit {machine['commit']}")
    print(f"{args.rounds} rounds x {measured['queries']} searches per setting, called in-process one at a time, settings interleaved\n")
    print(f"{knob:>13} {'wall ms':>8} {'change':>8} {'paired median [min, max]':>28} {'CPU ms':>7} {'change':>8} {'histogram ms':>12} {'steps ms':>8} {'change':>8} {'injected':>9}")
    for row in summary:
        print(f"{row['slowdown']:>13.3f} {row['meanWallMs']:>8.3f} {row['meanWallChange'] * 100:>7.2f}% "
              f"{(row['wallRatioMedian'] - 1) * 100:>9.2f}% [{(row['wallRatioMin'] - 1) * 100:>6.2f}%, {(row['wallRatioMax'] - 1) * 100:>6.2f}%] "
              f"{row['cpuMsPerRequest']:>7.3f} {row['cpuChange'] * 100:>7.2f}% {row['histogramMeanMs']:>12.3f} "
              f"{row['stepsMeanMs']:>8.3f} {row['stepsChange'] * 100:>7.2f}% {row['injectedShare'] * 100:>8.2f}%")
    print(f"\nwritten to {os.path.relpath(out, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
