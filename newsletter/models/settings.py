"""The site-wide newsletter settings: who sends, the CASL footer, the brand, test addresses."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site


def parse_addresses(text: str) -> list[str]:
    """Split addresses (commas, spaces or lines); raise ValidationError naming a bad one."""
    addresses = [item for item in text.replace(",", " ").split() if item]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                gettext("“%(address)s” is not a valid email address.") % {"address": address}
            ) from None
    return addresses


@register_setting(icon="mail")
class NewsletterSettings(BaseSiteSetting):
    """Who sends the newsletter: everything the CASL footer and the sender headers need."""

    organisation_name = models.CharField(max_length=200, blank=True)
    mailing_address = models.TextField(
        blank=True, help_text=_("Postal address shown in every email (required by CASL).")
    )
    contact_email = models.EmailField(blank=True, help_text=_("How readers reach a person."))
    website_url = models.URLField(blank=True, help_text=_("Leave empty to use the site's address."))
    sender_name = models.CharField(max_length=120, blank=True, help_text=_("Default 'From' name."))
    sender_email = models.EmailField(blank=True, help_text=_("Default 'From' address."))
    reply_to = models.EmailField(blank=True, help_text=_("Default Reply-To address."))
    reason = models.CharField(
        max_length=300,
        default=gettext_noop(
            "You are receiving this email because you subscribed to our newsletter."
        ),
        help_text=_("Why the reader gets this email; shown in the footer."),
    )
    # The footer in French (CASL asks the sender to be identified in the reader's language);
    # empty: the English text is used.
    organisation_name_fr = models.CharField(
        _("organisation name in French"),
        max_length=200,
        blank=True,
        help_text=_("Only where it differs from the English name."),
    )
    reason_fr = models.CharField(
        _("reason in French"),
        max_length=300,
        blank=True,
        help_text=_("Why the reader gets this email, in French; shown in French emails."),
    )
    test_addresses = models.TextField(
        blank=True, help_text=_("Addresses that receive test sends, one per line.")
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Shown at the top of every email, on the brand colour; a light or "
            "transparent logo reads best. Its alt text is the organisation name."
        ),
    )
    header_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A wide image under the logo bar of every email (optional)."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("mailing_address"),
                FieldPanel("contact_email"),
                FieldPanel("website_url"),
                FieldPanel("reason"),
            ],
            heading=_("Footer (CASL: identify the sender)"),
        ),
        MultiFieldPanel(
            [FieldPanel("organisation_name_fr"), FieldPanel("reason_fr")],
            heading=_("Footer in French"),
        ),
        MultiFieldPanel(
            [FieldPanel("sender_name"), FieldPanel("sender_email"), FieldPanel("reply_to")],
            heading=_("Sender"),
        ),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("header_image")], heading=_("Brand")),
        FieldPanel("test_addresses"),
    ]

    class Meta:
        verbose_name = _("newsletter settings")
        verbose_name_plural = _("newsletter settings")

    def clean(self) -> None:
        try:
            parse_addresses(self.test_addresses)
        except ValidationError as error:
            raise ValidationError({"test_addresses": error.messages}) from None

    @classmethod
    def for_site_or_default(cls, site: Site | None = None) -> NewsletterSettings:
        """The settings of ``site``, else of the default site, else unsaved defaults."""
        site = site or Site.objects.filter(is_default_site=True).first()
        return cls.for_site(site) if site else cls()
