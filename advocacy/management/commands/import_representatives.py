"""``manage.py import_representatives FILE.csv``: add or update representatives."""

from __future__ import annotations

from advocacy.actions.import_command import CsvImportCommand
from advocacy.actions.importing import import_representatives, representatives_summary


class Command(CsvImportCommand):
    help = (
        "Add or update representatives from a UTF-8 CSV file with a header row: name, role, "
        "email (required), riding, province (code or name), party. A row updates the "
        "representative with the same email and role. If any row is bad, every problem is "
        "listed with its line number, nothing is imported and the command exits with 1."
    )
    run_import = staticmethod(import_representatives)
    summarise = staticmethod(representatives_summary)
