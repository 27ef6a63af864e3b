"""Audience records: subscribers, mailing lists, subscriptions (the consent records),
suppressions, consent wordings and import runs.

A :class:`Subscription` is one consent record: who agreed to which list, how, when, from where
and to which wording; and when and how it ended. Re-subscribing after unsubscribing starts a new
record, so the history is never overwritten. Change these records through
:mod:`newsletter.audience.subscriptions`, where the rules live.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel

LANGUAGES = [("en", "English"), ("fr", "Français")]


def new_public_id() -> str:
    """A random, unguessable id for links (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def normalise_email(raw: str) -> str:
    """The address as stored and compared: trimmed, lower-case."""
    return raw.strip().lower()


class MailingList(models.Model):
    """A list people subscribe to. Internal lists are never offered on public forms."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=80, unique=True, help_text=_("Used in forms, the API and commands.")
    )
    description = models.TextField(
        blank=True, help_text=_("Shown on forms and the preference page.")
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_(
            "Public lists can be chosen on subscribe forms and the preference page. "
            "Internal lists are filled only by import or by hand."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("is_public"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailing list")
        verbose_name_plural = _("mailing lists")

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    """An email address and how to address its owner. Unique regardless of case."""

    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=2, choices=LANGUAGES, default="en")
    province = models.CharField(
        _("province or region"),
        max_length=40,
        blank=True,
        help_text=_("As imported or given, e.g. QC or ON: segments can filter on it."),
    )
    tags = TaggableManager(
        verbose_name=_("tags"),
        through="newsletter.TaggedSubscriber",
        blank=True,
        help_text=_("Free labels for segments, e.g. donor, volunteer, Montréal event."),
    )
    public_id = models.CharField(
        max_length=32,
        unique=True,
        default=new_public_id,
        editable=False,
        help_text=_("Random id used (signed) in unsubscribe and preference links."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Sunset policy (newsletter.insights.sunset): flagged when the reader has opened and clicked
    # nothing for a while; asked to confirm they still want the newsletter; left out of sends
    # (unless a send includes them) until they open, click or confirm again.
    sunset_at = models.DateTimeField(
        _("inactive since flagged"), null=True, blank=True, editable=False
    )
    repermission_sent_at = models.DateTimeField(
        _("re-permission email sent"), null=True, blank=True, editable=False
    )
    # At most NEWSLETTER_CONFIRM_EMAILS_PER_DAY confirmation emails per day, whatever the list:
    # how many were sent since the day's window opened (kept here, so it holds without a cache).
    confirmation_window_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmation_emails_in_window = models.PositiveSmallIntegerField(default=0, editable=False)

    panels = [
        FieldPanel("email", read_only=True),
        FieldPanel("name"),
        FieldPanel("language"),
        FieldPanel("province"),
        FieldPanel("tags"),
    ]

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_ci_unique")
        ]
        permissions = [
            ("export_subscribers", _("Can export subscribers and consent records")),
            ("import_subscribers", _("Can import subscribers from a CSV file")),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.email = normalise_email(self.email)


class ConsentText(models.Model):
    """One version of the consent sentence shown beside the checkbox (never edited)."""

    language = models.CharField(max_length=2, choices=LANGUAGES)
    text = models.TextField()
    version = models.CharField(max_length=16, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")

    def __str__(self) -> str:
        return f"{self.version} ({self.language})"

    def save(self, *args, **kwargs) -> None:
        self.version = self.version_of(self.language, self.text)
        super().save(*args, **kwargs)

    @staticmethod
    def version_of(language: str, text: str) -> str:
        return hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()[:16]


class ImportRun(models.Model):
    """One CSV import (command or admin upload): who, what, into which list, with what result."""

    mailing_list = models.ForeignKey(MailingList, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    consent_type = models.CharField(max_length=10)
    source = models.CharField(max_length=255)
    imported_by = models.CharField(max_length=150)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} → {self.mailing_list} ({self.started_at:%Y-%m-%d %H:%M})"


class Subscription(models.Model):
    """One consent record: a subscriber on a list, from consent to (perhaps) its end."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        ACTIVE = "active", _("Active")
        UNSUBSCRIBED = "unsubscribed", pgettext_lazy("subscription status", "Unsubscribed")

    class ConsentType(models.TextChoices):
        EXPRESS = "express", _("Express")
        IMPLIED = "implied", _("Implied (lapses after 2 years)")

    class Source(models.TextChoices):
        FORM = "form", _("Subscribe form")
        API = "api", _("API")
        IMPORT = "import", pgettext_lazy("subscription source", "Import")
        ADMIN = "admin", _("Added in the admin")
        PREFERENCES = "preferences", _("Preference page")
        ACTION = "action", _("Supporter action")
        SIGN_ON = "sign_on", _("Open letter sign-on")

    class EndedHow(models.TextChoices):
        ONE_CLICK = "one_click", _("One-click unsubscribe")
        UNSUBSCRIBE_PAGE = "unsubscribe_page", _("Unsubscribe page")
        PREFERENCES = "preferences", _("Preference page")
        EVERYTHING = "everything", _("Unsubscribed from everything")
        LAPSED = "lapsed", _("Implied consent lapsed")
        ADMIN = "admin", _("Ended in the admin")
        BOUNCED = "bounced", _("Hard bounce reported by the provider")
        COMPLAINT = "complaint", _("Spam complaint reported by the provider")
        PROVIDER = "provider", _("Unsubscribed through the provider")

    OPEN = (Status.PENDING, Status.ACTIVE)

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    mailing_list = models.ForeignKey(
        MailingList, on_delete=models.PROTECT, related_name="subscriptions"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    consent_type = models.CharField(max_length=10, choices=ConsentType.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    source_detail = models.CharField(
        max_length=255, blank=True, help_text=_("Where exactly: a page URL, an import's source.")
    )
    consented_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    confirmed_ip_address = models.GenericIPAddressField(
        null=True, blank=True, help_text=_("Where the confirming click came from.")
    )
    confirmed_user_agent = models.CharField(
        max_length=400, blank=True, help_text=_("The browser of the confirming click.")
    )
    consent_text = models.ForeignKey(
        ConsentText, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_by = models.CharField(
        max_length=150, blank=True, help_text=_("Who imported or added this record.")
    )
    import_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, help_text=_("Consent note, e.g. 'signed paper form'."))
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_how = models.CharField(max_length=20, choices=EndedHow.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "mailing_list"],
                condition=models.Q(status__in=["pending", "active"]),
                name="newsletter_one_open_subscription_per_list",
            )
        ]
        indexes = [
            models.Index(fields=["mailing_list", "status"], name="newsletter_sub_list_status"),
            models.Index(fields=["consent_type", "consented_at"], name="newsletter_sub_consent"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.mailing_list} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Suppression(models.Model):
    """An address that gets no bulk email, whatever list it is on."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED_ALL = "unsubscribed_all", _("Unsubscribed from everything")
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")
        MANUAL = "manual", _("Suppressed by hand")

    email = models.EmailField(max_length=254, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("email"), FieldPanel("reason"), FieldPanel("note")]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_reason_display()})"

    def save(self, *args, **kwargs) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.email = normalise_email(self.email)


class TaggedSubscriber(TaggedItemBase):
    """A tag on a subscriber (django-taggit's through model)."""

    content_object = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = _("subscriber tag")
        verbose_name_plural = _("subscriber tags")
