"""Output schemas shared by every headless endpoint: images, page links and cards."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field


class Rendition(Schema):
    """One resized copy of an image, for ``srcset``."""

    url: str = Field(description="Absolute URL of the resized file.")
    width: int
    height: int


class ImageOut(Schema):
    """An image as a front end shows it: absolute URL, size, alt text and renditions."""

    id: int
    title: str
    alt: str = Field(description="Text for the img alt attribute ('' for a decorative image).")
    url: str = Field(description="Absolute URL of the original file.")
    width: int
    height: int
    renditions: list[Rendition] = Field(
        description="Copies at a few widths (never wider than the original), narrowest first."
    )


class PageLink(Schema):
    """A link to a page of the site."""

    id: int
    title: str
    type: str = Field(description="The page's content type, e.g. 'advocacy.OpenLetterPage'.")
    url: str = Field(description="Absolute URL of the public page.")


class Card(Schema):
    """A page as a card in a listing or an email: what :mod:`newsletter.teasers` gives."""

    id: int
    type: str = Field(description="The page's content type, e.g. 'advocacy.CampaignWinPage'.")
    title: str
    summary: str
    label: str = Field(description="Short label readers see, e.g. 'Open letter' or 'Win'.")
    url: str = Field(description="Absolute URL of the public page.")
    date: datetime.date | None = Field(description="null when the page shows no date.")
    date_text: str = Field(description="The date as readers see it, e.g. 'March 2024'.")
    facts: str = Field(description="One short line of figures, e.g. 'Signed by 452 organisations'.")
    image: ImageOut | None
