"""The rerank step: a deterministic, CPU-bound stand-in for a cross-encoder, built like the Node
backend's (hashed character-trigram embeddings, a small fixed recurrent mixer run for `work`
rounds per candidate, blended with the retrieval score). Real arithmetic, no sleeps. Pure: same
inputs, same order and scores. `burn_work` reuses the mixer for SLOWDOWN's injected work."""
from __future__ import annotations

import math
import time
from operator import mul
from typing import Callable

DIM = 64
_MASK = 0xFFFFFFFF


def _mulberry32(seed: int) -> Callable[[], float]:
    """mulberry32, a public-domain 32-bit generator: fixed weights on every machine."""
    state = seed & _MASK

    def imul(a: int, b: int) -> int:
        return (a * b) & _MASK

    def next_value() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & _MASK
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & _MASK
        return ((t ^ (t >> 14)) & _MASK) / 4294967296

    return next_value


def _weights() -> list[list[float]]:
    draw = _mulberry32(20240622)
    scale = 1 / math.sqrt(DIM)
    # Scaled so the recurrence stays bounded (spectral radius below 1 on average).
    return [[(draw() * 2 - 1) * scale for _ in range(DIM)] for _ in range(DIM)]


WEIGHTS = _weights()
_readout_draw = _mulberry32(7)
READOUT = [_readout_draw() * 2 - 1 for _ in range(DIM)]


def embed(text: str) -> list[float]:
    """Hashed bag of character trigrams (FNV-1a over code points), L2-normalized."""
    vector = [0.0] * DIM
    padded = f" {text} "
    for i in range(len(padded) - 2):
        h = 0x811C9DC5
        for ch in padded[i : i + 3]:
            h = ((h ^ ord(ch)) * 0x01000193) & _MASK
        vector[h % DIM] += 1
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _cross_score(query_vec: list[float], doc_vec: list[float], rounds: int) -> float:
    """Relevance of one document to the query in [0, 1] after `rounds` rounds of DIM rows each."""
    state = [q * d * DIM for q, d in zip(query_vec, doc_vec)]
    bias = [q + d for q, d in zip(query_vec, doc_vec)]
    tanh = math.tanh
    for _ in range(rounds):
        state = [tanh(b + sum(map(mul, row, state))) for b, row in zip(bias, WEIGHTS)]
    out = sum(map(mul, READOUT, state))
    return 1 / (1 + math.exp(-out))


# Rows of the mixer between two looks at the clock in burn_work: 8 of 64 rows take about 20-50 us
# in CPython, so the injected work overshoots its deadline by that much at most. Checking once per
# whole round (64 rows, 0.2-0.4 ms on a busy runner) would overshoot by about half a round on
# average, which is as much as the 5 % being injected into a 5-10 ms request.
_BURN_CHUNK_ROWS = 8


def burn_work(done: Callable[[], bool]) -> tuple[int, float]:
    """Runs the mixer, a few rows at a time, until `done()` says stop, and returns the number of
    chunks and a value derived from the state so the work is not optimized away. For SLOWDOWN."""
    seed = embed("perf-gate slowdown")
    state = [v * DIM for v in seed]
    bias = [2 * v for v in seed]
    tanh = math.tanh
    chunks = 0
    row = 0
    while not done():
        end = row + _BURN_CHUNK_ROWS
        for r in range(row, end):
            state[r] = tanh(bias[r] + sum(map(mul, WEIGHTS[r], state)))
        row = end % DIM
        chunks += 1
    return chunks, sum(map(mul, READOUT, state))


def burn_chunks(chunks: int) -> float:
    """Runs exactly `chunks` chunks of mixer rows (the chunks of burn_work) and returns a value
    derived from the state. For EXTRA_WORK_MS: a fixed amount of work per request, whatever the
    clock says."""
    seed = embed("perf-gate extra work")
    state = [v * DIM for v in seed]
    bias = [2 * v for v in seed]
    tanh = math.tanh
    row = 0
    for _ in range(chunks):
        end = row + _BURN_CHUNK_ROWS
        for r in range(row, end):
            state[r] = tanh(bias[r] + sum(map(mul, WEIGHTS[r], state)))
        row = end % DIM
    return sum(map(mul, READOUT, state))


def chunks_per_cpu_ms(sample_ms: float = 200.0) -> float:
    """Chunks of burn_chunks per millisecond of this thread's CPU time, measured over about
    `sample_ms` of work (CPU time, not wall time, so a busy machine that preempts the process does
    not change the count much). EXTRA_WORK_MS is turned into a fixed number of chunks with it, once,
    at start."""
    clock = time.thread_time_ns
    start = clock()
    chunks = 0
    while clock() - start < sample_ms * 1e6:
        burn_chunks(50)
        chunks += 50
    return chunks / ((clock() - start) / 1e6)


def rerank(query: str, candidates: list[dict], work: int, query_vec: list[float] | None = None) -> list[dict]:
    """Candidates with `rerankScore`, best first (ties broken by id, so the order is total).
    `query_vec` is embed(query) when the caller has it already."""
    if query_vec is None:
        query_vec = embed(query)
    scored = []
    for candidate in candidates:
        model = _cross_score(query_vec, embed(f"{candidate['title']} {candidate['body']}"), work)
        scored.append({**candidate, "rerankScore": 0.5 * candidate["score"] + 0.5 * model})
    scored.sort(key=lambda c: (-c["rerankScore"], c["id"]))
    return scored
