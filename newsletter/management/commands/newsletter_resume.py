"""``manage.py newsletter_resume [DISPATCH] [--wait]``: carry on after a worker died."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from newsletter import dispatch as engine
from newsletter.models import Batch, Dispatch


class Command(BaseCommand):
    help = (
        "Mark batches left in flight past their lease as unknown (never re-sent automatically), "
        "then queue a worker for every sending dispatch that still has queued batches."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dispatch", nargs="?", type=int)
        parser.add_argument("--wait", action="store_true", help="Send in the foreground.")

    def handle(self, *args, dispatch: int | None = None, wait: bool = False, **options) -> None:
        dispatches = Dispatch.objects.filter(status=Dispatch.Status.SENDING)
        if dispatch is not None:
            dispatches = dispatches.filter(pk=dispatch)
        for item in dispatches:
            lost = engine.recover_stale_batches(item.pk)
            queued = item.batches.filter(status=Batch.Status.QUEUED).exists()
            if queued and wait:
                engine.run_dispatch(item.pk)
            elif queued:
                from newsletter.dispatch_tasks import send_dispatch

                send_dispatch.enqueue(item.pk)
            engine.finish_if_done(item.pk)
            self.stdout.write(
                f"Dispatch {item.pk}: {lost} batch(es) marked unknown; "
                + ("resumed." if queued else "nothing queued.")
            )
