"""Output schemas of the advocacy content in the headless API."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from newsletter.headless.schemas import Card


class Organisation(Schema):
    """An organisation that signed a letter or made a statement with us."""

    name: str
    city: str
    province: str = Field(description="Two-letter code, e.g. 'ON'; '' when not given.")
    website: str


class Demand(Schema):
    """One numbered demand of an open letter."""

    number: int = Field(description="1 for the first demand.")
    text: str = Field(description="The demand as HTML (inline formatting and links).")


class TargetCount(Schema):
    """Letters delivered to one representative."""

    name: str
    count: int


class DonationAppeal(Schema):
    """An ask for money, in full, in the page's (or issue's) language."""

    id: int
    headline: str
    message: str
    button_label: str
    button_url: str
    suggested_amounts: list[int] = Field(description="Whole amounts, e.g. [25, 50, 100].")
    currency: str = Field(description="ISO 4217 code, e.g. 'CAD'.")
    monthly_emphasis: bool
    eligibility_note: str
    beneficiary: str
    etransfer_email: str
    phone: str
    mail_in_url: str


class SignatoryPreview(Schema):
    """A letter's signatories in API v3: the count, the first few, and where the rest are."""

    count: int
    first: list[Organisation] = Field(description="The first signatories, in the letter's order.")
    url: str = Field(description="The paginated list: /api/v3/advocacy/letters/<id>/signatories/.")


#: The kinds of advocacy page (the newsroom's ``kind`` keys, and actions).
CardKind = Literal["statement", "letter", "win", "action"]
#: Where a campaign stands (``advocacy.models.wins.Outcome``).
OutcomeValue = Literal["win", "positive_movement", "pending", "update"]


class TopicOut(Schema):
    """A topic tag of advocacy pages."""

    slug: str = Field(description="The value of the listings' `topic` filter.")
    name: str


class TopicCount(TopicOut):
    """A topic with the number of live pages that carry it."""

    count: int


class AdvocacyCard(Card):
    """An advocacy page (statement, open letter, campaign win or action) as a card."""

    topics: list[TopicOut] = Field(description="The page's topics, by name.")
    outcome: OutcomeValue | None = Field(description="A campaign win's outcome; null otherwise.")
    kind: CardKind | None = Field(
        description="The page's kind, as the `kind` filter takes it (null for other page types)."
    )


class TimelineGroupOut(Schema):
    """Consecutive timeline cards under one heading, e.g. 'March 2024', '2021' or 'Undated'."""

    heading: str
    context: str = Field(
        description="Tells apart a heading seen before, e.g. 'after February 2024' or "
        "'continued'; '' the first time."
    )
    items: list[AdvocacyCard]
