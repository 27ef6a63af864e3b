"""Sending records: a Dispatch (one issue to some lists), its batches, one Delivery per person,
and the raw tracking events the provider reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Dispatch(models.Model):
    """An issue's revision sent to one or more lists, frozen when it starts."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", pgettext_lazy("status", "Sent")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.SENDING,)
    FINISHED = (Status.SENT, Status.CANCELLED, Status.FAILED)

    issue = models.ForeignKey(
        "newsletter.NewsletterIssuePage", on_delete=models.PROTECT, related_name="dispatches"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mailing_lists = models.ManyToManyField("newsletter.MailingList", related_name="dispatches")
    segments = models.ManyToManyField(
        "newsletter.Segment",
        blank=True,
        related_name="dispatches",
        help_text=_("Parts of lists: their members who match the segment's filters."),
    )
    include_sunset = models.BooleanField(
        _("include inactive readers"),
        default=False,
        help_text=_("Also send to readers flagged by the sunset policy (left out by default)."),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The frozen message: what is sent does not change when the page is edited afterwards.
    subject = models.CharField(max_length=255, blank=True)
    from_email = models.CharField(max_length=320, blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    provider = models.CharField(max_length=40, blank=True, help_text=_("The email backend used."))
    provider_template = models.CharField(
        max_length=100,
        blank=True,
        help_text=_(
            "The provider's id of the template holding this send (Postmark, Amazon SES, "
            "Brevo), while it is stored there."
        ),
    )
    batch_size = models.PositiveIntegerField(default=1000)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0, help_text=_("Recipients frozen at the start."))
    last_error = models.TextField(blank=True)
    language = models.CharField(
        _("language"),
        max_length=7,
        blank=True,
        help_text=_(
            "The language of the issue sent; readers of another language get its "
            "translation (see the send's versions) where there is one, else this."
        ),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("send")
        verbose_name_plural = _("sends")
        permissions = [("send_newsletter", _("Can send newsletters"))]

    def __str__(self) -> str:
        return f"{self.subject or self.issue} ({self.get_status_display()})"


class DispatchVersion(models.Model):
    """A send's content in another language: a translation of its issue, frozen with the
    send. Readers of that language get it; everyone else gets the send's own content."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=7)
    issue = models.ForeignKey(
        "newsletter.NewsletterIssuePage", on_delete=models.PROTECT, related_name="+"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=255)
    from_email = models.CharField(max_length=320)
    reply_to = models.CharField(max_length=254, blank=True)
    html = models.TextField()
    text = models.TextField()
    provider_template = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dispatch", "language"], name="one_version_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dispatch_id} ({self.language})"


class Batch(models.Model):
    """Up to one provider call's worth of deliveries; claimed by one worker at a time.
    All its readers share one language: ``language`` names the send's version they get
    (empty: the send's own content)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CLAIMED = "claimed", _("Claimed by a worker, not posted yet")
        IN_FLIGHT = "in_flight", _("In flight (the provider call is being made)")
        SENT = "sent", pgettext_lazy("status", "Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown")

    # Not finished: the dispatch is still sending while any batch is in one of these.
    OPEN = (Status.QUEUED, Status.CLAIMED, Status.IN_FLIGHT)

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    size = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(
        null=True, blank=True, help_text=_("Retry backoff: not claimed before this time.")
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("The provider's id for the whole call (inline merge)."),
    )
    last_error = models.TextField(blank=True)
    language = models.CharField(max_length=7, blank=True)

    class Meta:
        ordering = ["dispatch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "number"], name="unique_batch_number")
        ]
        indexes = [
            models.Index(fields=["dispatch", "status"], name="batch_dispatch_status"),
            models.Index(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="batch_message_id",
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.number} of dispatch {self.dispatch_id} ({self.status})"


class Delivery(models.Model):
    """One recipient of one dispatch: never more than one per person and dispatch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # also while its batch is in flight
        SENT = "sent", pgettext_lazy("status", "Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown")
        SKIPPED = "skipped", _("Skipped (unsubscribed or suppressed during the send)")

    # Few indexes, and none on a column the send changes (status, sent_at, attempts): the
    # freeze writes fewer index entries, and marking a batch sent is a HOT update on PostgreSQL
    # (the table keeps free space on each page, see migration 0007), about 8x less work.
    # No index of its own on dispatch: the two constraints below start with it.
    # No foreign-key constraints in the database on the three links (db_constraint=False):
    # checking them for each of 100,000 rows was 60% of a freeze's time (2.4 s of PostgreSQL
    # CPU, 0.9 s without). The rows are only written by the freeze, which takes the ids from
    # the batches and subscribers it reads in the same transaction, and deletions go through
    # the ORM, which applies CASCADE and SET_NULL itself (a subscriber erased, a send deleted).
    dispatch = models.ForeignKey(
        Dispatch,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    subscriber = models.ForeignKey(
        "newsletter.Subscriber",
        null=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_constraint=False,
    )
    email = models.EmailField(max_length=254, help_text=_("The address at send time."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    provider_message_id = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Set when the provider gave each recipient an id; else see the batch's."),
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The tracking timeline: each moment is recorded once, the first time it happens.
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)  # hard, or refused by the provider
    # A temporary failure (mailbox full, greylisted): it does not end the timeline, and only
    # NEWSLETTER_SOFT_BOUNCE_LIMIT of them in a row, over separate sends, suppress the address.
    soft_bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["dispatch", "subscriber"], name="one_delivery_per_subscriber"
            ),
            models.UniqueConstraint(fields=["dispatch", "email"], name="one_delivery_per_address"),
        ]
        indexes = [
            # Tracking webhooks look deliveries up by message id: exact matches of ids that
            # are set, so a partial index (queries must say ``provider_message_id <> ''``).
            models.Index(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="delivery_message_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"

    @property
    def message_id(self) -> str:
        """The provider's message id: the delivery's own, else its batch's (one per call)."""
        return self.provider_message_id or self.batch.provider_message_id


class TrackingEvent(models.Model):
    """A raw event from the provider's webhook, stored once per provider event id."""

    provider = models.CharField(max_length=40)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=40)
    message_id = models.CharField(max_length=255, blank=True)
    recipient = models.EmailField(max_length=254, blank=True)
    timestamp = models.DateTimeField(null=True, blank=True)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    raw = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="unique_provider_event")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.recipient} ({self.provider})"
