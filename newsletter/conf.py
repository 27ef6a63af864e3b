"""Every ``NEWSLETTER_*`` setting with its default, read through :func:`get`.

A project overrides any of them in its Django settings; nothing else in the app reads
``NEWSLETTER_*`` from ``django.conf.settings`` directly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # --- public pages ---
    # The template the public pages (subscribe, confirm, unsubscribe, preferences, archive)
    # extend. It needs `wagtail start`'s base.html blocks: title, title_suffix, extra_css,
    # body_class, content and extra_js.
    "NEWSLETTER_BASE_TEMPLATE": "base.html",
    # --- audience ---
    # Seconds a confirmation link stays valid.
    "NEWSLETTER_CONFIRM_MAX_AGE": 7 * 24 * 60 * 60,
    # Subscribe attempts per client IP (IPv6: per /64): "<count>/<s|m|h|d>".
    "NEWSLETTER_SUBSCRIBE_RATE": "10/h",
    # How many reverse proxies you run in front of the site. 0: the client is REMOTE_ADDR and
    # X-Forwarded-For is ignored; n: the client is the nth address from the right of it.
    "NEWSLETTER_TRUSTED_PROXIES": 0,
    # A pending subscriber gets at most one confirmation email per this many seconds.
    "NEWSLETTER_CONFIRM_RESEND_INTERVAL": 5 * 60,
    # Confirmation emails one address may receive per day, whatever the lists (no mail-bombing).
    "NEWSLETTER_CONFIRM_EMAILS_PER_DAY": 3,
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
    # Postmark, Amazon SES and Brevo: one call per batch through the send stored as a template
    # at the provider (removed when the send finishes, unless kept). False: one call per
    # reader, as for any other backend.
    "NEWSLETTER_TEMPLATE_BATCHING": True,
    "NEWSLETTER_KEEP_PROVIDER_TEMPLATES": False,
    # Seconds a batch may stay in flight before its outcome is presumed unknown.
    "NEWSLETTER_BATCH_LEASE_SECONDS": 300,
    # First retry delay in seconds after a provider refused a batch (doubling, at most 300).
    "NEWSLETTER_RETRY_BASE_SECONDS": 2,
    # Provider calls throttled in a row (HTTP 429), across batches, that pause the whole send
    # (the reason shows on its progress page; resume when the provider allows). 0: never.
    "NEWSLETTER_PAUSE_AFTER_THROTTLES": 5,
    # Soft bounces (mailbox full, greylisted) in a row, over separate sends, that suppress an
    # address; a delivery, open or click in between starts the count again. Hard bounces
    # suppress at once.
    "NEWSLETTER_SOFT_BOUNCE_LIMIT": 3,
    # A dotted path to a Provider class, for an email backend the app does not know.
    "NEWSLETTER_PROVIDER": "",
    # --- headers and provider options of every bulk message ---
    # An address that unsubscribes whoever writes to it, e.g. "unsubscribe@example.org": a
    # "mailto:" beside the https link in List-Unsubscribe. Empty: the https link only.
    "NEWSLETTER_UNSUBSCRIBE_MAILTO": "",
    # The last field of Feedback-ID (Gmail's feedback loop): the same for all your sends.
    "NEWSLETTER_FEEDBACK_ID_SENDER": "newsletter",
    # Postmark's message stream for sends (a broadcast stream); empty: the server's default.
    "NEWSLETTER_POSTMARK_STREAM": "broadcast",
    # Amazon SES configuration set for sends (its event destinations); empty: none.
    "NEWSLETTER_SES_CONFIGURATION_SET": "",
    # --- complaint watch (Gmail and Yahoo ask bulk senders to stay under 0.3% of spam
    # complaints) ---
    # A running send whose complaints reach this share of its delivered messages pauses
    # itself (the reason shows on its page). 0.003 is 0.3%; None or 0: never.
    "NEWSLETTER_COMPLAINT_PAUSE_RATE": 0.003,
    # ... but only once it has at least this many delivered messages (sent, when the
    # provider reports no deliveries): a few early complaints do not stop a send.
    "NEWSLETTER_COMPLAINT_MIN_DELIVERED": 1000,
    # --- test sends ---
    # Test sends one user may make per hour (counted in the cache; not limited if it is down).
    "NEWSLETTER_TEST_SENDS_PER_HOUR": 10,
    # --- sunset policy (newsletter.insights.sunset, command newsletter_sunset) ---
    # A reader is flagged as inactive after this many sends received without an open or a
    # click (counted since their last open, click or re-permission email) ...
    "NEWSLETTER_SUNSET_SENDS": 10,
    # ... and this many months without one; readers whose first send is more recent are
    # never flagged.
    "NEWSLETTER_SUNSET_MONTHS": 6,
    # Seconds the "Keep me subscribed" link of the re-permission email works; None: always.
    "NEWSLETTER_REPERMISSION_MAX_AGE": None,
}


def get(name: str) -> Any:
    """The value of a newsletter setting, or its default."""
    return getattr(settings, name, DEFAULTS[name])


def base_url() -> str:
    """The public site's origin, e.g. ``https://example.org`` (from ``BASE_URL``)."""
    return getattr(settings, "BASE_URL", "http://localhost:8000").rstrip("/")
