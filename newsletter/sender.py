"""Who sends: one identity for the issue footer, the confirmation email and the From header.

Settings > Newsletter settings (per site) win; the ``NEWSLETTER_*`` settings and Django's
``DEFAULT_FROM_EMAIL`` / ``WAGTAIL_SITE_NAME`` fill what is left empty, the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings as django_settings

from newsletter import conf
from newsletter.models.settings import NewsletterSettings


@dataclass(frozen=True)
class SenderIdentity:
    """The sender as readers see it (CASL: name, postal address and a contact)."""

    organisation: str
    postal_address: str
    contact_email: str
    website_url: str
    reason: str
    from_name: str
    from_email: str
    reply_to: str

    def from_address(self, name: str = "") -> str:
        """'Name <address>' with ``name`` (an issue's own sender name) or the default name."""
        name = name or self.from_name
        return formataddr((name, self.from_email)) if name else self.from_email


def sender_identity(site=None) -> SenderIdentity:
    """The identity of ``site`` (default: the default site), with every fallback applied."""
    saved = NewsletterSettings.for_site_or_default(site)
    organisation = (
        saved.organisation_name
        or conf.get("NEWSLETTER_SENDER_NAME")
        or getattr(django_settings, "WAGTAIL_SITE_NAME", "")
        or "us"
    )
    default_from = django_settings.DEFAULT_FROM_EMAIL
    return SenderIdentity(
        organisation=organisation,
        postal_address=saved.mailing_address or conf.get("NEWSLETTER_POSTAL_ADDRESS"),
        contact_email=saved.contact_email or conf.get("NEWSLETTER_CONTACT_EMAIL") or default_from,
        website_url=saved.website_url or conf.base_url(),
        reason=saved.reason,
        from_name=saved.sender_name or organisation,
        from_email=saved.sender_email or default_from,
        reply_to=saved.reply_to,
    )
