"""Reads the service's knobs from the environment once, up front, so a bad value stops the process
before it listens. Pure: takes a mapping, returns a frozen Config or raises ConfigError."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Mapping, Optional
from urllib.parse import urlsplit, urlunsplit


class ConfigError(Exception):
    """A knob with an invalid value. The entry point prints the message and exits with code 2."""


@dataclass(frozen=True)
class Config:
    port: int
    host: str
    database_url: str
    pool_size: int
    early_exit_score: Optional[float]
    rerank_work: int
    slowdown: float
    extra_work_ms: float = 0.0


# Rerank mixing rounds per candidate. CPython does one round for 20 candidates in about 2-3 ms on
# a 2-core CI runner, so the default of 2 keeps the rerank at a few milliseconds, as in the Node
# backend (whose default of 20 rounds costs about the same there).
DEFAULT_RERANK_WORK = 2

# ASCII digits only: Python's \d and int() would also take other scripts' digits.
_INTEGER = re.compile(r"^[0-9]+$")
# A plain decimal number; float() alone would also take "1_000", "inf" and "nan".
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def _invalid(name: str, given: str, allowed: str) -> ConfigError:
    # Same shape as perf-gate's own messages: the input, what was given, what is allowed.
    return ConfigError(f"{name}: got {json.dumps(given, ensure_ascii=False)}; expected {allowed}")


def _blank(raw: Optional[str]) -> bool:
    return raw is None or raw.strip() == ""


def _integer_knob(env: Mapping[str, str], name: str, fallback: int, low: int, high: int) -> int:
    raw = env.get(name)
    if _blank(raw):
        return fallback
    allowed = f"an integer from {low} to {high}"
    if not _INTEGER.match(raw.strip()):
        raise _invalid(name, raw, allowed)
    value = int(raw.strip())
    if value < low or value > high:
        raise _invalid(name, raw, allowed)
    return value


def _number_knob(env: Mapping[str, str], name: str, fallback: float, low: float, high: float, allowed: str) -> float:
    raw = env.get(name)
    if _blank(raw):
        return fallback
    if not _NUMBER.match(raw.strip()):
        raise _invalid(name, raw, allowed)
    value = float(raw.strip())
    if not math.isfinite(value) or value < low or value > high:
        raise _invalid(name, raw, allowed)
    return value


def _database_url(env: Mapping[str, str]) -> str:
    """Checks DATABASE_URL without ever echoing it: a connection URL usually carries a password,
    and an error message is exactly the kind of text that ends up in a CI log."""
    raw = env.get("DATABASE_URL")
    expected = "a connection URL such as postgres://user:password@host:5432/database"
    if _blank(raw):
        raise ConfigError(f"DATABASE_URL: got nothing; expected {expected}")
    text = raw.strip()
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if not match:
        raise ConfigError(
            f"DATABASE_URL: got a value that is not a URL (not shown, it may hold a password); expected {expected}"
        )
    scheme = match.group(1).lower()
    if scheme not in ("postgres", "postgresql"):
        raise ConfigError(f"DATABASE_URL: got a {json.dumps(scheme)} URL; expected {expected}")
    return text


def mask_database_url(raw: str) -> str:
    """The URL with its password replaced by ***, for log lines."""
    try:
        parts = urlsplit(raw)
        if parts.password is None:
            return raw
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        netloc = f"{parts.username or ''}:***@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "(unparseable URL)"


def _early_exit_score(env: Mapping[str, str]) -> Optional[float]:
    """EARLY_EXIT_SCORE: unset, empty or "off" disables early exit; otherwise a score in [0, 1]."""
    raw = env.get("EARLY_EXIT_SCORE")
    if _blank(raw) or raw.strip().lower() == "off":
        return None
    return _number_knob(env, "EARLY_EXIT_SCORE", 0.0, 0, 1, 'a score from 0 to 1 (e.g. 0.9), or "off"')


def parse_config(env: Mapping[str, str]) -> Config:
    host = env.get("HOST")
    return Config(
        port=_integer_knob(env, "PORT", 8080, 0, 65535),
        host="0.0.0.0" if _blank(host) else host.strip(),
        database_url=_database_url(env),
        pool_size=_integer_knob(env, "DB_POOL_SIZE", 10, 1, 1000),
        early_exit_score=_early_exit_score(env),
        rerank_work=_integer_knob(env, "RERANK_WORK", DEFAULT_RERANK_WORK, 0, 100000),
        slowdown=_number_knob(
            env, "SLOWDOWN", 0.0, 0, 10, "a fraction from 0 to 10 (0.05 makes every request take 5 % longer)"
        ),
        extra_work_ms=_number_knob(
            env,
            "EXTRA_WORK_MS",
            0.0,
            0,
            1000,
            "CPU milliseconds of extra work per request, from 0 to 1000 (0.5 adds half a millisecond of mixing)",
        ),
    )
