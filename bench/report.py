"""A send's report page for 100,000 recipients and 300,000 tracking events, on PostgreSQL.

Builds a fresh database with the demo content, freezes a send of its demo issue to an empty
list (so the send holds the issue's real frozen message, with its donation appeal), then
writes, in a few ``INSERT ... SELECT`` statements, 100 batches and 100,000 deliveries with a
plausible timeline (98% delivered, a third opened, one in twelve clicked, a few bounces,
complaints and unsubscribes), three tracking events per delivery (300,000: delivered, opened,
clicked) and one click count per link of the issue (about 20, the donation button among
them). Then, as a superuser through Django's test client, GETs the report page: two warm-up
requests, then ``REQUESTS`` timed ones.

* ``report_100k_p50_ms``: the median time of the report page's GET (the whole request: the
  session, the page's queries, the template).

The report reads the deliveries' timelines (one aggregate query) and the click counts kept as
events arrive; the events themselves are never read, so the 300,000 only make the tables as
big as a real send's.
"""

from __future__ import annotations

import statistics
import time

from bench import harness
from bench.harness import Result, check, log

ISSUE = "spring-2024-wins-and-the-open-letter"
RECIPIENTS = 100_000
EVENTS_PER_DELIVERY = 3
BATCH_SIZE = 1_000
REQUESTS = 20
TARGET_MS = 300.0
FIGURES = [("report_100k_p50_ms", "ms", "<=", TARGET_MS)]


def build_send():
    """A started send of the demo issue with RECIPIENTS deliveries, their events and the
    per-link click counts; returns it."""
    from django.db import connection
    from django.utils import timezone

    from newsletter.insights.clicks import issue_links
    from newsletter.models import (
        Batch,
        Dispatch,
        LinkClick,
        MailingList,
        NewsletterIssuePage,
    )
    from newsletter.sending.freeze import create_send, freeze

    issue = NewsletterIssuePage.objects.get(slug=ISSUE)
    send = create_send(issue, [MailingList.objects.create(name="bench-report", slug="bench")])
    freeze(send)
    Dispatch.objects.filter(pk=send.pk).update(
        status=Dispatch.Status.SENT, total=RECIPIENTS, finished_at=timezone.now()
    )
    Batch.objects.bulk_create(
        Batch(dispatch_id=send.pk, number=n, status=Batch.Status.SENT, size=BATCH_SIZE)
        for n in range(1, RECIPIENTS // BATCH_SIZE + 1)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO newsletter_delivery (dispatch_id, batch_id, subscriber_id, email, status,
                provider_message_id, attempts, last_error, sent_at, delivered_at, opened_at,
                clicked_at, bounced_at, soft_bounced_at, complained_at, unsubscribed_at)
            SELECT %(send)s, b.id, NULL, 'reader' || n || '@example.org',
                CASE WHEN n %% 200 = 0 THEN 'failed' ELSE 'sent' END,
                'bench-' || n, 1, '', now() - interval '2 days',
                CASE WHEN n %% 50 <> 0 THEN now() - interval '47 hours' END,
                CASE WHEN n %% 3 = 0 THEN now() - interval '40 hours' END,
                CASE WHEN n %% 12 = 0 THEN now() - interval '39 hours' END,
                CASE WHEN n %% 100 = 1 THEN now() - interval '47 hours' END,
                CASE WHEN n %% 150 = 2 THEN now() - interval '47 hours' END,
                CASE WHEN n %% 1000 = 7 THEN now() - interval '30 hours' END,
                CASE WHEN n %% 400 = 5 THEN now() - interval '30 hours' END
            FROM generate_series(1, %(total)s) AS n
            JOIN newsletter_batch b ON b.dispatch_id = %(send)s
                AND b.number = (n - 1) / %(size)s + 1
            """,
            {"send": send.pk, "total": RECIPIENTS, "size": BATCH_SIZE},
        )
        cursor.execute(
            """
            INSERT INTO newsletter_trackingevent (provider, event_id, event_type, message_id,
                recipient, timestamp, delivery_id, raw, received_at)
            SELECT 'mailgun', d.id || '-' || k,
                (ARRAY['delivered', 'opened', 'clicked'])[k], d.provider_message_id, d.email,
                now() - interval '1 day', d.id,
                CASE WHEN k = 3 THEN '{"url": "https://example.org/donate"}'::jsonb
                     ELSE '{}'::jsonb END,
                now()
            FROM newsletter_delivery d CROSS JOIN generate_series(1, %(events)s) AS k
            WHERE d.dispatch_id = %(send)s
            """,
            {"send": send.pk, "events": EVENTS_PER_DELIVERY},
        )
    send.refresh_from_db()
    links = list(issue_links(send.html).values())[:20]
    LinkClick.objects.bulk_create(
        LinkClick(dispatch_id=send.pk, url=link.key, clicks=(n * 7919) % 4000 + 10)
        for n, link in enumerate(links)
    )
    return send, len(links), sum(link.donation for link in links)


def settle() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed_gets(send_id: int) -> list[float]:
    """Milliseconds of each timed GET of the report page, as a superuser."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.create_superuser("bench", "bench@example.org", "x")
    client = Client()
    client.force_login(user)
    url = reverse("newsletter_reports:report", args=[send_id])
    timings = []
    for n in range(REQUESTS + 2):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or b'id="links-table"' not in response.content:
            raise RuntimeError(f"the report page answered {response.status_code}")
        if n >= 2:  # two warm-up requests
            timings.append(elapsed)
    return timings


def run() -> list[Result]:
    if (skipped_all := harness.skipped_without_postgres(FIGURES)) is not None:
        return skipped_all
    with harness.database(require_postgres=True) as url:
        harness.setup_django(url)
        from django.db import connection

        log("report: building the demo content")
        harness.load_demo_content()
        log(f"report: {RECIPIENTS:,} deliveries, {EVENTS_PER_DELIVERY * RECIPIENTS:,} events")
        send, links, donation = build_send()
        settle()
        log(f"report: {REQUESTS} GETs of the report page")
        timings = timed_gets(send.pk)
        connection.close()
    p50 = statistics.median(timings)
    log(f"report: p50 {p50:.1f} ms (min {min(timings):.1f}, max {max(timings):.1f})")
    return [
        check(
            "report_100k_p50_ms", p50, "ms", "<=", TARGET_MS,
            f"PostgreSQL, median of {REQUESTS} GETs of the report page through Django's test "
            f"client as a superuser (min {min(timings):.0f}, max {max(timings):.0f} ms); "
            f"{RECIPIENTS:,} deliveries, {EVENTS_PER_DELIVERY * RECIPIENTS:,} tracking events, "
            f"{links} links counted ({donation} of the donation appeal)",
        )
    ]  # fmt: skip


if __name__ == "__main__":
    harness.main(run)
