"""``manage.py newsletter_send ISSUE --list SLUG [--list SLUG ...] [--wait] [--workers N]
[--include-previous-recipients]``."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django_tasks import default_task_backend

from newsletter.issues.blocks import RenderError
from newsletter.issues.lookup import IssueNotFound, find_issue
from newsletter.models import MailingList, Segment
from newsletter.sending.control import start
from newsletter.sending.freeze import (
    SendError,
    audience_of,
    create_send,
    freeze,
    previous_recipients,
)
from newsletter.sending.outcomes import BatchOutcome
from newsletter.sending.progress import finish_if_done, progress
from newsletter.sending.tasks import send_batches
from newsletter.sending.worker import run_send


class ProgressLine:
    """A one-line progress bar on a terminal; a line every few seconds otherwise."""

    def __init__(self, stream, total: int, interactive: bool) -> None:
        self.stream, self.total, self.interactive = stream, total, interactive
        self.started = time.monotonic()
        self.last_line = 0.0

    def show(self, counts: dict[str, int], final: bool = False) -> None:
        now = time.monotonic()
        if not final and not self.interactive and now - self.last_line < 5:
            return
        self.last_line = now
        done = self.total - counts["remaining"]
        elapsed = max(now - self.started, 1e-6)
        rate = counts["sent"] / elapsed
        eta = counts["remaining"] / rate if rate else 0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        line = (
            f"[{bar}] {done:,}/{self.total:,}  sent {counts['sent']:,}  failed "
            f"{counts['failed']:,}  unknown {counts['unknown']:,}  {rate:,.0f}/s  eta {eta:,.0f}s"
        )
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class BatchTally:
    """Progress counts kept from each batch's outcome, re-read from the database (one GROUP BY
    over the whole send) only every few seconds, to see what other workers did."""

    REFRESH_SECONDS = 5.0

    def __init__(self, send, total: int) -> None:
        self.send, self.total = send, total
        self.counts = progress(send)
        self.read_at = time.monotonic()

    def add(self, outcome: BatchOutcome) -> dict[str, int]:
        if time.monotonic() - self.read_at > self.REFRESH_SECONDS:
            self.counts, self.read_at = progress(self.send), time.monotonic()
            return self.counts
        done = outcome.sent + outcome.failed + outcome.skipped
        self.counts["sent"] += outcome.sent
        self.counts["failed"] += outcome.failed
        self.counts["skipped"] += outcome.skipped
        if outcome.unknown:
            self.counts["unknown"] = progress(self.send)["unknown"]
        self.counts["remaining"] = max(0, self.counts["remaining"] - done)
        return self.counts


class Command(BaseCommand):
    help = "Send a published newsletter issue to lists and/or segments (in batches, never twice)."
    # The newsletter's own checks (apps, URL includes, BASE_URL, base template): a send with a
    # broken configuration stops before it starts. `manage.py check` runs every other check.
    requires_system_checks = ["newsletter"]

    def add_arguments(self, parser) -> None:
        parser.add_argument("issue", help="Page id, slug, or 'latest'.")
        parser.add_argument(
            "--list", dest="lists", action="append", default=[], metavar="SLUG",
            help="A mailing list to send to; repeat for several.",
        )  # fmt: skip
        parser.add_argument(
            "--segment", dest="segments", action="append", default=[], metavar="NAME",
            help="A saved segment to send to (its name); repeat for several.",
        )  # fmt: skip
        parser.add_argument(
            "--include-inactive",
            action="store_true",
            help="Also send to readers the sunset policy flagged as inactive (left out by "
            "default).",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Send in the foreground with a progress bar; exit non-zero if anything failed.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Background tasks to queue (with a database or RQ task backend).",
        )
        parser.add_argument(
            "--include-previous-recipients",
            action="store_true",
            help="Also send to people who already received this issue in an earlier send "
            "(they get it twice). Without it they are left out.",
        )

    def handle(self, *args, **options) -> None:
        lists, segments = self.audience(options["lists"], options["segments"])
        include_previous = options["include_previous_recipients"]
        include_sunset = options["include_inactive"]
        try:
            issue = find_issue(options["issue"])
            self.check_previous(issue, lists, segments, include_previous, include_sunset)
            send = create_send(issue, lists, segments=segments, include_sunset=include_sunset)
        except (IssueNotFound, RenderError, SendError) as error:
            raise CommandError(str(error)) from error

        if not options["wait"]:
            total = start(
                send, workers=options["workers"], include_previous_recipients=include_previous
            )
            self.stdout.write(
                f"Send {send.pk}: “{send.subject}” to {total:,} recipients queued. "
                f"Follow it with: manage.py newsletter_status {send.pk}"
            )
            return

        total = freeze(send, include_previous_recipients=include_previous)
        self.stdout.write(f"Send {send.pk}: sending “{send.subject}” to {total:,}.")
        immediate = type(default_task_backend).__name__ == "ImmediateBackend"
        if not immediate:
            for _ in range(max(0, options["workers"] - 1)):
                send_batches.enqueue(send.pk)  # extra workers share the load
        interactive = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
        bar = ProgressLine(self.stdout, total, interactive)
        tally = BatchTally(send, total)
        run_send(send.pk, on_progress=lambda outcome: bar.show(tally.add(outcome)))
        while not finish_if_done(send.pk):  # other workers may still hold batches
            send.refresh_from_db()
            if send.status != send.Status.SENDING:
                break
            bar.show(progress(send))
            time.sleep(0.5)
        counts = progress(send)
        bar.show(counts, final=True)
        send.refresh_from_db()
        if send.status == send.Status.PAUSED:
            raise CommandError(
                f"Send {send.pk} paused with {counts['remaining']:,} still to send: "
                f"{send.last_error or 'paused by an operator.'} Resume it in the admin "
                f"(Newsletter sends) once that is fixed."
            )
        self.stdout.write(
            f"Send {send.pk} {send.get_status_display().lower()}: "
            f"{counts['sent']:,} sent, {counts['failed']:,} failed, {counts['unknown']:,} "
            f"unknown, {counts['skipped']:,} skipped (left a list during the send)."
        )
        if counts["failed"] or counts["unknown"]:
            raise CommandError(
                "Some deliveries did not go out. Unknown ones may have been delivered: check "
                f"`manage.py newsletter_status {send.pk}` before re-sending them."
            )

    def audience(self, slugs: list[str], names: list[str]) -> tuple[list, list]:
        """The lists (by slug) and segments (by name) asked for; an error names any unknown."""
        if not slugs and not names:
            raise CommandError("Give at least one --list SLUG or --segment NAME.")
        lists = list(MailingList.objects.filter(slug__in=slugs))
        missing = sorted(set(slugs) - {m.slug for m in lists})
        if missing:
            raise CommandError(f"No mailing list with slug: {', '.join(missing)}")
        segments = list(Segment.objects.filter(name__in=names))
        unknown = sorted(set(names) - {s.name for s in segments})
        if unknown:
            raise CommandError(f"No segment named: {', '.join(unknown)}")
        if len(segments) > len(set(names)):
            raise CommandError("Several segments have that name: rename them in the admin.")
        return lists, segments

    def check_previous(
        self, issue, lists: list, segments: list, include_previous: bool, include_sunset: bool
    ) -> None:
        """Say who an earlier send of the issue already reached: left out (refused if that is
        everyone), or included again with ``--include-previous-recipients``."""
        previous = previous_recipients(
            issue, lists, segments=segments, include_sunset=include_sunset
        )
        if not previous.count:
            return
        if include_previous:
            self.stdout.write(
                f"Including people who already have this issue ({previous.describe()}): "
                "they receive it again (--include-previous-recipients)."
            )
            return
        if previous.count >= audience_of(lists, segments, include_sunset=include_sunset).count():
            raise SendError(
                f"Nobody to send to: the issue was {previous.describe()}, everyone these lists "
                "reach now. To send it to them again: --include-previous-recipients."
            )
        self.stdout.write(
            f"Left out: the issue was {previous.describe()} in an earlier send; nobody receives "
            "it twice (--include-previous-recipients sends to them too)."
        )
