"""Insight records: per-link click counts kept as click events arrive, and saved segments."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from newsletter.models.audience import LANGUAGES, Subscription


class LinkClick(models.Model):
    """Clicks on one link of one send, counted as the provider's click events arrive (each
    event once: it is counted only when its TrackingEvent is new)."""

    dispatch = models.ForeignKey(
        "newsletter.Dispatch", on_delete=models.CASCADE, related_name="link_clicks"
    )
    url = models.URLField(_("link"), max_length=2000)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    first_clicked_at = models.DateTimeField(default=timezone.now)
    last_clicked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("link click count")
        verbose_name_plural = _("link click counts")
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "url"], name="one_link_click_row"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.clicks})"


class Segment(models.Model):
    """A saved part of a mailing list: its active members who match every filter set here.

    A send can go to segments as it goes to lists; the freeze resolves them once, so the
    exactly-once rules hold as for lists."""

    name = models.CharField(_("name"), max_length=200)
    mailing_list = models.ForeignKey(
        "newsletter.MailingList",
        verbose_name=_("mailing list"),
        on_delete=models.PROTECT,
        related_name="segments",
    )
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, blank=True)
    province = models.CharField(
        _("province or region"), max_length=40, blank=True, help_text=_("e.g. QC")
    )
    source = models.CharField(
        _("how they joined"), max_length=12, choices=Subscription.Source.choices, blank=True
    )
    consent_type = models.CharField(
        _("consent kind"), max_length=10, choices=Subscription.ConsentType.choices, blank=True
    )
    engaged_in_last_sends = models.PositiveSmallIntegerField(
        _("opened or clicked in the last N sends"),
        null=True,
        blank=True,
        help_text=_("Leave empty to ignore engagement."),
    )
    signed_up_after = models.DateField(_("signed up on or after"), null=True, blank=True)
    signed_up_before = models.DateField(_("signed up on or before"), null=True, blank=True)
    tags = models.ManyToManyField(
        Tag,
        verbose_name=_("tags"),
        blank=True,
        related_name="+",
        help_text=_("Members with any of these tags."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("mailing_list"),
        MultiFieldPanel(
            [
                FieldPanel("language"),
                FieldPanel("province"),
                FieldPanel("source"),
                FieldPanel("consent_type"),
                FieldPanel("engaged_in_last_sends"),
                FieldPanel("signed_up_after"),
                FieldPanel("signed_up_before"),
                FieldPanel("tags"),
            ],
            heading=_("Filters"),
        ),
    ]

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.mailing_list})"
