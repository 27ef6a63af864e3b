"""``manage.py newsletter_status [SEND]``: recent sends, or one in detail."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from newsletter.management.commands._times import local_time
from newsletter.models import Batch, Dispatch
from newsletter.sending.progress import funnel, progress


class Command(BaseCommand):
    help = "Show recent sends, or one send's progress, funnel and unknown batches."
    # It only reads: no system checks (they load the whole URLconf), so a script polling it
    # starts fast. `manage.py check` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("send", nargs="?", type=int, help="A send id.")

    def handle(self, *args, send: int | None = None, **options) -> None:
        if send is None:
            rows = Dispatch.objects.select_related("issue").order_by("-created_at")[:20]
            if not rows:
                self.stdout.write("No sends yet.")
            for row in rows:
                paused_why = (
                    f"  (paused: {row.last_error})"
                    if row.status == Dispatch.Status.PAUSED and row.last_error
                    else ""
                )
                self.stdout.write(
                    f"{row.pk:>6}  {row.get_status_display():<10} {row.total:>8,}  "
                    f"{local_time(row.created_at)}  {row.subject}{paused_why}"
                )
            return
        found = Dispatch.objects.filter(pk=send).first()
        if found is None:
            raise CommandError(f"No send {send}.")
        counts, funnel_counts = progress(found), funnel(found)
        lists = ", ".join(found.mailing_lists.values_list("slug", flat=True))
        self.stdout.write(f"Send {found.pk}: “{found.subject}” to {lists}")
        self.stdout.write(f"Status: {found.get_status_display()}  ({found.total:,} recipients)")
        moments = [
            ("Scheduled for", found.scheduled_for),
            ("Started", found.started_at),
            ("Finished", found.finished_at),
        ]
        self.stdout.write(
            "  ".join(f"{label}: {local_time(moment)}" for label, moment in moments if moment)
            or f"Created: {local_time(found.created_at)}"
        )
        if found.status == Dispatch.Status.PAUSED and found.last_error:
            self.stdout.write(f"Paused because: {found.last_error}")
            self.stdout.write("Resume it in the admin (Newsletter sends) once that is fixed.")
        self.stdout.write(
            "Deliveries: " + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k != "total")
        )
        self.stdout.write("Funnel: " + ", ".join(f"{k} {v:,}" for k, v in funnel_counts.items()))
        unknown = found.batches.filter(status=Batch.Status.UNKNOWN)
        for batch in unknown:
            self.stdout.write(f"Unknown batch {batch.number} ({batch.size}): {batch.last_error}")
        if unknown:
            self.stdout.write(
                "Unknown batches may have been delivered; re-send them only from the admin "
                "(Newsletter sends) after checking with your provider."
            )
