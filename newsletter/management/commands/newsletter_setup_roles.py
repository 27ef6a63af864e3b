"""``manage.py newsletter_setup_roles [--pages PAGE_ID ...]``: create or update the roles."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_noop

from newsletter.roles import RoleSetupError, setup_roles


class Command(BaseCommand):
    # Marked for translation here, translated when the parser is made (argparse wants a str).
    help = gettext_noop(
        "Create or update the groups “Comms editors”, “Audience managers” and “Newsletter "
        "senders” so that each has exactly its role's permissions. Running it again changes "
        "nothing."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = gettext(self.help)
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--pages",
            nargs="+",
            type=int,
            metavar="PAGE_ID",
            help=gettext(
                "Ids of the pages Comms editors may add, edit, publish, lock and unlock pages "
                "at and below; their page permissions anywhere else are removed. Default: the "
                "root page of each site (never the root of the page tree)."
            ),
        )

    def handle(self, *args, pages: list[int] | None = None, **options) -> None:
        try:
            reports = setup_roles(pages)
        except RoleSetupError as error:
            raise CommandError(
                gettext("%(error)s No role was changed.") % {"error": error}
            ) from error
        for report in reports:
            self.stdout.write(report.summary())
            if options.get("verbosity", 1) > 1:
                self.stdout.write(f"  {report.role.description}")
            for line in report.removals():
                self.stdout.write(self.style.WARNING(f"  {line}"))
