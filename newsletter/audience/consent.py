"""Consent: the wording shown beside the checkbox (versioned, so each record keeps the exact
text), and the two-year lapse of implied consent (CASL)."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone, translation

from newsletter import conf
from newsletter.models.audience import ConsentText, Subscription
from newsletter.sender import sender_identity

SUPPORTED = ("en", "fr")
_VERSION = re.compile(r"[0-9a-f]{16}")


def wording_language(language: str | None = None) -> str:
    """The supported language closest to ``language`` (default: the active one)."""
    code = (language or translation.get_language() or "en")[:2].lower()
    return code if code in SUPPORTED else "en"


def current_text(language: str | None = None) -> str:
    """The consent sentence as configured now, in ``language``."""
    texts = conf.get("NEWSLETTER_CONSENT_TEXT")
    if isinstance(texts, str):
        texts = {"en": texts}
    lang = wording_language(language)
    template = texts.get(lang) or texts.get("en") or next(iter(texts.values()))
    return template.replace("{sender}", sender_identity().organisation)


def current_consent(language: str | None = None) -> ConsentText:
    """The stored version of the current wording (recorded the first time it is shown)."""
    lang = wording_language(language)
    text = current_text(lang)
    version = ConsentText.version_of(lang, text)
    consent = ConsentText.objects.filter(version=version).first()
    if consent is None:
        consent, _ = ConsentText.objects.get_or_create(
            version=version, defaults={"language": lang, "text": text}
        )
    return consent


def consent_by_version(version: str) -> ConsentText | None:
    """A wording that was shown at some time, by its version string."""
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        return None
    return ConsentText.objects.filter(version=version).first()


def implied_consent_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Implied consent given before this moment has lapsed (two years, CASL)."""
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - 2)
    except ValueError:  # 29 February
        return now.replace(year=now.year - 2, day=28)


def lapse_implied_consent(now: datetime.datetime | None = None) -> int:
    """End open implied-consent subscriptions older than two years; return how many."""
    now = now or timezone.now()
    return Subscription.objects.filter(
        consent_type=Subscription.ConsentType.IMPLIED,
        status__in=Subscription.OPEN,
        consented_at__lt=implied_consent_cutoff(now),
    ).update(
        status=Subscription.Status.UNSUBSCRIBED,
        ended_at=now,
        ended_how=Subscription.EndedHow.LAPSED,
    )
