"""Fixtures for the sign-on tests: a letter taking signatures, a newsletter list, moderators
and audience managers, and helpers to fill in the form and follow the emailed link."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from advocacy.models import SignOnRequest
from newsletter.models import MailingList

CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/letters/sign/confirm/[^\s\"<>/]+/")


@pytest.fixture
def supporters(db) -> MailingList:
    return MailingList.objects.create(name="Supporters", slug="supporters")


@pytest.fixture
def letter(letter_factory, supporters):
    """A published letter with two signatories whose form offers the newsletter."""
    return letter_factory(2, accepts_signatures=True, sign_on_mailing_list=supporters)


def _user_with(django_user_model, username: str, *codenames: str):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw-1234")
    for label in ("wagtailadmin.access_admin", *codenames):
        app_label, codename = label.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def moderator(db, django_user_model):
    return _user_with(django_user_model, "moderator", "advocacy.moderate_signonrequest")


@pytest.fixture
def audience_viewer(db, django_user_model):
    return _user_with(django_user_model, "viewer", "advocacy.view_signonrequest")


def form_data(**extra) -> dict:
    data = {
        "organisation_name": "Masjid Al-Salam",
        "city": "Ottawa",
        "province": "ON",
        "website": "https://alsalam.example.org",
        "contact_name": "Amina Haddad",
        "contact_email": "amina@example.org",
        "contact_role": "Board chair",
        "authorised": "on",
        "fax": "",
    }
    data.update(extra)
    return data


def confirm_links() -> list[str]:
    """Sign-on confirmation links in the outbox, oldest first (plain-text parts)."""
    return [m for message in mail.outbox for m in CONFIRM_LINK.findall(message.body)]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def sign_url(letter) -> str:
    return f"/letters/{letter.pk}/sign/"


def confirmed_request(letter, **fields) -> SignOnRequest:
    """A request whose contact has confirmed, waiting for moderation."""
    from django.utils import timezone

    values = {
        "organisation_name": "Masjid Al Salaam",
        "city": "Ottawa",
        "province": "ON",
        "contact_name": "Amina Haddad",
        "contact_email": "amina@example.org",
        "contact_role": "Board chair",
        "authorised": True,
        "status": SignOnRequest.Status.CONFIRMED,
        "confirmed_at": timezone.now(),
    }
    values.update(fields)
    return SignOnRequest.objects.create(letter=letter, **values)
