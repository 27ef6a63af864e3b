"""Sign-on requests: an organisation asks to sign an open letter through its public form.

A request is *pending* until its contact clicks the emailed link (double opt-in), then
*confirmed* and waiting for a moderator, who approves it (the organisation joins the letter's
signatories, at the end) or rejects it. Nothing appears on the letter before approval. The
contact's name, email and role are personal data: only moderators and audience managers see
them; the public page and the API show the organisation alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocacy.models.confirmations import ConfirmedByLink
from advocacy.models.organisations import PROVINCE_CHOICES, Organisation, organisation_key
from newsletter.models.audience import normalise_email
from newsletter.validators import validate_http_url


class SignOnRequest(ConfirmedByLink):
    """One organisation's request to sign one open letter."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the contact to confirm")
        CONFIRMED = "confirmed", _("Confirmed, waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    letter = models.ForeignKey(
        "advocacy.OpenLetterPage",
        on_delete=models.CASCADE,
        related_name="sign_on_requests",
        verbose_name=_("letter"),
    )
    organisation_name = models.CharField(_("organisation name"), max_length=255)
    city = models.CharField(_("city"), max_length=120)
    province = models.CharField(_("province or territory"), max_length=2, choices=PROVINCE_CHOICES)
    website = models.URLField(_("website"), blank=True, validators=[validate_http_url])
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    contact_role = models.CharField(_("role"), max_length=200)
    authorised = models.BooleanField(_("authorised to sign"), default=False)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    organisation = models.ForeignKey(
        "advocacy.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_on_requests",
        verbose_name=_("organisation"),
        help_text=_("The organisation on the letter, once approved (new or merged)."),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("sign-on request")
        verbose_name_plural = _("sign-on requests")
        permissions = [("moderate_signonrequest", _("Can moderate signatures"))]
        indexes = [models.Index(fields=["contact_email", "created_at"])]

    def __str__(self) -> str:
        return self.organisation_name

    def save(self, *args, **kwargs) -> None:
        self.contact_email = normalise_email(self.contact_email)
        super().save(*args, **kwargs)

    @property
    def name_key(self) -> str:
        return organisation_key(self.organisation_name)

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.REJECTED)

    def approve(self, user=None, *, organisation: Organisation | None = None) -> Organisation:
        """Put the organisation on the letter (at the end) and record who decided.

        ``organisation`` merges the request into an existing organisation; without it the
        organisation with the same name (ignoring case and spacing) is used, or a new one is
        created from the request. Only a confirmed request can be approved (``ValueError``
        otherwise); approving an organisation already on the letter adds no second row.
        """
        from advocacy.signatories import append_signatory

        with transaction.atomic():
            locked = SignOnRequest.objects.select_for_update().get(pk=self.pk)
            if locked.status != self.Status.CONFIRMED:
                raise ValueError(
                    f"Only a confirmed request can be approved (this one is {locked.status})."
                )
            if organisation is None:
                organisation = Organisation.objects.filter(name_key=self.name_key).first()
            if organisation is None:
                organisation = Organisation.objects.create(
                    name=self.organisation_name,
                    city=self.city,
                    province=self.province,
                    website=self.website,
                )
            append_signatory(self.letter, organisation)
            self.status = locked.status = self.Status.APPROVED
            self.organisation = organisation
            self.decided_at = timezone.now()
            self.decided_by = user
            self.save(update_fields=["status", "organisation", "decided_at", "decided_by"])
        return organisation

    def reject(self, user=None, reason: str = "") -> None:
        """Record the rejection (a pending or confirmed request); nothing reaches the letter."""
        with transaction.atomic():
            locked = SignOnRequest.objects.select_for_update().get(pk=self.pk)
            if locked.is_decided:
                raise ValueError(f"This request was already {locked.status}.")
            self.status = self.Status.REJECTED
            self.rejection_reason = reason.strip()
            self.decided_at = timezone.now()
            self.decided_by = user
            self.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
