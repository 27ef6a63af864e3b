"""Admin views of a send's report (rates, per-link clicks) and its CSV exports."""

from __future__ import annotations

URL_NAMESPACE = "newsletter_reports"


def urls() -> list:
    return []
