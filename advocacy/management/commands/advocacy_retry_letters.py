"""Send again the action letters that failed (each is tried at most MAX_ATTEMPTS times)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from advocacy.actions.delivery import MAX_ATTEMPTS, retry_failed


class Command(BaseCommand):
    help = (
        "Queue delivery again for supporters' letters that failed (a provider outage, a "
        f"refused call); each letter is tried at most {MAX_ATTEMPTS} times. Run it hourly, "
        "e.g. from cron."
    )

    def handle(self, *args, **options) -> None:
        count = retry_failed()
        self.stdout.write(f"{count} participation{'s' if count != 1 else ''} queued again.")
