"""What a reader's search text becomes before it reaches the search backend."""

from __future__ import annotations

import re

MAX_QUERY_LENGTH = 200

# NUL can't be stored or compared in PostgreSQL; a double quote ends the quoted term that
# Wagtail's SQLite backend builds for each word ("unterminated string"). Neither means anything
# in a plain-text search, so both count as spaces.
_UNSEARCHABLE = re.compile(r'[\x00"]')


def clean_search_query(text: str) -> str:
    """``text`` without characters that break a backend, spaces collapsed, at most
    :data:`MAX_QUERY_LENGTH` characters."""
    return " ".join(_UNSEARCHABLE.sub(" ", text).split())[:MAX_QUERY_LENGTH].strip()
