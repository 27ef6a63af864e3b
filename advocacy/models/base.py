"""The common base of every advocacy page: date, summary, image, topics and the teaser."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from advocacy.dates import DatePrecision, format_page_date, machine_page_date, timeline_heading
from newsletter.headless.fields import ImageField, choice_type, typed
from newsletter.teasers import Teaser


def base_template() -> str:
    """The template every public advocacy page extends: ``ADVOCACY_BASE_TEMPLATE``.

    Defaults to ``"base.html"``; it must have the blocks of `wagtail start`'s base.html
    (title, title_suffix, extra_css, body_class, content, extra_js).
    """
    return getattr(settings, "ADVOCACY_BASE_TEMPLATE", "base.html")


class AdvocacyPageTopic(TaggedItemBase):
    """Links a topic tag to an advocacy page (topics are shared by every page kind)."""

    content_object = ParentalKey(
        "advocacy.AdvocacyPage", related_name="tagged_topics", on_delete=models.CASCADE
    )


class AdvocacyPage(Page):
    """Concrete base table for statements, letters and wins.

    One table with the date and topics lets the newsroom, timeline and feed list every kind
    together, sorted and filtered in the database, with a single query.
    """

    date = models.DateField(
        default=datetime.date.today,
        help_text=_(
            "The date the statement, letter or decision was made public. It orders "
            "the page in listings; 'Date precision' says how much of it readers see."
        ),
    )
    date_precision = models.CharField(
        _("date precision"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_(
            "How much of the date is known. For 'Month' or 'Year' pick any day in that month "
            "or year (the 1st is usual); 'Undated' hides the date everywhere."
        ),
    )
    summary = models.TextField(
        max_length=400,
        blank=True,
        help_text=_("One or two sentences for listings, search results, social cards and emails."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown on cards, social shares and in newsletters."),
    )
    topics = ClusterTaggableManager(
        through=AdvocacyPageTopic,
        blank=True,
        help_text=_("e.g. Palestine, free expression, UNRWA."),
    )

    is_creatable = False
    # Overridden by each page type; shown on cards and in emails (a noun: "an update").
    kind_label = pgettext_lazy("advocacy page kind", "Update")

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.FilterField("date"),
    ]

    meta_panels = [
        FieldRowPanel([FieldPanel("date"), FieldPanel("date_precision")]),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("topics"),
    ]

    api_fields = [
        APIField("date"),
        APIField("date_precision", serializer=typed(choice_type(DatePrecision))),
        APIField("date_display", serializer=typed(str)),
        APIField("summary"),
        APIField("image", serializer=ImageField()),
        APIField("topics"),
        APIField("label", serializer=typed(str)),
        APIField("facts", serializer=typed(str, source="teaser_facts")),
    ]

    class Meta:
        ordering = ["-date"]

    @classmethod
    def summary_panel(cls, heading: str | None = None) -> MultiFieldPanel:
        """The panel with the fields every kind shares, for the subclass's content panels."""
        return MultiFieldPanel(cls.meta_panels, heading=heading or _("Listing and sharing"))

    def get_context(self, request, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["base_template"] = base_template()
        return context

    @property
    def date_display(self) -> str:
        """The date as readers see it: "1 March 2024", "March 2024", "2024" or "" (undated)."""
        return format_page_date(self.date, self.date_precision)

    @property
    def date_machine(self) -> str:
        """The ``<time datetime>`` value at the known precision: "2024-03-01", "2024-03", …"""
        return machine_page_date(self.date, self.date_precision)

    @property
    def timeline_heading(self) -> str:
        """The timeline group heading: "March 2024", "2024" or "Undated"."""
        return timeline_heading(self.date, self.date_precision)

    @property
    def label(self) -> str:
        """The short label readers see on cards and in emails, e.g. 'Open letter'."""
        return str(self.kind_label)

    def get_teaser(self, request=None) -> Teaser:
        """The page as a card: see :mod:`newsletter.teasers`."""
        return Teaser(
            title=self.title,
            summary=self.summary or self.search_description,
            label=self.label,
            url=self.get_full_url(request=request) or "",
            date=self.date if self.date_display else None,  # undated: no date on the card
            date_text=self.date_display,
            image=self.image,
            facts=self.teaser_facts(),
        )

    def teaser_facts(self) -> str:
        """One short line of figures for cards and emails; page types override it."""
        return ""
