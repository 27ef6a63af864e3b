"""Dates, numbers and money the way readers of each language write them.

Babel's CLDR data for the active Django language in Canada: an English reader sees "$50",
"13,000" and "December 1, 2026", a French reader "50 $", "13 000" and "1 décembre 2026"
(with the non-breaking spaces French typography puts between digits and before "$").
Templates use the ``localformat`` filters (``money``, ``number``, ``local_date``); Python code
calls these functions. Whatever cannot be read as a number or a date comes back unchanged (as a
string), so a template never fails on odd data.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.conf import settings
from django.utils import translation

REGION = "CA"  # the readers' country: "fr" reads as fr_CA ("50 $"), not fr_FR ("50,00 €")
NBSP = "\xa0"
DATE_SKELETONS = {"month": "yMMMM", "year": "y"}  # "December 2026", "2026"
# The site's long date, one order in both languages: "1 December 2026" / "1 décembre 2026" (the
# pages' dates have always read day first; Babel's en_CA "long" would put the month first).
LONG_DATE = "d MMMM y"
_FRACTION = re.compile(r"\.[0#]+")


def _parse_locale(identifier: str) -> Locale | None:
    try:
        return Locale.parse(identifier, sep="_")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@lru_cache(maxsize=64)
def _locale_for(language: str) -> Locale:
    """``fr`` → fr_CA; ``fr-fr`` → fr_FR; ``de`` → de (Babel has no de_CA); else the default."""
    tag = language.replace("-", "_")
    base = tag.split("_")[0]
    candidates = [f"{base}_{REGION}", base] if tag == base else [tag, f"{base}_{REGION}", base]
    default = settings.LANGUAGE_CODE.replace("-", "_").split("_")[0]
    candidates += [f"{default}_{REGION}", default, "en"]
    for candidate in candidates:
        locale = _parse_locale(candidate)
        if locale is not None:
            return locale
    return Locale("en")


def locale_of(language: str | None = None) -> Locale:
    """The Babel locale for a Django language code, by default the active language (else
    ``LANGUAGE_CODE``): ``en`` → en_CA, ``fr`` → fr_CA, ``es`` → es (Babel has no es_CA)."""
    code = language or translation.get_language() or settings.LANGUAGE_CODE
    return _locale_for(code.lower())


def _decimal(value: Any) -> Decimal | None:
    """``value`` as a finite Decimal (ints, Decimals, floats, numeric strings), else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def format_number(n: Any, language: str | None = None) -> str:
    """``13000`` → "13,000" in English, "13 000" in French; not a number: ``str(n)``."""
    number = _decimal(n)
    if number is None:
        return str(n)
    return babel_numbers.format_decimal(number, locale=locale_of(language))


def _currency_pattern(locale: Locale, symbol: str, whole: bool) -> str:
    """The locale's currency pattern, without decimals for a whole amount, and with a
    non-breaking space between digits and a symbol made of letters ("F CFA 50", as CLDR's
    currency spacing asks; Babel leaves that out)."""
    pattern = locale.currency_formats["standard"].pattern
    if whole:
        pattern = _FRACTION.sub("", pattern)
    if symbol[-1:].isalpha():
        pattern = re.sub(r"¤(?=[#0])", "¤" + NBSP, pattern)
    if symbol[:1].isalpha():
        pattern = re.sub(r"(?<=[#0])¤", NBSP + "¤", pattern)
    return pattern


def format_money(amount: Any, currency: str | None = "", language: str | None = None) -> str:
    """An amount of money as the reader writes it: "$50", "$1,000", "$12.50" in English,
    "50 $", "1 000 $", "12,50 $" in French (whole amounts show no cents).

    ``currency`` is an ISO code, e.g. a donation appeal's ``currency`` (CAD unless an editor
    changes it). Without one, just the number; a code Babel does not know follows the number
    ("50 ABC"). What is not an amount comes back as ``str(amount)``.
    """
    number = _decimal(amount)
    if number is None:
        return str(amount)
    code = (currency or "").strip().upper()
    if not code:
        return format_number(number, language)
    if not babel_numbers.is_currency(code):
        return f"{format_number(number, language)}{NBSP}{code}"
    locale = locale_of(language)
    whole = number == number.to_integral_value()
    symbol = babel_numbers.get_currency_symbol(code, locale=locale)
    return babel_numbers.format_currency(
        number,
        code,
        format=_currency_pattern(locale, symbol, whole),
        locale=locale,
        currency_digits=not whole,
    )


def local_day(value: Any) -> datetime.date | None:
    """The calendar day of a date, a datetime (an aware one in ``TIME_ZONE``: 02:00 UTC on
    2 December is still 1 December in Toronto) or an ISO string; None for anything else."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def format_date(d: Any, style: str = "long", language: str | None = None) -> str:
    """A date as the reader writes it: "1 December 2026" / "1 décembre 2026" (``long``).

    ``style``: ``short``, ``medium`` ("Dec 1, 2026"), ``long``, ``full`` (with the weekday),
    ``month`` ("December 2026"), ``year``, or a CLDR pattern such as ``"d MMMM"``. Datetimes
    show their day in ``TIME_ZONE``. No date (None, "", garbage) gives "".
    """
    day = local_day(d)
    if day is None:
        return ""
    locale = locale_of(language)
    if style in DATE_SKELETONS:
        return babel_dates.format_skeleton(DATE_SKELETONS[style], day, locale=locale)
    pattern = LONG_DATE if style in ("long", "") else style
    return babel_dates.format_date(day, format=pattern, locale=locale)


def format_date_short(d: Any, language: str | None = None) -> str:
    """A compact date for lists and cards: "Dec 1, 2026" / "1 déc. 2026"."""
    return format_date(d, "medium", language)
