"""Print how many addresses a send to a list would reach now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from newsletter.audience.subscriptions import audience_count
from newsletter.models import MailingList


class Command(BaseCommand):
    help = (
        "Print the number of addresses a send to the list would reach now: active, with valid "
        "consent (implied consent lapses after two years) and not suppressed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--list", required=True, dest="list_slug", help="The list's slug.")

    def handle(self, *args, **options) -> None:
        mailing_list = MailingList.objects.filter(slug=options["list_slug"]).first()
        if mailing_list is None:
            raise CommandError(f"No list with slug “{options['list_slug']}”.")
        self.stdout.write(str(audience_count(mailing_list)))
