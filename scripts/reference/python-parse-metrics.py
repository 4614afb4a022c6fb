#!/usr/bin/python3
"""Parses perf-gate's exposition fixtures with Python prometheus_client's own parsers, an independent
implementation, and writes what it read to test/fixtures/metrics/python-parsed.json.
test/metrics/python-parser-agreement.test.ts checks that perf-gate's parser reads every sample the same way.

Run with the Debian interpreter (the package is python3-prometheus-client):
    /usr/bin/python3 scripts/reference/python-parse-metrics.py
"""
import json
import math
import os
from importlib.metadata import version

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.samples import Timestamp

FIXTURES = [
    "tricky.prom",
    "tricky.openmetrics",
    "prom-client.prom",
    "prom-client.openmetrics",
    "python-client.prom",
    "python-client.openmetrics",
]


def number(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def milliseconds(timestamp):
    if timestamp is None:
        return None
    if isinstance(timestamp, Timestamp):
        return timestamp.sec * 1000 + timestamp.nsec / 1e6
    return timestamp * 1000  # the 0.0.4 parser returns seconds (it divides the ms by 1000)


def sample_json(sample):
    out = {"name": sample.name, "labels": sample.labels, "value": number(sample.value)}
    if sample.timestamp is not None:
        out["timestampMs"] = milliseconds(sample.timestamp)
    if sample.exemplar is not None:
        out["exemplar"] = {"labels": sample.exemplar.labels, "value": number(sample.exemplar.value)}
        if sample.exemplar.timestamp is not None:
            out["exemplar"]["timestampMs"] = milliseconds(sample.exemplar.timestamp)
    return out


here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.normpath(os.path.join(here, "..", "..", "test", "fixtures", "metrics"))
result = {
    "generatedBy": "scripts/reference/python-parse-metrics.py",
    "parser": "prometheus_client " + version("prometheus_client"),
    "files": [],
}
for name in FIXTURES:
    with open(os.path.join(fixtures, name), encoding="utf-8") as handle:
        text = handle.read()
    openmetrics = name.endswith(".openmetrics")
    families = list((parse_openmetrics if openmetrics else parse_text)(text))
    result["files"].append({
        "file": name,
        "format": "openmetrics-1.0" if openmetrics else "prometheus-text-0.0.4",
        "families": [{"name": f.name, "type": f.type, "samples": [sample_json(s) for s in f.samples]} for f in families],
    })
with open(os.path.join(fixtures, "python-parsed.json"), "w", encoding="utf-8") as out:
    json.dump(result, out, indent=1, ensure_ascii=False)
    out.write("\n")
print("parsed", len(FIXTURES), "fixtures with prometheus_client into", os.path.join(fixtures, "python-parsed.json"))
