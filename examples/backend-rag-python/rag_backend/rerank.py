"""The rerank step: a deterministic, CPU-bound stand-in for a cross-encoder, built like the Node
backend's (hashed character-trigram embeddings, a small fixed recurrent mixer run for `work`
rounds per candidate, blended with the retrieval score). Real arithmetic, no sleeps. Pure: same
inputs, same order and scores. `burn_work` reuses the mixer for SLOWDOWN's injected work."""
from __future__ import annotations

import math
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


def burn_work(done: Callable[[], bool]) -> tuple[int, float]:
    """Runs mixing rounds until `done()` says stop, checking after every round (about 0.1 ms), and
    returns a value derived from the state so the work is not optimized away. For SLOWDOWN only."""
    seed = embed("perf-gate slowdown")
    total = 0.0
    rounds = 0
    while not done():
        total += _cross_score(seed, seed, 1)
        rounds += 1
    return rounds, total


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
