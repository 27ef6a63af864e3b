"""What sign-ons and supporter actions share: the signed links that confirm them by email, and
the daily allowance of confirmation emails per address.

A link signs the record's random ``public_id`` with a timestamp under a salt of its own (one
kind of link is never accepted as another, nor as a newsletter link) and expires after
``NEWSLETTER_CONFIRM_MAX_AGE`` seconds, like a newsletter confirmation. Forged, tampered and
expired links raise the newsletter's :class:`InvalidToken` / :class:`ExpiredToken`, so the
views answer them with the same "This link is not valid" page.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from newsletter import conf
from newsletter.audience.tokens import MAX_TOKEN_LENGTH, SEP, ExpiredToken, InvalidToken

SIGN_ON_SALT = "advocacy.sign_on"
ACTION_SALT = "advocacy.action"

__all__ = [
    "ACTION_SALT",
    "SIGN_ON_SALT",
    "ExpiredToken",
    "InvalidToken",
    "emails_left_today",
    "max_age_days",
    "read_token",
    "sign_token",
]


def _signer(salt: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=salt, sep=SEP)


def sign_token(public_id: str, salt: str) -> str:
    """A link token for the record with ``public_id``, under ``salt``."""
    return _signer(salt).sign(public_id)


def read_token(token: str, salt: str) -> str:
    """The ``public_id`` a token signs, or :class:`InvalidToken` / :class:`ExpiredToken`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken
    try:
        return _signer(salt).unsign(token, max_age=conf.get("NEWSLETTER_CONFIRM_MAX_AGE"))
    except signing.SignatureExpired as exc:
        raise ExpiredToken from exc
    except signing.BadSignature as exc:
        raise InvalidToken from exc


def max_age_days() -> int:
    """How many days a confirmation link lasts (for the email's wording)."""
    return max(1, round(conf.get("NEWSLETTER_CONFIRM_MAX_AGE") / 86400))


def emails_left_today(sent: QuerySet, field: str = "confirmation_sent_at") -> bool:
    """Whether an address may get one more confirmation email: ``sent`` is its records (of
    one kind, e.g. its sign-on requests); fewer than ``NEWSLETTER_CONFIRM_EMAILS_PER_DAY`` of
    them had an email in the last day. Counted in the database, so it holds without a cache.
    """
    since = timezone.now() - datetime.timedelta(days=1)
    recent = sent.filter(**{f"{field}__gte": since}).count()
    return recent < conf.get("NEWSLETTER_CONFIRM_EMAILS_PER_DAY")
