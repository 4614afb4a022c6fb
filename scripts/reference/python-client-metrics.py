#!/usr/bin/python3
"""Records real /metrics output of Python's prometheus_client as fixtures for perf-gate's parser.

Writes test/fixtures/metrics/python-client.prom (text 0.0.4) and python-client.openmetrics (OpenMetrics 1.0).
Python's client is a second, independent exporter: it emits _created samples, gauge histograms, info and
enum (stateset) families, and in OpenMetrics counters named without _total in TYPE lines.

Run with the Debian interpreter (the package is python3-prometheus-client):
    /usr/bin/python3 scripts/reference/python-client-metrics.py
"""
import os

from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram, Info, Summary
from prometheus_client.core import GaugeHistogramMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

registry = CollectorRegistry()

latency = Histogram(
    "rag_pipeline_duration_seconds",
    "Time spent in each step of the search pipeline.",
    ["step"],
    buckets=[0.001, 0.01, 0.1, 1.0],
    registry=registry,
)
for step, values in {"retrieval": [0.004, 0.012, 0.3, 2.0], "rerank": [0.02, 0.05]}.items():
    for value in values:
        latency.labels(step=step).observe(value)

searches = Counter("rag_searches", "Searches served.", registry=registry)
searches.inc(21)
errors = Counter("rag_errors_total", "Errors by kind.", ["kind"], registry=registry)
errors.labels(kind='quote " backslash \\ newline \n end').inc(2)

Gauge("rag_in_flight_requests", "Requests being served.", registry=registry).set(3)
summary = Summary("rag_response_bytes", "Response sizes.", registry=registry)
for size in (100, 200, 300):
    summary.observe(size)
Info("rag_build", "Build information.", registry=registry).info({"version": "1.2.3", "commit": "abc123"})
Enum("rag_pool_state", "Pool state.", states=["idle", "busy", "exhausted"], registry=registry).state("busy")


class QueueDepthCollector:
    """A gauge histogram: bucket counts that can go down (queue depth right now)."""

    def collect(self):
        family = GaugeHistogramMetricFamily("rag_queue_depth", "Requests waiting, by depth.")
        family.add_metric([], [("1.0", 4), ("5.0", 9), ("+Inf", 10)], gsum_value=23)
        yield family


registry.register(QueueDepthCollector())

fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "metrics")
with open(os.path.join(fixtures, "python-client.prom"), "wb") as out:
    out.write(generate_latest(registry))
with open(os.path.join(fixtures, "python-client.openmetrics"), "wb") as out:
    out.write(generate_openmetrics(registry))
print("wrote python prometheus_client fixtures to", os.path.normpath(fixtures))
