"""Fixtures for the audience tests: lists and users (tests/conftest.py empties the cache)."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from newsletter.models import MailingList

CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/newsletter/confirm/[^\s\"<>/]+/")


@pytest.fixture
def supporters(db) -> MailingList:
    return MailingList.objects.create(
        name="Supporters", slug="supporters", description="News and actions, twice a month."
    )


@pytest.fixture
def board_list(db) -> MailingList:
    """An internal list: never offered publicly."""
    return MailingList.objects.create(name="Board", slug="board", is_public=False)


@pytest.fixture
def audience_manager(roles, django_user_model):
    user = django_user_model.objects.create_user("aud", "aud@example.org", "pw-aud-1")
    user.groups.add(roles["Audience managers"])
    return user


def confirm_links() -> list[str]:
    """Confirmation links in the outbox, oldest first (from the plain-text part)."""
    return [m for message in mail.outbox for m in CONFIRM_LINK.findall(message.body)]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def subscribe_form_data(mailing_list: MailingList, email: str, **extra) -> dict:
    data = {
        "email": email,
        "name": "Ada",
        "language": "en",
        "consent": "on",
        "list": mailing_list.slug,
        "website": "",
    }
    data.update(extra)
    return data


# The JSON subscribe endpoint, for the tests of both its paths.
API_PATHS = {"v3": "/api/v3/newsletter/subscribe/", "old": "/api/newsletter/subscribe/"}


@pytest.fixture(params=list(API_PATHS.values()), ids=list(API_PATHS))
def api(request) -> str:
    """The JSON subscribe endpoint, on Wagtail's API v3 and on its older path: one code."""
    return request.param


@pytest.fixture
def post_json(client: Client, api: str):
    def post(payload, **extra):
        return client.post(api, data=json.dumps(payload), content_type="application/json", **extra)

    return post


def api_payload(email: str, **extra) -> dict:
    payload = {"email": email, "name": "Ada", "list": "supporters", "consent": True}
    payload.update(extra)
    return payload
