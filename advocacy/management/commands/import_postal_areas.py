"""``manage.py import_postal_areas FILE.csv``: replace the postal-area (FSA → riding) table."""

from __future__ import annotations

from advocacy.actions.import_command import CsvImportCommand
from advocacy.actions.importing import import_postal_areas, postal_areas_summary


class Command(CsvImportCommand):
    help = (
        "Replace the whole postal-area table, in one transaction, with a UTF-8 CSV file with a "
        "header row: fsa (e.g. K1A), riding; one row per postal area and riding. If any row "
        "is bad, every problem is listed with its line number, the table is left as it was "
        "and the command exits with 1. Ridings with no representative are listed as warnings."
    )
    run_import = staticmethod(import_postal_areas)
    summarise = staticmethod(postal_areas_summary)
