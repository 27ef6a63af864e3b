"""Signed tokens for links in emails, and the absolute URLs that carry them.

* Confirmation links sign a subscription's random public id with a timestamp; they expire after
  ``NEWSLETTER_CONFIRM_MAX_AGE`` seconds (7 days by default).
* Unsubscribe and preference links sign a subscriber's random public id; they never expire
  (CASL wants unsubscribe to keep working at least 60 days after a send).

Both use ``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS`` while rotating) with their own salt, so one
kind of token is never accepted as the other. No sequential id appears in any URL.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

from newsletter import conf

CONFIRM_SALT = "newsletter.confirm"
SUBSCRIBER_SALT = "newsletter.subscriber"
SEP = "."
MAX_TOKEN_LENGTH = 200


class InvalidToken(Exception):
    """The token was forged, tampered with or truncated."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is older than its maximum age."""


def _confirm_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=CONFIRM_SALT, sep=SEP)


def _subscriber_signer() -> signing.Signer:
    return signing.Signer(salt=SUBSCRIBER_SALT, sep=SEP)


def confirmation_token(subscription) -> str:
    return _confirm_signer().sign(subscription.public_id)


def read_confirmation_token(token: str) -> str:
    """The subscription's public id, or :class:`InvalidToken` / :class:`ExpiredToken`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken
    try:
        return _confirm_signer().unsign(token, max_age=conf.get("NEWSLETTER_CONFIRM_MAX_AGE"))
    except signing.SignatureExpired as exc:
        raise ExpiredToken from exc
    except signing.BadSignature as exc:
        raise InvalidToken from exc


def subscriber_token(subscriber) -> str:
    return _subscriber_signer().sign(subscriber.public_id)


def subscriber_token_maker() -> Callable[[str], str]:
    """A fast ``subscriber_token`` for many subscribers at once (a send). Produces exactly what
    :func:`subscriber_token` does (Django's signature: HMAC-SHA256 with a key derived from the
    salt and ``SECRET_KEY``, URL-safe base64 without padding), but derives the key once and
    hashes its HMAC inner and outer pads once (RFC 2104), so each token costs two hash copies
    instead of a key derivation and an HMAC set-up."""
    signer = _subscriber_signer()
    if signer.algorithm != "sha256":  # (Django's default; anything else: its own signer)
        return signer.sign
    secret = signing.force_bytes(signer.key)
    key = hashlib.sha256(signing.force_bytes(signer.salt + "signer") + secret).digest()
    block = key.ljust(hashlib.sha256().block_size, b"\0")  # a 32-byte key, zero-padded
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def make(public_id: str) -> str:
        hashed = inner.copy()
        hashed.update(public_id.encode())
        mac = outer.copy()
        mac.update(hashed.digest())
        return f"{public_id}{SEP}{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"

    return make


def read_subscriber_token(token: str) -> str:
    """The subscriber's public id, or :class:`InvalidToken`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken
    try:
        return _subscriber_signer().unsign(token)
    except signing.BadSignature as exc:
        raise InvalidToken from exc


def confirm_url(subscription) -> str:
    """Absolute link that confirms a pending subscription (expires)."""
    path = reverse("newsletter:confirm", args=[confirmation_token(subscription)])
    return conf.base_url() + path


def unsubscribe_url(subscriber, mailing_list=None) -> str:
    """Absolute one-click unsubscribe link for ``List-Unsubscribe`` and the email body.

    With ``mailing_list`` the link unsubscribes from that list only; without, from everything.
    """
    path = reverse("newsletter:unsubscribe", args=[subscriber_token(subscriber)])
    if mailing_list is not None:
        path += "?" + urlencode({"list": mailing_list.slug})
    return conf.base_url() + path


def preferences_url(subscriber) -> str:
    """Absolute link to the subscriber's preference page (lists, language)."""
    return conf.base_url() + reverse("newsletter:preferences", args=[subscriber_token(subscriber)])


# Re-permission links (newsletter.insights.sunset): "Keep me subscribed" in the email asking an
# inactive reader whether they still want the newsletter. They sign the subscriber's public id
# with a timestamp under their own salt; they expire after NEWSLETTER_REPERMISSION_MAX_AGE
# seconds (``None``, the default: never, so a late answer still counts).
REPERMISSION_SALT = "newsletter.repermission"


def _repermission_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=REPERMISSION_SALT, sep=SEP)


def repermission_token(subscriber) -> str:
    """The token of a subscriber's "Keep me subscribed" link."""
    return _repermission_signer().sign(subscriber.public_id)


def read_repermission_token(token: str) -> str:
    """The subscriber's public id, or :class:`InvalidToken` / :class:`ExpiredToken`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken
    try:
        return _repermission_signer().unsign(
            token, max_age=conf.get("NEWSLETTER_REPERMISSION_MAX_AGE")
        )
    except signing.SignatureExpired as exc:
        raise ExpiredToken from exc
    except signing.BadSignature as exc:
        raise InvalidToken from exc


def keep_subscribed_url(subscriber) -> str:
    """Absolute link to the page where an inactive reader says they still want the newsletter."""
    path = reverse("newsletter:keep_subscribed", args=[repermission_token(subscriber)])
    return conf.base_url() + path
