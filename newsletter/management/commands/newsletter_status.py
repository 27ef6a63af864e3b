"""``manage.py newsletter_status [DISPATCH]``: recent dispatches, or one in detail."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from newsletter import dispatch as engine
from newsletter.models import Batch, Dispatch


class Command(BaseCommand):
    help = "Show recent dispatches, or one dispatch's progress, funnel and unknown batches."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dispatch", nargs="?", type=int, help="A dispatch id.")

    def handle(self, *args, dispatch: int | None = None, **options) -> None:
        if dispatch is None:
            rows = Dispatch.objects.select_related("issue").order_by("-created_at")[:20]
            if not rows:
                self.stdout.write("No dispatches yet.")
            for row in rows:
                self.stdout.write(
                    f"{row.pk:>6}  {row.get_status_display():<10} {row.total:>8,}  "
                    f"{row.created_at:%Y-%m-%d %H:%M}  {row.subject}"
                )
            return
        found = Dispatch.objects.filter(pk=dispatch).first()
        if found is None:
            raise CommandError(f"No dispatch {dispatch}.")
        counts, funnel = engine.progress(found), engine.funnel(found)
        lists = ", ".join(found.mailing_lists.values_list("slug", flat=True))
        self.stdout.write(f"Dispatch {found.pk}: “{found.subject}” to {lists}")
        self.stdout.write(f"Status: {found.get_status_display()}  ({found.total:,} recipients)")
        self.stdout.write(
            "Deliveries: " + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k != "total")
        )
        self.stdout.write("Funnel: " + ", ".join(f"{k} {v:,}" for k, v in funnel.items()))
        unknown = found.batches.filter(status=Batch.Status.UNKNOWN)
        for batch in unknown:
            self.stdout.write(f"Unknown batch {batch.number} ({batch.size}): {batch.last_error}")
        if unknown:
            self.stdout.write(
                "Unknown batches may have been delivered; re-send them only from the admin "
                "(Newsletter > Dispatches) after checking with your provider."
            )
