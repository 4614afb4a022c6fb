#!/usr/bin/env python3
"""Brute-force reference for perf-gate's E-divisive change points (src/stats/change-points.ts).

Writes test/fixtures/change-points/reference.json; test/stats/change-points.test.ts asserts that the
TypeScript implementation agrees. Run from the repository root:

    python3 scripts/reference/e-divisive-reference.py

Independent of the TypeScript code where it matters: the divergence of every split is computed
straight from its definition (Matteson & James 2014, alpha = 1) on explicit sub-arrays, with no
incremental sums, and the best split is found by trying every split point (the right-hand side of a
split runs to the end of its segment, as in the TypeScript code; no inner end point kappa). Only the permutations are
shared: to compare p-values exactly, the script draws them with a port of the project's seeded
generator (xoshiro128** seeded through splitmix32, src/stats/prng.ts) and the same Fisher-Yates order.
"""
import json
import pathlib

import numpy as np

M32 = 0xFFFFFFFF


def splitmix32(seed):
    state = seed & M32

    def draw():
        nonlocal state
        state = (state + 0x9E3779B9) & M32
        z = state
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
        return (z ^ (z >> 16)) & M32

    return draw


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Xoshiro128:
    def __init__(self, seed):
        init = splitmix32(seed)
        self.s = [init(), init(), init(), init()]
        if not any(self.s):
            self.s[0] = 1

    def uint32(self):
        s = self.s
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def next(self):
        a = self.uint32()
        b = self.uint32() >> 11
        return (a * 2.0**21 + b) / 2.0**53

    def integer(self, n):
        return int(np.floor(self.next() * n))


def divergence(x, y):
    """Q-hat of two samples, from the definition (alpha = 1)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, m = len(x), len(y)
    between = np.abs(x[:, None] - y[None, :]).sum()
    wx = np.abs(x[:, None] - x[None, :])[np.triu_indices(n, 1)].sum() / (n * (n - 1) / 2) if n > 1 else 0.0
    wy = np.abs(y[:, None] - y[None, :])[np.triu_indices(m, 1)].sum() / (m * (m - 1) / 2) if m > 1 else 0.0
    return n * m / (n + m) * (2 * between / (n * m) - wx - wy)


def best_split(values, bounds, min_size):
    best = None
    for a, b in zip(bounds[:-1], bounds[1:]):
        for tau in range(a + min_size, b - min_size + 1):
            q = divergence(values[a:tau], values[tau:b])
            if best is None or q > best[1]:
                best = (tau, q)
    return best


def e_divisive(values, min_size, significance, max_points, permutations, seed):
    rng = Xoshiro128(seed)
    bounds = [0, len(values)]
    found = []
    while len(found) < max_points:
        candidate = best_split(values, bounds, min_size)
        if candidate is None:
            break
        at_least = 0
        for _ in range(permutations):
            copy = list(values)
            for a, b in zip(bounds[:-1], bounds[1:]):
                for i in range(b - 1, a, -1):
                    j = a + rng.integer(i - a + 1)
                    copy[i], copy[j] = copy[j], copy[i]
            split = best_split(copy, bounds, min_size)
            if split is not None and split[1] >= candidate[1]:
                at_least += 1
        p = (at_least + 1) / (permutations + 1)
        if p > significance:
            return found, {"index": candidate[0], "statistic": candidate[1], "pValue": p}
        found.append({"index": candidate[0], "statistic": candidate[1], "pValue": p})
        bounds = sorted(bounds + [candidate[0]])
    return found, None


rng = np.random.default_rng(20261202)


def series(levels, sd, scale=100.0):
    """Latency-like values: a level (as a factor) per stretch, log-normal noise."""
    parts = [np.exp(np.log(scale * level) + rng.normal(0, sd, length)) for level, length in levels]
    return [float(v) for v in np.concatenate(parts)]


cases = [
    {"name": "10 % step at 20 of 40", "values": series([(1.0, 20), (1.1, 20)], 0.03), "min": 5, "sig": 0.05, "max": 5, "perm": 99, "seed": 1},
    {"name": "two steps, +8 % then -6 %", "values": series([(1.0, 15), (1.08, 15), (1.015, 15)], 0.02), "min": 4, "sig": 0.05, "max": 5, "perm": 99, "seed": 7},
    {"name": "pure noise, 30 values", "values": series([(1.0, 30)], 0.04), "min": 3, "sig": 0.05, "max": 5, "perm": 99, "seed": 3},
    {"name": "step near the start, min segment 3", "values": series([(1.0, 4), (1.2, 22)], 0.03), "min": 3, "sig": 0.05, "max": 3, "perm": 49, "seed": 11},
    {"name": "log ratios around zero with one shift", "values": [float(v) for v in np.concatenate([rng.normal(0, 0.02, 18), rng.normal(0.05, 0.02, 14)])], "min": 4, "sig": 0.1, "max": 4, "perm": 99, "seed": 5},
    {"name": "ties and a plateau", "values": [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 2.0, 3.0, 3.0, 1.0, 3.0, 3.0], "min": 2, "sig": 0.2, "max": 3, "perm": 59, "seed": 2},
]

out = {"numpy_version": np.__version__, "cases": []}
for case in cases:
    v = case["values"]
    found, rejected = e_divisive(v, case["min"], case["sig"], case["max"], case["perm"], case["seed"])
    out["cases"].append({
        "name": case["name"],
        "values": v,
        "minSegmentSize": case["min"],
        "significance": case["sig"],
        "maxChangePoints": case["max"],
        "permutations": case["perm"],
        "seed": case["seed"],
        # Q-hat at every split tau = 1 .. n-1 of the whole series.
        "divergenceBySplit": [float(divergence(v[:tau], v[tau:])) for tau in range(1, len(v))],
        # In the order found.
        "changePoints": [{"index": p["index"], "statistic": float(p["statistic"]), "pValue": p["pValue"]} for p in found],
        "rejected": None if rejected is None else {"index": rejected["index"], "statistic": float(rejected["statistic"]), "pValue": rejected["pValue"]},
    })

# A check of the generator port itself: the first draws of seed 42, compared with createRandom(42).
g = Xoshiro128(42)
out["prng_seed42_first"] = [g.next() for _ in range(5)]

path = pathlib.Path("test/fixtures/change-points/reference.json")
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}: {len(out['cases'])} cases")
for c in out["cases"]:
    print(c["name"], [p["index"] for p in c["changePoints"]], [p["pValue"] for p in c["changePoints"]], c["rejected"])
