"""Builders for advocacy content used across the advocacy tests."""

from __future__ import annotations

import datetime

import pytest

from advocacy.models import (
    CampaignWinPage,
    DonationAppeal,
    LetterSignatory,
    OpenLetterPage,
    Organisation,
    StatementPage,
)


def make_letter(parent, signatories: int, slug: str = "letter", **fields) -> OpenLetterPage:
    """A published open letter with ``signatories`` organisations, created in bulk."""
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(name=f"{slug} Org {n}", name_key=f"{slug} org {n}", city=f"City {n}")
            for n in range(signatories)
        ]
    )
    defaults = dict(
        title="Letter to the Prime Minister",
        slug=slug,
        date=datetime.date(2025, 3, 19),
        summary="Hundreds of organisations ask for action.",
        addressee="Prime Minister Mark Carney",
        salutation="Dear Prime Minister Carney,",
        demands_intro="We call for Canada to:",
        demands=[
            ("demand", "<p>Recognise Palestine.</p>"),
            ("demand", "<p>Impose an embargo.</p>"),
        ],
        lead_signatory=orgs[0] if orgs else None,
    )
    defaults.update(fields)
    letter = parent.add_child(instance=OpenLetterPage(**defaults))
    LetterSignatory.objects.bulk_create(
        [LetterSignatory(page=letter, organisation=org, sort_order=i) for i, org in enumerate(orgs)]
    )
    letter.save_revision().publish()
    return letter


@pytest.fixture
def letter_factory(newsroom):
    return lambda signatories, **kw: make_letter(newsroom, signatories, **kw)


@pytest.fixture
def statement(newsroom) -> StatementPage:
    page = newsroom.add_child(
        instance=StatementPage(
            title="Statement on rising Islamophobia",
            slug="statement-islamophobia",
            date=datetime.date(2023, 10, 20),
            summary="We condemn the rise in hate since October.",
            body=[("paragraph", "<p>Hate has no place in Canada.</p>")],
        )
    )
    page.topics.add("Free expression")
    page.save_revision().publish()
    return page


@pytest.fixture
def win(newsroom) -> CampaignWinPage:
    page = newsroom.add_child(
        instance=CampaignWinPage(
            title="Canada halts new arms export permits",
            slug="arms-embargo-win",
            date=datetime.date(2024, 3, 20),
            summary="After months of pressure the minister stopped approving exports.",
            outcome="win",
            decision_maker="Foreign Affairs Minister Mélanie Joly",
            decision_date=datetime.date(2024, 3, 19),
            supporter_count=13000,
            supporter_action="emails",
        )
    )
    page.topics.add("Arms embargo")
    page.save_revision().publish()
    return page


@pytest.fixture
def appeal(db) -> DonationAppeal:
    return DonationAppeal.objects.create(
        name="Monthly appeal",
        headline="Sustain our work",
        message="<p>Monthly gifts keep us going.</p>",
        button_url="https://example.org/donate",
        suggested_amounts="25, 50, 100",
        monthly_emphasis=True,
        eligibility_note="Zakat eligible",
        phone="438-380-5410",
    )
