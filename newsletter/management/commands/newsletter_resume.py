"""``manage.py newsletter_resume [SEND] [--wait]``: carry on after a worker died."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from newsletter.models import Dispatch
from newsletter.sending.control import recover
from newsletter.sending.progress import finish_if_done
from newsletter.sending.worker import run_send


class Command(BaseCommand):
    help = (
        "Mark batches left in flight past their lease as unknown (never re-sent automatically), "
        "queue again batches claimed but never posted, then queue a worker for every send that "
        "still has queued batches (or, with --wait, send them in the foreground)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("send", nargs="?", type=int, help="One send id (default: all).")
        parser.add_argument("--wait", action="store_true", help="Send in the foreground.")

    def handle(self, *args, send: int | None = None, wait: bool = False, **options) -> None:
        sends = Dispatch.objects.filter(status=Dispatch.Status.SENDING)
        if send is not None:
            sends = sends.filter(pk=send)
        for item in sends:
            lost, queued = recover(item, restart=not wait)
            if queued and wait:
                run_send(item.pk)
                finish_if_done(item.pk)
            self.stdout.write(
                f"Send {item.pk}: {lost} batch(es) marked unknown; "
                + ("resumed." if queued else "nothing queued.")
            )
