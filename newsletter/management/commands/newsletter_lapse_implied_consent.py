"""End implied-consent subscriptions older than two years (CASL). Run it daily (cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from newsletter.audience.tasks import lapse_implied_consent


class Command(BaseCommand):
    help = (
        "End subscriptions whose implied consent is more than two years old. Run daily, e.g. "
        "from cron; --enqueue hands it to the task worker instead of running it here."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue the task for the worker.")

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            result = lapse_implied_consent.enqueue()
            self.stdout.write(f"Queued task {result.id}.")
            return
        ended = lapse_implied_consent.call()
        self.stdout.write(f"{ended} subscription{'s' if ended != 1 else ''} lapsed.")
