"""Newsletter settings with their defaults (override any of them in Django settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Seconds a confirmation link stays valid.
    "NEWSLETTER_CONFIRM_MAX_AGE": 7 * 24 * 60 * 60,
    # Subscribe attempts per client IP: "<count>/<s|m|h|d>".
    "NEWSLETTER_SUBSCRIBE_RATE": "10/h",
    # A pending subscriber gets at most one confirmation email per this many seconds.
    "NEWSLETTER_CONFIRM_RESEND_INTERVAL": 5 * 60,
    # Largest CSV the admin upload accepts, in bytes.
    "NEWSLETTER_IMPORT_MAX_UPLOAD_SIZE": 20 * 1024 * 1024,
    # Rows written per database round trip when importing.
    "NEWSLETTER_IMPORT_BATCH_SIZE": 1000,
    # Who sends (CASL: name, postal address and a contact in every message).
    "NEWSLETTER_SENDER_NAME": "",
    "NEWSLETTER_POSTAL_ADDRESS": "",
    "NEWSLETTER_CONTACT_EMAIL": "",
    # The consent sentence shown beside the checkbox, per language. "{sender}" is replaced.
    "NEWSLETTER_CONSENT_TEXT": {
        "en": "Yes, I want to receive email newsletters from {sender}. "
        "I can unsubscribe at any time with the link in every email.",
        "fr": "Oui, je veux recevoir les infolettres de {sender} par courriel. "
        "Je peux me désabonner en tout temps grâce au lien présent dans chaque courriel.",
    },
}


def get(name: str) -> Any:
    """The value of a newsletter setting, or its default."""
    return getattr(settings, name, DEFAULTS[name])


def sender_name() -> str:
    return get("NEWSLETTER_SENDER_NAME") or getattr(settings, "WAGTAIL_SITE_NAME", "") or "us"


def base_url() -> str:
    """The public site's origin, e.g. ``https://example.org`` (from ``BASE_URL``)."""
    return getattr(settings, "BASE_URL", "http://localhost:8000").rstrip("/")
