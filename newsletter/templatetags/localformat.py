"""Dates, numbers and money in the active language, for pages and emails.

``{% load localformat %}``, then:

* ``{{ 50|money:appeal.currency }}`` → "$50" in English, "50 $" in French;
* ``{{ count|number }}`` → "13,000" / "13 000";
* ``{{ page.date|local_date }}`` → "December 1, 2026" / "1 décembre 2026";
  ``{{ issue.date|local_date:"medium" }}`` → "Dec 1, 2026" / "1 déc. 2026" (see
  :func:`newsletter.formats.format_date` for the styles).

Keep Django's ``|date`` for machine formats (``<time datetime="…">``, feeds, sitemaps).
"""

from __future__ import annotations

from typing import Any

from django import template

from newsletter.formats import format_date, format_money, format_number

register = template.Library()


@register.filter
def money(amount: Any, currency: str | None = "") -> str:
    """``{{ 50|money:"CAD" }}``: "$50" / "50 $"; not an amount: unchanged."""
    return format_money(amount, currency)


@register.filter
def number(value: Any) -> str:
    """``{{ 13000|number }}``: "13,000" / "13 000"; not a number: unchanged."""
    return format_number(value)


@register.filter
def local_date(value: Any, style: str = "long") -> str:
    """``{{ day|local_date }}``: "December 1, 2026" / "1 décembre 2026"; no date: ""."""
    return format_date(value, style)
