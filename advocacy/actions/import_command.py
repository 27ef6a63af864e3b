"""What the two import commands share: open the file, run the import, report, exit 1 on bad
input (see :mod:`advocacy.actions.importing`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from advocacy.actions.importing import ImportFileError, ImportResult, check_utf8, text_stream


class CsvImportCommand(BaseCommand):
    """A command importing one CSV file with ``run_import``; ``summarise`` says what it did."""

    run_import: Callable[[Iterable[str]], ImportResult]
    summarise: Callable[[ImportResult], str]

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Path to a UTF-8 CSV file with a header row.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as binary:
            try:
                check_utf8(binary)
                result = type(self).run_import(text_stream(binary))
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            if result.problems_not_shown():
                self.stderr.write(f"… and {result.problems_not_shown()} more.")
            raise CommandError(result.refusal())
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write(type(self).summarise(result))
