"""Fixtures for supporter actions: representatives, postal areas, a letter to three ministers,
a letter to the supporter's own MP, a petition (the loopback ``mailgun`` is tests/conftest.py's)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail

from advocacy.models import ActionPage, Representative, RidingArea
from advocacy.models.actions import ActionTarget

CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+(/actions/confirm/[^\s\"<>/]+/)")


@pytest.fixture
def ministers(db) -> list[Representative]:
    return [
        Representative.objects.create(
            name=name, role=role, email=f"{slug}@parl.example.ca", riding=""
        )
        for name, role, slug in [
            ("Anita Anand", "Minister of Foreign Affairs", "anand"),
            ("David McGuinty", "Minister of National Defence", "mcguinty"),
            ("Mark Carney", "Prime Minister", "carney"),
        ]
    ]


@pytest.fixture
def mps(db) -> dict[str, Representative]:
    """Two MPs and the postal areas: K2P lies in Ottawa Centre; K1S spans both ridings."""
    centre = Representative.objects.create(
        name="Yasir Naqvi",
        role="Member of Parliament",
        riding="Ottawa Centre",
        email="naqvi@parl.example.ca",
    )
    south = Representative.objects.create(
        name="David McGuinty",
        role="Member of Parliament",
        riding="Ottawa South",
        email="mcguinty.mp@parl.example.ca",
    )
    for fsa, riding in [
        ("K2P", "Ottawa Centre"),
        ("K1S", "Ottawa Centre"),
        ("K1S", "Ottawa South"),
    ]:
        RidingArea.objects.create(fsa=fsa, riding=riding)
    return {"centre": centre, "south": south}


def make_action(parent, slug: str, **fields) -> ActionPage:
    """A published action under ``parent``."""
    defaults = dict(
        title="Write to the ministers",
        slug=slug,
        date=datetime.date(2025, 5, 1),
        summary="Ask for an arms embargo.",
        kind=ActionPage.Kind.LETTER,
        letter_subject="Stop arms exports now",
        letter_body="Dear Minister,\n\nPlease stop all arms exports.",
        thank_you="Thank you for writing!",
    )
    defaults.update(fields)
    page = parent.add_child(instance=ActionPage(**defaults))
    page.save_revision().publish()
    return page


@pytest.fixture
def letter_action(newsroom, ministers) -> ActionPage:
    page = make_action(newsroom, "write-ministers")
    for n, minister in enumerate(ministers):
        ActionTarget.objects.create(page=page, representative=minister, sort_order=n)
    return page


@pytest.fixture
def mp_action(newsroom, mps) -> ActionPage:
    return make_action(
        newsroom,
        "write-your-mp",
        title="Write to your MP",
        targeting=ActionPage.Targeting.POSTAL_CODE,
        letter_editable=True,
    )


@pytest.fixture
def petition(newsroom) -> ActionPage:
    return make_action(
        newsroom,
        "petition",
        title="Petition for peace",
        kind=ActionPage.Kind.PETITION,
        letter_subject="",
        letter_body="",
        goal=4,
    )


def confirm_path(text: str) -> str:
    """The confirmation link's path in an email body."""
    match = CONFIRM_LINK.search(text)
    assert match, text
    return match.group(1)


def last_confirm_path() -> str:
    """The path of the confirmation link in the last email (Django's locmem outbox)."""
    return confirm_path(mail.outbox[-1].body)
