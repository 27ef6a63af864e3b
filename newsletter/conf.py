"""Every ``NEWSLETTER_*`` setting with its default, read through :func:`get`.

A project overrides any of them in its Django settings; nothing else in the app reads
``NEWSLETTER_*`` from ``django.conf.settings`` directly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # --- audience ---
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
    # The consent sentence shown beside the checkbox, per language. "{sender}" is replaced.
    "NEWSLETTER_CONSENT_TEXT": {
        "en": "Yes, I want to receive email newsletters from {sender}. "
        "I can unsubscribe at any time with the link in every email.",
        "fr": "Oui, je veux recevoir les infolettres de {sender} par courriel. "
        "Je peux me désabonner en tout temps grâce au lien présent dans chaque courriel.",
    },
    # --- who sends (CASL: name, postal address and a contact in every message) ---
    # Fallbacks for Settings > Newsletter settings, which win when filled in.
    "NEWSLETTER_SENDER_NAME": "",  # empty: WAGTAIL_SITE_NAME
    "NEWSLETTER_POSTAL_ADDRESS": "",
    "NEWSLETTER_CONTACT_EMAIL": "",  # empty: DEFAULT_FROM_EMAIL
    # --- sending ---
    # Recipients per provider call, by provider name ("mailgun", "django", ...); empty: each
    # provider's own limit (newsletter.sending.providers).
    "NEWSLETTER_BATCH_SIZES": {},
    # Seconds a batch may stay in flight before its outcome is presumed unknown.
    "NEWSLETTER_BATCH_LEASE_SECONDS": 300,
    # First retry delay in seconds after a provider refused a batch (doubling, at most 300).
    "NEWSLETTER_RETRY_BASE_SECONDS": 2,
    # A dotted path to a Provider class, for an email backend the app does not know.
    "NEWSLETTER_PROVIDER": "",
}


def get(name: str) -> Any:
    """The value of a newsletter setting, or its default."""
    return getattr(settings, name, DEFAULTS[name])


def base_url() -> str:
    """The public site's origin, e.g. ``https://example.org`` (from ``BASE_URL``)."""
    return getattr(settings, "BASE_URL", "http://localhost:8000").rstrip("/")
