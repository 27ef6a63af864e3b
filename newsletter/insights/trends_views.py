"""Admin views of trends: list growth, rates per send, complaint rates over time."""

from __future__ import annotations

URL_NAMESPACE = "newsletter_trends"


def urls() -> list:
    return []
