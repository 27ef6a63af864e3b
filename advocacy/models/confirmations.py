"""What sign-on requests and supporter actions share: the consent and confirmation fields of a
public form confirmed by a signed link, and the confirmation emails sent to each address lately
(what the daily allowance counts)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsletter.models.audience import new_public_id


class ConfirmedByLink(models.Model):
    """Abstract: a public form's request that its sender confirms by a signed emailed link.

    Holds the public id in the link, the newsletter consent asked on the form (the wording
    shown, the language, where it came from) and the confirming click's time and address.
    """

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    wants_newsletter = models.BooleanField(_("wants the newsletter"), default=False)
    consent_text = models.ForeignKey(
        "newsletter.ConsentText",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("consent wording shown"),
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True


class ConfirmationEmail(models.Model):
    """One sign-on or action confirmation email to an address, kept for a day.

    The address is stored as a hash (:func:`advocacy.confirmations.address_hash`): the table
    only counts, and the rows go once they are a day old.
    """

    address_hash = models.CharField(max_length=64, db_index=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("confirmation email")
        verbose_name_plural = _("confirmation emails")

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… {self.sent_at:%Y-%m-%d %H:%M}"
