"""Newsletter issues in the headless API: their schemas, and featured pages as cards.

The body's blocks are typed by :mod:`newsletter.headless.streams`; the blocks of an issue
(:mod:`newsletter.issues.blocks`) give their own shapes with the schemas here, so a front end
gets a featured page as a :class:`~newsletter.headless.schemas.Card` rather than a page id.
"""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

from ninja import Schema
from pydantic import Field, create_model

from newsletter.headless.images import image_data
from newsletter.headless.schemas import Card, ImageOut, PageLink
from newsletter.headless.streams import is_public
from newsletter.teasers import get_teaser


class IssueFeaturedCard(Card):
    """A featured page as the email shows it: its card, with the editor's overrides."""

    button_label: str = Field(description="The button's label, e.g. 'Read the statement'.")


class IssueImage(Schema):
    """An image in an issue, with the editor's alt text (else the image's own)."""

    image: ImageOut | None = Field(description="null when the image was deleted.")
    link: str = Field(description="Where the image links to ('' for no link).")


class IssueButton(Schema):
    """A button in an issue."""

    label: str
    url: str = Field(description="Absolute URL: the chosen page's, else the URL entered.")
    page: PageLink | None = Field(description="The chosen page, when it is one of the site's.")


class NewsletterIssueSummary(Schema):
    """A published issue as the archive lists it."""

    id: int
    title: str
    subject: str = Field(description="The email's subject line.")
    preheader: str = Field(description="The preview text mail clients show after the subject.")
    issue_date: datetime.date | None
    url: str = Field(description="Absolute URL of the web version ('view in browser').")
    locale: str = Field(description="The issue's language code, e.g. 'en'.")


class NewsletterIssueEmail(Schema):
    """The published issue's email as the 'view in browser' page shows it: no personal
    links (a Subscribe link in their place)."""

    subject: str
    html: str = Field(description="The whole HTML document, CSS inlined.")
    text: str = Field(description="The plain-text part.")


def card_data(
    page: Any, request: Any = None, *, title: str = "", summary: str = "", image: Any = None
) -> dict | None:
    """A page as :class:`Card` data from its teaser (``title``/``summary``/``image`` override
    it); None for no page, or a page not published or behind a view restriction."""
    if not is_public(page):
        return None
    specific = page.specific
    teaser = get_teaser(specific, request)
    return {
        "id": specific.pk,
        "type": specific._meta.label,
        "title": title or teaser.title,
        "summary": summary or teaser.summary or "",
        "label": teaser.label or "",
        "url": teaser.url or "",
        "date": _as_date(teaser.date),
        "date_text": getattr(teaser, "date_text", "") or "",
        "facts": teaser.facts or "",
        "image": image_data(image or teaser.image, request),
    }


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


@cache
def issue_detail_schema() -> type[Schema]:
    """The detail schema: the summary, the typed body (one schema per block, from the blocks
    installed apps register) and the email. Built once, after every app is loaded."""
    from newsletter.headless.streams import stream_schema
    from newsletter.issues.blocks import IssueBodyBlock

    model = create_model(
        "NewsletterIssueDetail",
        __base__=NewsletterIssueSummary,
        blocks=(
            stream_schema(IssueBodyBlock(), "IssueBody"),
            Field(description="The issue's body, block by block, featured pages as cards."),
        ),
        email=(
            NewsletterIssueEmail | None,
            Field(
                description="null when the issue cannot be rendered (e.g. a block's page "
                "was deleted)."
            ),
        ),
    )
    model.__doc__ = "A published issue: its blocks and its email."
    return model
