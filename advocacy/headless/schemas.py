"""Output schemas of the advocacy content in the headless API."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


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
