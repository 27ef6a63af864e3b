"""The confirmation emails sent to each address lately: what the daily allowance counts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
