"""Newsletter issues as Wagtail pages, their archive, and the site-wide newsletter settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page

from newsletter.issue_blocks import IssueBodyBlock


def parse_addresses(text: str) -> list[str]:
    """Split addresses (commas, spaces or lines); raise ValidationError naming a bad one."""
    addresses = [item for item in text.replace(",", " ").split() if item]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(f"“{address}” is not a valid email address.") from None
    return addresses


@register_setting(icon="mail")
class NewsletterSettings(BaseSiteSetting):
    """Who sends the newsletter: everything the CASL footer and the sender headers need."""

    organisation_name = models.CharField(max_length=200, blank=True)
    mailing_address = models.TextField(
        blank=True, help_text="Postal address shown in every email (required by CASL)."
    )
    contact_email = models.EmailField(blank=True, help_text="How readers reach a person.")
    website_url = models.URLField(blank=True, help_text="Leave empty to use the site's address.")
    sender_name = models.CharField(max_length=120, blank=True, help_text="Default 'From' name.")
    sender_email = models.EmailField(blank=True, help_text="Default 'From' address.")
    reply_to = models.EmailField(blank=True, help_text="Default Reply-To address.")
    default_donation_appeal = models.ForeignKey(
        "advocacy.DonationAppeal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(
        max_length=300,
        default="You are receiving this email because you subscribed to our newsletter.",
        help_text="Why the reader gets this email; shown in the footer.",
    )
    test_addresses = models.TextField(
        blank=True, help_text="Addresses that receive test sends, one per line."
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
            heading="Footer (CASL: identify the sender)",
        ),
        MultiFieldPanel(
            [FieldPanel("sender_name"), FieldPanel("sender_email"), FieldPanel("reply_to")],
            heading="Sender",
        ),
        FieldPanel("default_donation_appeal"),
        FieldPanel("test_addresses"),
    ]

    class Meta:
        verbose_name = "newsletter settings"

    def clean(self) -> None:
        try:
            parse_addresses(self.test_addresses)
        except ValidationError as error:
            raise ValidationError({"test_addresses": error.messages}) from None

    def fingerprint(self) -> str:
        """Changes whenever a value that appears in a rendered email changes."""
        return "|".join(
            str(value)
            for value in (
                self.organisation_name,
                self.mailing_address,
                self.contact_email,
                self.website_url,
                self.reason,
                self.sender_name,
                self.default_donation_appeal_id,
            )
        )


class NewsletterArchivePage(Page):
    """The public archive of past issues; new issues are created below it."""

    intro = models.TextField(blank=True)

    subpage_types = ["newsletter.NewsletterIssuePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = "newsletter archive"

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["issues"] = (
            NewsletterIssuePage.objects.live().public().child_of(self).order_by("-issue_date")
        )
        return context


class NewsletterIssuePage(Page):
    """One issue of the newsletter, written, previewed, test-sent and published like a page."""

    subject = models.CharField(max_length=200, help_text="The email's subject line.")
    preheader = models.CharField(
        max_length=160,
        blank=True,
        help_text="The preview text mail clients show after the subject.",
    )
    issue_date = models.DateField(
        null=True, blank=True, help_text="Shown in the archive; defaults to the publish date."
    )
    sender_name = models.CharField(
        max_length=120, blank=True, help_text="Leave empty for the default in newsletter settings."
    )
    reply_to = models.EmailField(
        blank=True, help_text="Leave empty for the default in newsletter settings."
    )
    body = StreamField(IssueBodyBlock(), blank=True)

    parent_page_types = ["newsletter.NewsletterArchivePage"]
    subpage_types: list[str] = []
    template = "newsletter/issue_web.html"

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("subject"), FieldPanel("preheader"), FieldPanel("issue_date")],
            heading="Email",
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("sender_name"), FieldPanel("reply_to")],
            heading="Sender",
            classname="collapsed",
        ),
    ]
    api_fields = [
        APIField("subject"),
        APIField("preheader"),
        APIField("issue_date"),
        APIField("body"),
    ]

    preview_modes = [("", "Web"), ("email", "Email"), ("text", "Plain text")]

    class Meta:
        verbose_name = "newsletter issue"

    def save(self, *args, **kwargs):
        if self.issue_date is None and self.live:
            from django.utils import timezone

            self.issue_date = timezone.localdate()
        return super().save(*args, **kwargs)

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """The web version ("view in browser"): the email itself, with neutral links."""
        from newsletter.rendering import render_for_web

        return render_for_web(self, request, revision_id=self.live_revision_id)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        from newsletter.rendering import RenderError, render_for_web, render_issue

        try:
            if mode_name == "text":
                rendered = render_issue(self)
                return HttpResponse(
                    rendered.text_for_web(), content_type="text/plain; charset=utf-8"
                )
            return render_for_web(self, request)
        except RenderError as error:
            return TemplateResponse(
                request, "newsletter/email/render_error.html", {"error": error}, status=200
            )
