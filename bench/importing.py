"""Import benchmark: a 100,000-row CSV through ``manage.py newsletter_import_subscribers``.

Builds a fresh database (migrated, one list) with 10,000 existing subscribers on another list
(so the import meets people it already knows), writes a 100,000-row CSV (email, name, language,
consented_at; 500 invalid addresses and 500 repeated rows among them, which are reported), and
runs the command in its own process: ``import_100k_seconds`` is its wall time (start to exit),
``import_peak_mb`` its peak RSS. Afterwards the list must hold exactly the rows that were good.
"""

from __future__ import annotations

import csv
import os
import tempfile

from bench import harness
from bench.harness import Result, check, log

ROWS = 100_000
INVALID = 500
REPEATED = 500
EXISTING = 10_000
FIGURES = [("import_100k_seconds", "s", "<=", 60), ("import_peak_mb", "MB", "<=", 200)]


def write_csv(path: str) -> int:
    """The CSV; returns how many rows should be imported."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["email", "name", "language", "consented_at"])
        good = ROWS - INVALID - REPEATED
        for n in range(good):
            writer.writerow(
                [f"person{n}@example.org", f"Person {n}", "fr" if n % 5 == 0 else "en",
                 "" if n % 3 else "2025-03-31"]
            )  # fmt: skip
        for n in range(INVALID):
            writer.writerow([f"not-an-address-{n}", f"Broken {n}", "en", ""])
        for n in range(REPEATED):
            writer.writerow([f"PERSON{n * 7}@example.org", "Again", "en", ""])
    return good


def existing_subscribers() -> None:
    """People already known (on another list): the import adds them without creating them."""
    from django.utils import timezone

    from newsletter.audience.bulk_insert import insert_ignoring_conflicts
    from newsletter.models import MailingList, Subscriber, Subscription
    from newsletter.models.audience import new_public_id

    other = MailingList.objects.create(name="Other list", slug="other")
    insert_ignoring_conflicts(
        Subscriber,
        {"language": "en"},
        [
            {"email": f"person{n * 10}@example.org", "name": f"Known {n}"}
            | {"public_id": new_public_id()}
            for n in range(EXISTING)
        ],
    )
    insert_ignoring_conflicts(
        Subscription,
        {
            "mailing_list_id": other.pk,
            "status": Subscription.Status.ACTIVE,
            "consent_type": Subscription.ConsentType.EXPRESS,
            "source": Subscription.Source.IMPORT,
            "consented_at": timezone.now(),
        },
        [
            {"public_id": new_public_id(), "subscriber_id": pk}
            for pk in Subscriber.objects.values_list("pk", flat=True)
        ],
    )


def run() -> list[Result]:
    with harness.database() as url, tempfile.TemporaryDirectory(prefix="bench-") as directory:
        harness.setup_django(url)
        from django.db import connection

        from newsletter.models import MailingList, Subscription

        mailing_list = MailingList.objects.create(name="Imported", slug="bench-import")
        existing_subscribers()
        path = os.path.join(directory, "subscribers.csv")
        expected = write_csv(path)
        size_mb = os.path.getsize(path) / 2**20
        connection.close()
        log(f"importing: {ROWS:,} rows ({size_mb:.1f} MB CSV)")
        result = harness.run_child(
            harness.manage(
                "newsletter_import_subscribers", path, "--list", "bench-import",
                "--consent", "express", "--source", "Benchmark CSV", "--imported-by", "bench",
            ),
            harness.child_env(url),
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"import failed: {result.stderr[-3000:]}")
        imported = Subscription.objects.filter(mailing_list=mailing_list, status="active").count()
        if imported != expected:
            raise RuntimeError(f"{imported} subscriptions imported, expected {expected}")
        connection.close()
    note = (
        f"{harness.database_kind(url)}; {expected:,} imported, {INVALID} invalid and "
        f"{REPEATED} repeated rows reported, {EXISTING:,} already known"
    )
    return [
        check("import_100k_seconds", result.seconds, "s", "<=", 60, note),
        check("import_peak_mb", result.peak_rss_mb, "MB", "<=", 200, "peak RSS of the command"),
    ]


if __name__ == "__main__":
    harness.main(run)
