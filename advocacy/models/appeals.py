"""Donation appeals: a reusable snippet for pages and newsletter issues."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import TranslatableMixin
from wagtail.search import index

from newsletter.validators import validate_http_url


def parse_amounts(text: str) -> list[int]:
    """Turn '25, 50, $100' into [25, 50, 100]; raise ValueError naming the bad item."""
    amounts = []
    for raw in text.replace("$", "").split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            value = Decimal(item)
        except InvalidOperation:
            raise ValueError(
                gettext("“%(item)s” is not an amount") % {"item": raw.strip()}
            ) from None
        if value <= 0 or value != value.to_integral_value():
            raise ValueError(
                gettext("“%(item)s” must be a whole amount above zero") % {"item": raw.strip()}
            )
        amounts.append(int(value))
    return amounts


class DonationAppeal(TranslatableMixin, index.Indexed, models.Model):
    """An ask for money, with suggested amounts and other ways to give; translatable (each
    language's version is its own row, linked by ``translation_key``)."""

    name = models.CharField(
        max_length=120, help_text=_("For editors only, e.g. 'Ramadan 2024 appeal'.")
    )
    headline = models.CharField(max_length=160)
    message = RichTextField(features=["bold", "italic", "link"])
    button_label = models.CharField(max_length=40, default="Donate now")
    button_url = models.URLField(help_text=_("Your donation page."), validators=[validate_http_url])
    suggested_amounts = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("Whole amounts separated by commas, e.g. '25, 50, 100, 250'."),
    )
    currency = models.CharField(max_length=3, default="CAD")
    monthly_emphasis = models.BooleanField(
        default=False, help_text=_("Encourage monthly gifts (they sustain ongoing work).")
    )
    eligibility_note = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("e.g. 'Zakat eligible' or 'Tax receipts issued for gifts over $20'."),
    )
    beneficiary = models.CharField(
        max_length=160,
        blank=True,
        help_text=_(
            "Whose work the gifts fund, when it is not the organisation sending the "
            "newsletter, e.g. 'Canadians for Justice and Peace in the Middle East (CJPME)'. "
            "Shown as 'Your gift supports …'."
        ),
    )
    etransfer_email = models.EmailField(blank=True, help_text=_("Address for Interac e-Transfer."))
    phone = models.CharField(max_length=40, blank=True, help_text=_("Donate by phone."))
    mail_in_url = models.URLField(
        blank=True, help_text=_("A printable form to give by mail."), validators=[validate_http_url]
    )

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldPanel("headline"),
                FieldPanel("message"),
                FieldPanel("beneficiary"),
                FieldPanel("eligibility_note"),
            ],
            heading=_("The ask"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("button_label"),
                FieldPanel("button_url"),
                FieldPanel("suggested_amounts"),
                FieldPanel("currency"),
                FieldPanel("monthly_emphasis"),
            ],
            heading=_("Giving online"),
        ),
        MultiFieldPanel(
            [FieldPanel("etransfer_email"), FieldPanel("phone"), FieldPanel("mail_in_url")],
            heading=_("Other ways to give"),
        ),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("headline")]

    class Meta(TranslatableMixin.Meta):
        ordering = ["name"]
        verbose_name = _("donation appeal")
        verbose_name_plural = _("donation appeals")
        constraints = [
            models.UniqueConstraint(fields=["name", "locale"], name="unique_appeal_name_locale")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_amounts(self.suggested_amounts)
        except ValueError as error:
            raise ValidationError({"suggested_amounts": f"{error}."}) from None

    @property
    def amounts(self) -> list[int]:
        """The suggested amounts as numbers (empty if none are set)."""
        try:
            return parse_amounts(self.suggested_amounts)
        except ValueError:
            return []

    def amount_url(self, amount: int) -> str:
        """The donation URL preselecting an amount (``?amount=50``)."""
        joiner = "&" if "?" in self.button_url else "?"
        return f"{self.button_url}{joiner}amount={amount}"

    def as_dict(self) -> dict:
        """The appeal as JSON for the headless API."""
        return {
            "id": self.pk,
            "headline": self.headline,
            "message": self.message,
            "button_label": self.button_label,
            "button_url": self.button_url,
            "suggested_amounts": self.amounts,
            "currency": self.currency,
            "monthly_emphasis": self.monthly_emphasis,
            "eligibility_note": self.eligibility_note,
            "beneficiary": self.beneficiary,
            "etransfer_email": self.etransfer_email,
            "phone": self.phone,
            "mail_in_url": self.mail_in_url,
        }


@register_setting(icon="pick")
class AdvocacySettings(BaseSiteSetting):
    """Per-site defaults of the advocacy content in newsletters."""

    default_donation_appeal = models.ForeignKey(
        DonationAppeal,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Used by a newsletter's donation appeal block when it names no appeal, and "
            "added to issues started from recent content."
        ),
    )

    panels = [FieldPanel("default_donation_appeal")]

    class Meta:
        verbose_name = _("advocacy settings")
        verbose_name_plural = _("advocacy settings")
