"""Newsletter issues as Wagtail pages, and their public archive."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Page

from newsletter.headless.fields import stream_field
from newsletter.issues.blocks import IssueBodyBlock, IssueBodyField
from newsletter.issues.rendering import preview_response, web_response
from newsletter.public import base_template


class NewsletterArchivePage(Page):
    """The public archive of past issues; new issues are created below it."""

    intro = models.TextField(blank=True)

    subpage_types = ["newsletter.NewsletterIssuePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("newsletter archive")
        verbose_name_plural = _("newsletter archives")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["base_template"] = base_template()
        context["issues"] = (
            NewsletterIssuePage.objects.live().public().child_of(self).order_by("-issue_date")
        )
        return context


class NewsletterIssuePage(Page):
    """One issue of the newsletter, written, previewed, test-sent and published like a page."""

    subject = models.CharField(max_length=200, help_text=_("The email's subject line."))
    preheader = models.CharField(
        max_length=160,
        blank=True,
        help_text=_("The preview text mail clients show after the subject."),
    )
    issue_date = models.DateField(
        null=True, blank=True, help_text=_("Shown in the archive; defaults to the publish date.")
    )
    sender_name = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("Leave empty for the default in newsletter settings."),
    )
    reply_to = models.EmailField(
        blank=True, help_text=_("Leave empty for the default in newsletter settings.")
    )
    body = IssueBodyField(blank=True)
    utm_enabled = models.BooleanField(
        _("add UTM parameters"),
        default=True,
        help_text=_(
            "Add utm_source, utm_medium and utm_campaign to links to the organisation's own "
            "site, so its analytics can attribute visits and donations to this issue."
        ),
    )
    utm_campaign = models.CharField(
        _("UTM campaign"),
        max_length=100,
        blank=True,
        help_text=_("Leave empty for the issue's slug."),
    )

    parent_page_types = ["newsletter.NewsletterArchivePage"]
    subpage_types: list[str] = []

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("subject"), FieldPanel("preheader"), FieldPanel("issue_date")],
            heading=_("Email"),
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("sender_name"), FieldPanel("reply_to")],
            heading=_("Sender"),
            classname="collapsed",
        ),
        MultiFieldPanel(
            [FieldPanel("utm_enabled"), FieldPanel("utm_campaign")],
            heading=_("Link tracking"),
            classname="collapsed",
        ),
    ]
    api_fields = [
        APIField("subject"),
        APIField("preheader"),
        APIField("issue_date"),
        APIField("body", serializer=stream_field(IssueBodyBlock, "IssueBody")),
    ]

    preview_modes = [("", _("Email")), ("text", _("Plain text"))]

    class Meta:
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")

    def save(self, *args, **kwargs):
        if self.issue_date is None and self.live:
            self.issue_date = timezone.localdate()
        return super().save(*args, **kwargs)

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """The web version ("view in browser"): the email itself, with neutral links."""
        return web_response(self, request, revision_id=self.live_revision_id)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        return preview_response(self, request, mode_name)
