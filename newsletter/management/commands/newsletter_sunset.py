"""``manage.py newsletter_sunset``: the sunset policy (see :mod:`newsletter.insights.sunset`).

    newsletter_sunset                       counts only: flagged, to ask, to flag
    newsletter_sunset --flag                flag readers inactive for N sends and M months
    newsletter_sunset --send-repermission   email flagged readers not asked yet
    newsletter_sunset --flag --send-repermission --dry-run   say what would happen
    newsletter_sunset --unflag reader@example.org            put one reader back into sends

Meant for cron, e.g. once a day: ``newsletter_sunset --flag --send-repermission``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from newsletter import conf
from newsletter.insights import sunset
from newsletter.models import Subscriber
from newsletter.models.audience import normalise_email


class Command(BaseCommand):
    help = (
        "Sunset policy: flag readers who opened and clicked nothing for "
        "NEWSLETTER_SUNSET_SENDS sends and NEWSLETTER_SUNSET_MONTHS months, email them a "
        "re-permission question, or put one reader back. Without options: counts only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--flag", action="store_true", help="Flag inactive readers.")
        parser.add_argument(
            "--send-repermission",
            action="store_true",
            help="Email flagged readers who have not been asked since they were flagged.",
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="Re-permission emails to send at most."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the counts; change and send nothing."
        )
        parser.add_argument(
            "--unflag", metavar="EMAIL", help="Put this reader back into sends (clear the flag)."
        )

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        if options["unflag"]:
            self._unflag(options["unflag"], dry_run)
            return
        flag, ask = options["flag"], options["send_repermission"]
        to_flag = sunset.inactive_subscribers().count() if dry_run or not flag else None
        if flag and not dry_run:
            to_flag = sunset.flag_inactive()
            self.stdout.write(f"Flagged {to_flag:,} inactive readers.")
        elif flag:
            self.stdout.write(f"Would flag {to_flag:,} inactive readers.")
        if ask and not dry_run:
            result = sunset.send_repermission(limit=options["limit"])
            failed = f" ({result.failed:,} failed, left for the next run)" if result.failed else ""
            self.stdout.write(f"Sent {result.sent:,} re-permission emails{failed}.")
        elif ask:
            waiting = sunset.awaiting_repermission().count() + (to_flag if flag else 0)
            if options["limit"] is not None:
                waiting = min(waiting, options["limit"])
            self.stdout.write(f"Would send {waiting:,} re-permission emails.")
        if not (flag or ask):
            self._counts(to_flag)

    def _counts(self, to_flag: int) -> None:
        sends, months = conf.get("NEWSLETTER_SUNSET_SENDS"), conf.get("NEWSLETTER_SUNSET_MONTHS")
        flagged = Subscriber.objects.filter(sunset_at__isnull=False).count()
        self.stdout.write(f"Policy: {sends} sends and {months} months without an open or click.")
        self.stdout.write(f"Flagged (left out of sends): {flagged:,}")
        self.stdout.write(f"Flagged, not asked yet: {sunset.awaiting_repermission().count():,}")
        self.stdout.write(f"Inactive, to flag: {to_flag:,}")

    def _unflag(self, email: str, dry_run: bool) -> None:
        subscriber = Subscriber.objects.filter(email=normalise_email(email)).first()
        if subscriber is None:
            raise CommandError(f"No subscriber {email}.")
        if subscriber.sunset_at is None:
            self.stdout.write(f"{subscriber.email} is not flagged: nothing to do.")
        elif dry_run:
            self.stdout.write(f"Would put {subscriber.email} back into sends.")
        else:
            sunset.unflag(subscriber)
            self.stdout.write(f"{subscriber.email} is back in sends.")
