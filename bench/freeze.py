"""Freezing a send alone: 100,000 recipients written as batches and deliveries, on PostgreSQL.

Builds a fresh database with the demo content (its published demo issue) and one list holding
100,000 people the send reaches (active, express consent) beside 8,000 it must leave out
(pending, unsubscribed, suppressed, implied consent lapsed), then times :func:`freeze` on a
fresh send each time, median of three:

* ``freeze_100k_seconds``: the first send of the issue (nobody to leave out as having had it);
* ``freeze_100k_second_send_seconds``: the same with an earlier send of the issue on record
  (100,000 deliveries, none of which reached anyone), so the "never twice" filter runs.

Each freeze is checked: 100,000 deliveries in 100 batches of 1,000, none for anyone it must
leave out. Between freezes the timed send is deleted and the tables vacuumed, so each one
starts alike. The note gives the PostgreSQL backend's CPU seconds beside the wall time (when
the server runs on this machine): on a shared machine they move less than the wall time.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable

from bench import harness
from bench.harness import Result, check, log

ISSUE = "spring-2024-wins-and-the-open-letter"
LIST = "bench-freeze"
RECIPIENTS = 100_000
LEFT_OUT = 2_000  # of each kind: pending, unsubscribed, suppressed, implied consent lapsed
BATCH_SIZE = 1_000
REPEATS = 3
TARGET = 1.0
FIGURES = [
    ("freeze_100k_seconds", "s", "<=", TARGET),
    ("freeze_100k_second_send_seconds", "s", "<=", TARGET),
]


def build_audience() -> None:
    """RECIPIENTS people the send reaches, then LEFT_OUT of each kind it must not."""
    import datetime

    from django.utils import timezone

    from newsletter.audience.bulk_insert import insert_ignoring_conflicts
    from newsletter.models import MailingList, Subscriber, Subscription, Suppression
    from newsletter.models.audience import new_public_id

    total = RECIPIENTS + 4 * LEFT_OUT
    for start in range(0, total, 10_000):
        insert_ignoring_conflicts(
            Subscriber,
            {"language": "en"},
            [
                {"email": f"freeze{n}@example.org", "name": f"F {n}", "public_id": new_public_id()}
                for n in range(start, min(start + 10_000, total))
            ],
        )
    ids = list(
        Subscriber.objects.filter(email__startswith="freeze")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    mailing_list = MailingList.objects.create(name=LIST, slug=LIST)
    constants = {
        "mailing_list_id": mailing_list.pk,
        "status": Subscription.Status.ACTIVE,
        "consent_type": Subscription.ConsentType.EXPRESS,
        "source": Subscription.Source.IMPORT,
        "consented_at": now,
    }
    for start in range(0, total, 10_000):
        insert_ignoring_conflicts(
            Subscription,
            constants,
            [{"public_id": new_public_id(), "subscriber_id": pk} for pk in ids[start:][:10_000]],
        )
    # Spread the ones left out over the list (every 13th person after the first RECIPIENTS
    # would keep them at the end, where they change nothing in the numbering).
    out = ids[::13][: 4 * LEFT_OUT]
    pending, unsubscribed, suppressed, lapsed = (out[k::4] for k in range(4))
    on_list = Subscription.objects.filter(mailing_list=mailing_list)
    on_list.filter(subscriber_id__in=pending).update(status=Subscription.Status.PENDING)
    on_list.filter(subscriber_id__in=unsubscribed).update(status=Subscription.Status.UNSUBSCRIBED)
    on_list.filter(subscriber_id__in=lapsed).update(
        consent_type=Subscription.ConsentType.IMPLIED,
        consented_at=now - datetime.timedelta(days=3 * 365),
    )
    Suppression.objects.bulk_create(
        Suppression(email=email, reason=Suppression.Reason.HARD_BOUNCE)
        for email in Subscriber.objects.filter(pk__in=suppressed).values_list("email", flat=True)
    )


def settle() -> None:
    """Statistics for the planner and dirty pages written out (untimed, between freezes)."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        with contextlib.suppress(DatabaseError):  # CHECKPOINT needs a superuser (or PG 15's
            cursor.execute("CHECKPOINT")  # pg_checkpoint role); without it, just skip it


def new_send():
    from newsletter.models import Dispatch, MailingList, NewsletterIssuePage
    from newsletter.sending.freeze import create_send

    issue = NewsletterIssuePage.objects.get(slug=ISSUE)
    send = create_send(issue, [MailingList.objects.get(slug=LIST)])
    Dispatch.objects.filter(pk=send.pk).update(batch_size=BATCH_SIZE)
    send.batch_size = BATCH_SIZE
    return send


def verify(send, total: int) -> None:
    from django.db.models import Count, Max, Min

    from newsletter.models import Batch, Delivery, Subscription, Suppression

    deliveries = Delivery.objects.filter(dispatch=send)
    batches = Batch.objects.filter(dispatch=send)
    sizes = batches.aggregate(n=Count("pk"), low=Min("size"), high=Max("size"))
    excluded = Subscription.objects.exclude(status=Subscription.Status.ACTIVE).values(
        "subscriber_id"
    )
    wrong = (
        deliveries.filter(subscriber_id__in=excluded).exists()
        or deliveries.filter(email__in=Suppression.objects.values("email")).exists()
    )
    expected_batches = {"n": RECIPIENTS // BATCH_SIZE, "low": BATCH_SIZE, "high": BATCH_SIZE}
    if total != RECIPIENTS or deliveries.count() != RECIPIENTS or sizes != expected_batches:
        raise RuntimeError(f"froze {total}, {deliveries.count()} deliveries, batches {sizes}")
    if wrong:
        raise RuntimeError("someone who must be left out was frozen")


def discard(send) -> None:
    """Delete a timed send and its rows (raw DELETEs: no 100,000 objects through Python)."""
    from django.db import connection

    from newsletter.models import Batch, Delivery, Dispatch

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Delivery._meta.db_table} WHERE dispatch_id = %s", [send.pk])
        cursor.execute(f"DELETE FROM {Batch._meta.db_table} WHERE dispatch_id = %s", [send.pk])
    Dispatch.objects.filter(pk=send.pk).delete()


def server_cpu() -> Callable[[], float | None]:
    """CPU seconds used so far by this connection's PostgreSQL backend, when the server runs on
    this machine (None otherwise): unlike wall time, hardly changed by other work sharing it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = f"/proc/{cursor.fetchone()[0]}/stat"

    def seconds() -> float | None:
        try:
            with open(stat) as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return seconds


def timed_freezes(include_previous_recipients: bool) -> tuple[list[float], list[float]]:
    """Wall seconds of each freeze, and the PostgreSQL backend's CPU seconds (if readable)."""
    from newsletter.sending.freeze import freeze

    seconds, cpu = [], []
    for _ in range(REPEATS):
        send = new_send()
        settle()
        cpu_used = server_cpu()
        cpu_before, started = cpu_used(), time.perf_counter()
        total = freeze(send, include_previous_recipients=include_previous_recipients)
        seconds.append(time.perf_counter() - started)
        cpu_after = cpu_used()
        if cpu_before is not None and cpu_after is not None:
            cpu.append(cpu_after - cpu_before)
        verify(send, total)
        discard(send)
    return seconds, cpu


def earlier_send_that_reached_nobody() -> None:
    """An earlier send of the issue on record: frozen, every delivery failed."""
    from newsletter.models import Delivery, Dispatch
    from newsletter.sending.freeze import freeze

    send = new_send()
    freeze(send, include_previous_recipients=True)
    Delivery.objects.filter(dispatch=send).update(status=Delivery.Status.FAILED)
    Dispatch.objects.filter(pk=send.pk).update(status=Dispatch.Status.FAILED)


def row(name: str, timings: tuple[list[float], list[float]], what: str) -> Result:
    seconds, cpu = timings
    runs = ", ".join(f"{s:.2f}" for s in seconds)
    server = f", PostgreSQL CPU {statistics.median(cpu):.2f} s" if cpu else ""
    return check(
        name, statistics.median(seconds), "s", "<=", TARGET,
        f"PostgreSQL, median of {REPEATS} ({runs} s{server}); {what}; {RECIPIENTS:,} "
        f"recipients in batches of {BATCH_SIZE:,}, {4 * LEFT_OUT:,} on the list left out",
    )  # fmt: skip


def run() -> list[Result]:
    if (skipped_all := harness.skipped_without_postgres(FIGURES)) is not None:
        return skipped_all
    with harness.database(require_postgres=True) as url:
        harness.setup_django(url)
        from django.db import connection

        log(f"freeze: building the demo content and {RECIPIENTS + 4 * LEFT_OUT:,} subscribers")
        harness.load_demo_content()
        build_audience()
        log("freeze: the first send of the issue")
        first = timed_freezes(include_previous_recipients=False)
        log(f"freeze: {', '.join(f'{s:.2f}' for s in first[0])} s; with an earlier send on record")
        earlier_send_that_reached_nobody()
        second = timed_freezes(include_previous_recipients=False)
        log(f"freeze: {', '.join(f'{s:.2f}' for s in second[0])} s")
        connection.close()
    return [
        row("freeze_100k_seconds", first, "the issue's first send"),
        row(
            "freeze_100k_second_send_seconds", second,
            "an earlier send of the issue on record (100,000 failed deliveries): the "
            "never-twice filter runs",
        ),
    ]  # fmt: skip


if __name__ == "__main__":
    harness.main(run)
