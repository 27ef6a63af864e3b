"""The teaser: the small, stable interface through which other apps feature a page.

The newsletter (and any listing) reads pages only through :func:`get_teaser`, so any Wagtail
page type can be featured; advocacy pages supply richer values via ``get_teaser()``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Teaser:
    """What a card needs to show a page: title, summary, label, image, url and date.

    ``facts`` is one short line of figures, e.g. "13,000 emails sent" or "Signed by 452
    organisations"; empty when the page has none. ``date_text`` is the date as the page wants
    it shown, e.g. "March 2024" when only the month is known; empty means: show ``date`` in
    full. A page that shows no date at all gives neither.
    """

    title: str
    summary: str
    label: str
    url: str
    date: datetime.date | None = None
    image: Any = None  # a wagtailimages Image, or None
    facts: str = ""
    date_text: str = ""


def get_teaser(page: Any, request: Any = None) -> Teaser:
    """Return the teaser of any Wagtail page, using the page's own ``get_teaser`` if it has one."""
    specific = getattr(page, "specific", page)
    own = getattr(specific, "get_teaser", None)
    if callable(own):
        return own(request=request)
    return Teaser(
        title=specific.title,
        summary=getattr(specific, "search_description", "") or "",
        label=specific._meta.verbose_name.title(),
        url=specific.get_full_url(request=request) or "",
        date=specific.first_published_at.date() if specific.first_published_at else None,
        image=None,
    )
