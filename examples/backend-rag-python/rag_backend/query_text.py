"""How a user's query becomes something the database can match. Pure functions, the same rules
as examples/backend-rag/lib/query-text.mjs (the golden answers are stored under these hashes)."""
from __future__ import annotations

import hashlib
import re

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 16

# Every run of characters other than letters and digits ([\W_] is "not a word character, or an
# underscore"; Python's word characters are the Unicode letters and digits plus the underscore).
_SEPARATORS = re.compile(r"[\W_]+")


def normalize_query(text: str) -> str:
    """Lower case, every run of non-letters and non-digits becomes one space, trimmed."""
    return _SEPARATORS.sub(" ", text.lower()).strip()


def question_hash(normalized: str) -> str:
    """md5 hex of the normalized query: the key of golden_answers.query_hash."""
    return hashlib.md5(normalized.encode("utf-8")).hexdigest()


def query_terms(normalized: str) -> list[str]:
    """Distinct terms in order of appearance, at most MAX_TERMS. Only letters and digits survive
    normalization, so no term can carry tsquery syntax."""
    if normalized == "":
        return []
    return list(dict.fromkeys(normalized.split(" ")))[:MAX_TERMS]


def or_ts_query(terms: list[str]) -> str:
    """OR of the terms for to_tsquery(): a document matching any term is a candidate."""
    return " | ".join(terms)
