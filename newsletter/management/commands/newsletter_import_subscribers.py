"""Import subscribers from a CSV file into a list (see :mod:`newsletter.audience.importing`)."""

from __future__ import annotations

import getpass
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsletter.audience.importing import (
    ImportFileError,
    check_utf8,
    import_subscribers,
    text_stream,
)
from newsletter.models import MailingList, Subscription


class Command(BaseCommand):
    help = (
        "Import subscribers from a CSV file (columns: email, name, language, consented_at) "
        "into a list, as active subscriptions with the consent type and source given. "
        "Bad rows are reported with their line number; exits non-zero only when nothing "
        "could be imported."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Path to a UTF-8 CSV file with a header row.")
        parser.add_argument("--list", required=True, dest="list_slug", help="The list's slug.")
        parser.add_argument(
            "--consent",
            required=True,
            choices=Subscription.ConsentType.values,
            help="express (they asked for it) or implied (e.g. donors; lapses after 2 years).",
        )
        parser.add_argument(
            "--source",
            required=True,
            help="Where the addresses come from, e.g. 'Donor database export 2026-05'.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; change nothing."
        )
        parser.add_argument(
            "--imported-by", default="", help="Who is importing (default: your login name)."
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mailing_list = MailingList.objects.filter(slug=options["list_slug"]).first()
        if mailing_list is None:
            slugs = ", ".join(MailingList.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No list with slug “{options['list_slug']}” (lists: {slugs}).")
        imported_by = options["imported_by"] or f"{getpass.getuser()} (command line)"

        def report_issue(issue) -> None:
            self.stderr.write(str(issue))

        started = time.perf_counter()
        with path.open("rb") as binary:
            try:
                check_utf8(binary)
                report = import_subscribers(
                    text_stream(binary),
                    mailing_list=mailing_list,
                    consent_type=options["consent"],
                    source=options["source"],
                    imported_by=imported_by,
                    file_name=path.name,
                    dry_run=options["dry_run"],
                    on_issue=report_issue,
                )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        prefix = "Dry run, nothing changed. " if report.dry_run else ""
        self.stdout.write(f"{prefix}{report.summary()} ({elapsed:.1f} s)")
        if report.imported == 0:
            raise CommandError("Nothing could be imported.")
