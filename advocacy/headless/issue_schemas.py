"""The advocacy blocks of a newsletter issue in the headless API: wins roundup, open letter.

(The donation appeal block gives :class:`advocacy.headless.schemas.DonationAppeal`.)
"""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from advocacy.headless.schemas import Demand
from advocacy.models.wins import Outcome
from newsletter.headless.schemas import Card

OutcomeValue = Literal[tuple(Outcome.values)]  # type: ignore[valid-type]


class IssueWinsGroup(Schema):
    """The wins with one outcome, newest first."""

    outcome: OutcomeValue = Field(description="The outcome's stored value, e.g. 'win'.")
    label: str = Field(description="The outcome as readers see it, e.g. 'Big new win'.")
    count: int = Field(description="How many wins have this outcome in the period.")
    items: list[Card] = Field(
        description="The wins shown (the block's limit counts across every group)."
    )
    more_url: str = Field(
        description="The newsroom filtered by this outcome, when wins were left out; else ''."
    )


class IssueWinsRoundup(Schema):
    """Campaign wins in a period, grouped by outcome (wins first), as the email shows them."""

    heading: str
    intro: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    groups: list[IssueWinsGroup] = Field(description="Outcomes with no wins are left out.")


class IssueOpenLetter(Schema):
    """An open letter as the issue features it."""

    id: int
    title: str
    addressee: str
    date: datetime.date | None
    url: str = Field(description="Absolute URL of the letter's page.")
    signatory_count: int
    demands_intro: str
    demands: list[Demand] = Field(description="Empty when the editor chose not to show them.")
    button_label: str
    card: Card
