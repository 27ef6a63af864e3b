"""The host site's home page."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page

from advocacy.models.listings import advocacy_pages_under, for_cards
from newsletter.headless.fields import PageLinkField, RichTextHTMLField


class HomePage(Page):
    """Hero, a featured page, the latest advocacy and a donation appeal."""

    hero_heading = models.CharField(max_length=160, blank=True)
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    featured_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown large at the top, e.g. your newest open letter."),
    )
    donation_appeal = models.ForeignKey(
        "advocacy.DonationAppeal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    newsletter_list = models.ForeignKey(
        "newsletter.MailingList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_public": True},
        help_text=_("Show a newsletter signup form for this public list."),
    )
    latest_count = models.PositiveSmallIntegerField(
        default=6, help_text=_("How many of the latest statements, letters and wins to list.")
    )

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("hero_heading"), FieldPanel("intro")], heading=_("Welcome")),
        FieldPanel("featured_page"),
        FieldPanel("latest_count"),
        FieldPanel("donation_appeal"),
        FieldPanel("newsletter_list"),
    ]
    api_fields = [
        APIField("hero_heading"),
        APIField("intro", serializer=RichTextHTMLField()),
        APIField("featured_page", serializer=PageLinkField()),
        APIField("latest_count"),
    ]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        latest = advocacy_pages_under(self)
        if self.featured_page_id:
            latest = latest.exclude(pk=self.featured_page_id)
        context["latest_pages"] = for_cards(latest[: self.latest_count])
        context["featured"] = self.featured_page.specific if self.featured_page else None
        return context
