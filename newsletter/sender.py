"""Who sends: one identity for the issue footer, the confirmation email and the From header.

Settings > Newsletter settings (per site) win; the ``NEWSLETTER_*`` settings and Django's
``DEFAULT_FROM_EMAIL`` / ``WAGTAIL_SITE_NAME`` fill what is left empty, the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings as django_settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from newsletter import conf
from newsletter.languages import active_language_is
from newsletter.models.settings import NewsletterSettings

# The organisation when nothing names it: readable in a consent sentence, not a CASL identity.
UNNAMED_ORGANISATION = "us"
# The CASL footer's fields, as Settings > Newsletter settings labels them.
CASL_FIELDS = {
    "organisation": _("organisation name"),
    "postal_address": _("postal address"),
    "contact_email": _("contact email"),
}


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

    def missing_casl_fields(self) -> list[str]:
        """The CASL footer fields left empty (their labels), after every fallback: a bulk or
        test email without them must not go out."""
        values = {
            "organisation": "" if self.organisation == UNNAMED_ORGANISATION else self.organisation,
            "postal_address": self.postal_address,
            "contact_email": self.contact_email,
        }
        return [str(label) for key, label in CASL_FIELDS.items() if not values[key].strip()]

    def casl_refusal(self) -> str:
        """Why an email cannot go out with this identity ("" if it can): names what is missing
        and where to fill it in."""
        missing = self.missing_casl_fields()
        if not missing:
            return ""
        return _(
            "The footer every email must carry (CASL) is incomplete: fill in the %(fields)s in "
            "Settings > Newsletter settings."
        ) % {"fields": ", ".join(missing)}


def sender_identity(site=None, *, saved: NewsletterSettings | None = None) -> SenderIdentity:
    """The identity of ``site`` (default: the default site), with every fallback applied;
    ``saved``: that site's Newsletter settings, when the caller has already read them."""
    if saved is None:
        saved = NewsletterSettings.for_site_or_default(site)
    organisation = (
        saved.organisation_name
        or conf.get("NEWSLETTER_SENDER_NAME")
        or getattr(django_settings, "WAGTAIL_SITE_NAME", "")
        or UNNAMED_ORGANISATION
    )
    reason = saved.reason
    if active_language_is("fr"):  # the French footer, where set
        organisation = saved.organisation_name_fr or organisation
        default = NewsletterSettings._meta.get_field("reason").default
        reason = saved.reason_fr or (gettext(default) if reason == default else reason)
    default_from = django_settings.DEFAULT_FROM_EMAIL
    return SenderIdentity(
        organisation=organisation,
        postal_address=saved.mailing_address or conf.get("NEWSLETTER_POSTAL_ADDRESS"),
        contact_email=saved.contact_email or conf.get("NEWSLETTER_CONTACT_EMAIL") or default_from,
        website_url=saved.website_url or conf.base_url(),
        reason=reason,
        from_name=saved.sender_name or organisation,
        from_email=saved.sender_email or default_from,
        reply_to=saved.reply_to,
    )
