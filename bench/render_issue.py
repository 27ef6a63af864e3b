"""Rendering benchmark: a 12-item demo issue, uncached (template, MJML, premailer, text).

Builds a fresh database with the demo content and an issue of 12 featured pages plus a donation
appeal; renders it 30 times without the render cache. Run with ``make bench`` (all figures) or
``.venv/bin/python -m bench.render_issue``.
"""

from __future__ import annotations

import statistics
import time

from bench import harness
from bench.harness import Result, check

RUNS = 30
FIGURES = [("render_issue_ms", "ms", "<=", 50), ("render_issue_kb", "KB", "<=", 100)]


def build_issue():
    from django.core.management import call_command

    from advocacy.models import AdvocacyPage
    from newsletter.models import NewsletterIssuePage

    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo = NewsletterIssuePage.objects.get(slug="spring-2024-wins-and-the-open-letter")
    pages = list(AdvocacyPage.objects.live().order_by("-date")[:12])
    body = [{"type": "intro", "value": "<p>Twelve updates from the month.</p>"}]
    body += [{"type": "featured_page", "value": {"page": p.pk}} for p in pages]
    body += [{"type": "donation_appeal", "value": {"appeal": None}}]
    issue = demo.get_parent().add_child(
        instance=NewsletterIssuePage(
            title="Twelve items", slug="bench-twelve", subject="Twelve items", body=body
        )
    )
    issue.save_revision().publish()
    return NewsletterIssuePage.objects.get(pk=issue.pk)


def run() -> list[Result]:
    with harness.database() as url:
        harness.setup_django(url)
        from django.db import connection

        from newsletter.issues.rendering import render_issue

        issue = build_issue()
        render_issue(issue)  # warm up template loading and MRML
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            rendered = render_issue(issue)
            times.append((time.perf_counter() - started) * 1000)
        connection.close()
    note = f"median of {RUNS} uncached renders, {harness.database_kind(url)}"
    return [
        check("render_issue_ms", statistics.median(times), "ms", "<=", 50, note),
        check("render_issue_kb", rendered.html_bytes / 1024, "KB", "<=", 100, "inlined HTML"),
    ]


if __name__ == "__main__":
    harness.main(run)
