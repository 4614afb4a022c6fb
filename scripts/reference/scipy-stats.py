#!/usr/bin/env python3
"""Reference values from SciPy for perf-gate's statistics (src/stats/).

Writes test/fixtures/stats/scipy-reference.json; test/stats/scipy-reference.test.ts asserts that
our TypeScript implementations agree to 1e-6 (most agree to 1e-10). Run from the repository root:

    python3 scripts/reference/scipy-stats.py

The samples are drawn from a fixed NumPy seed so the fixture is reproducible; rounding some of them
to one decimal creates the ties the tie-corrected paths need.
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20240611)
out = {"scipy_version": scipy.__version__, "numpy_version": np.__version__}

# Student t and normal quantiles / CDFs.
t_rows = []
for df in [1, 2, 3, 4, 5, 7, 9, 14, 19, 29, 49, 99, 1000]:
    for p in [1e-6, 0.001, 0.005, 0.0125, 0.025, 0.05, 0.1, 0.3, 0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995]:
        t_rows.append({"df": df, "p": p, "quantile": float(stats.t.ppf(p, df))})
out["t_quantile"] = t_rows
out["t_cdf"] = [
    {"df": df, "t": t, "cdf": float(stats.t.cdf(t, df)), "sf": float(stats.t.sf(t, df))}
    for df in [1, 2, 5, 9, 29, 200]
    for t in [-12.0, -4.0, -2.5, -1.0, -0.1, 0.0, 0.3, 1.7, 2.2, 3.5, 8.0]
]
out["normal"] = [
    {"p": p, "quantile": float(stats.norm.ppf(p)), "cdf_at_quantile": p}
    for p in [1e-12, 1e-8, 1e-4, 0.001, 0.01, 0.025, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.99, 0.9999]
] + [{"z": z, "cdf": float(stats.norm.cdf(z)), "sf": float(stats.norm.sf(z))} for z in [-8.0, -3.0, -1.5, 0.0, 0.5, 2.0, 5.0, 9.0]]


def sample(n, decimals=None, loc=0.0, scale=1.0):
    x = rng.normal(loc, scale, n)
    return [float(v) for v in (np.round(x, decimals) if decimals is not None else x)]


# Mann-Whitney U: exact (small, no ties), asymptotic with ties, both continuity settings, all alternatives.
mwu = []
cases = [
    ("exact small", sample(5), sample(6, loc=0.8), "auto"),
    ("exact 8 vs 12", sample(8), sample(12, loc=0.4), "auto"),
    ("exact 3 vs 4 separated", [1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], "auto"),
    ("asymptotic no ties", sample(20), sample(25, loc=0.5), "auto"),
    ("asymptotic ties", sample(15, 1), sample(18, 1, loc=0.3), "auto"),
    ("small with ties -> asymptotic", sample(6, 0), sample(7, 0, loc=1.0), "auto"),
    ("forced asymptotic small", sample(6), sample(5, loc=1.2), "asymptotic"),
    ("forced exact 10 vs 10", sample(10), sample(10, loc=0.9), "exact"),
    ("heavy ties", [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0], [2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 6.0, 6.0, 6.0], "auto"),
]
for name, x, y, method in cases:
    for alternative in ["two-sided", "less", "greater"]:
        for continuity in [True, False]:
            r = stats.mannwhitneyu(x, y, use_continuity=continuity, alternative=alternative, method=method)
            mwu.append({"name": name, "x": x, "y": y, "method": method, "alternative": alternative,
                        "continuity": continuity, "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
out["mann_whitney"] = mwu

# Wilcoxon signed-rank on differences (zero_method='wilcox').
wil = []
wcases = [
    ("exact n=10", sample(10, loc=0.5), "exact"),
    ("exact n=25", sample(25, loc=0.2), "exact"),
    ("exact n=6", sample(6, loc=-0.4), "exact"),
    ("asymptotic n=60", sample(60, loc=0.15), "asymptotic"),
    ("asymptotic ties", sample(30, 1, loc=0.3), "asymptotic"),
    ("asymptotic zeros and ties", [0.0, 0.0, 0.1, -0.1, 0.2, 0.2, 0.3, -0.3, 0.5, 0.4, 0.4, 0.7, -0.2, 0.9, 1.1], "asymptotic"),
]
for name, d, method in wcases:
    for alternative in ["two-sided", "less", "greater"]:
        for correction in ([False, True] if method == "asymptotic" else [False]):
            r = stats.wilcoxon(d, zero_method="wilcox", correction=correction, alternative=alternative, method=method)
            wil.append({"name": name, "d": d, "method": method, "alternative": alternative, "correction": correction,
                        "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
out["wilcoxon"] = wil

# Student t confidence intervals of a mean, and one-sample t tests.
tint = []
for n in [3, 5, 10, 20, 30]:
    x = sample(n, loc=0.05, scale=0.04)
    for level in [0.9, 0.95, 0.98, 0.99, 0.995]:
        res = stats.ttest_1samp(x, 0.0)
        ci = res.confidence_interval(confidence_level=level)
        tint.append({"x": x, "level": level, "low": float(ci.low), "high": float(ci.high), "mean": float(np.mean(x))})
out["t_interval"] = tint
out["t_test"] = [
    {"x": x, "mu0": mu0, "alternative": alt, "statistic": float(r.statistic), "pvalue": float(r.pvalue)}
    for x in [sample(12, loc=0.1, scale=0.2), sample(25, loc=-0.02, scale=0.05)]
    for mu0 in [0.0, 0.05]
    for alt in ["two-sided", "less", "greater"]
    for r in [stats.ttest_1samp(x, mu0, alternative=alt)]
]

# Sign test = exact binomial test with p = 1/2.
out["sign_test"] = [
    {"positive": k, "n": n, "alternative": alt, "pvalue": float(stats.binomtest(k, n, 0.5, alternative=alt).pvalue)}
    for (k, n) in [(0, 5), (1, 8), (7, 10), (15, 20), (10, 20), (22, 30)]
    for alt in ["two-sided", "less", "greater"]
]

path = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "stats" / "scipy-reference.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path} ({sum(len(v) for v in out.values() if isinstance(v, list))} reference values)")
