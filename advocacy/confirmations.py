"""What sign-ons and supporter actions share: the signed links that confirm them by email, and
the daily allowance of confirmation emails per address (:func:`take_confirmation_email`).

A link signs the record's random ``public_id`` with a timestamp under a salt of its own (one
kind of link is never accepted as another, nor as a newsletter link) and expires after
``NEWSLETTER_CONFIRM_MAX_AGE`` seconds, like a newsletter confirmation. Forged, tampered and
expired links raise the newsletter's :class:`InvalidToken` / :class:`ExpiredToken`, so the
views answer them with the same "This link is not valid" page.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
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
    "address_hash",
    "confirm_link",
    "form_rate",
    "max_age_days",
    "read_token",
    "sign_token",
    "take_confirmation_email",
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


def address_hash(email: str) -> str:
    """What the allowance keeps of an address: a keyed hash, not the address."""
    key = f"{SIGN_ON_SALT}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def take_confirmation_email(email: str) -> bool:
    """Count one confirmation email to ``email`` if the last day's allowance has room.

    At most ``NEWSLETTER_CONFIRM_EMAILS_PER_DAY`` sign-on and action confirmation emails go to
    one address in any 24 hours, however many letters, actions or re-sends they are for.
    Counted in the database (a row per email, gone after a day), so the limit holds without
    a cache. Returns ``False``, counting nothing, when the allowance is used up.
    """
    from advocacy.models import ConfirmationEmail

    now = timezone.now()
    digest = address_hash(email)
    with transaction.atomic():
        ConfirmationEmail.objects.filter(sent_at__lt=now - datetime.timedelta(days=1)).delete()
        recent = ConfirmationEmail.objects.filter(address_hash=digest).count()
        if recent >= conf.get("NEWSLETTER_CONFIRM_EMAILS_PER_DAY"):
            return False
        ConfirmationEmail.objects.create(address_hash=digest, sent_at=now)
    return True


def form_rate() -> str:
    """How often one client (an IPv4 address, an IPv6 /64) may post the sign-on and action
    forms: ``ADVOCACY_FORM_RATE``, default ``"60/h"``. Higher than the subscribe form's: a
    rally or a campus shares one address, and supporters post twice when asked to pick a
    riding."""
    return getattr(settings, "ADVOCACY_FORM_RATE", "60/h")


def confirm_link(public_id: str, salt: str, url_name: str) -> str:
    """The absolute, signed, expiring link to ``url_name`` that confirms a record."""
    return conf.base_url() + reverse(url_name, args=[sign_token(public_id, salt)])
