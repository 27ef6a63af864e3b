"""Dates shown with the precision they are known to: a day, a month, a year, or not at all.

A page's ``date`` always orders it; ``date_precision`` says how much of it readers see. One
function, :func:`format_page_date`, formats every advocacy date the site and the API show,
with Django's localised month names and formats, so a French site reads "1 mars 2024",
"mars 2024", "2024".
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from newsletter.formats import format_date


class DatePrecision(models.TextChoices):
    """How much of a page's date is known and shown."""

    DAY = "day", _("Day (1 March 2024)")
    MONTH = "month", _("Month (March 2024)")
    YEAR = "year", _("Year (2024)")
    UNDATED = "undated", _("Undated (the date only orders the page; it is never shown)")


def format_page_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """The date as readers see it, in the active language: "1 March 2024" / "1 mars 2024",
    "March 2024" / "mars 2024", "2024", or "" when undated (Babel, :mod:`newsletter.formats`)."""
    if value is None or precision == DatePrecision.UNDATED:
        return ""
    if precision == DatePrecision.YEAR:
        return format_date(value, "year")
    if precision == DatePrecision.MONTH:
        return format_date(value, "month")
    return format_date(value)


def machine_page_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """The ``<time datetime>`` value, only as precise as the date is known: "2024-03-01",
    "2024-03", "2024", or "" when undated."""
    if value is None or precision == DatePrecision.UNDATED:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def timeline_heading(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """The timeline group a page falls under: its month, its year when only the year is known,
    or "Undated"."""
    if value is None or precision == DatePrecision.UNDATED:
        return str(_("Undated"))
    if precision == DatePrecision.YEAR:
        return format_page_date(value, DatePrecision.YEAR)
    return format_page_date(value, DatePrecision.MONTH)
