"""Listing pages: the newsroom (filterable, paginated) and the advocacy timeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page

from advocacy.dates import DatePrecision
from advocacy.models.base import AdvocacyPage, AdvocacyPageTopic, base_template
from advocacy.models.letters import OpenLetterPage
from advocacy.models.statements import StatementPage
from advocacy.models.wins import CampaignWinPage, Outcome
from newsletter.languages import localized

KINDS = {
    "statement": StatementPage,
    "letter": OpenLetterPage,
    "win": CampaignWinPage,
}
KIND_LABELS = {
    "statement": _("Statements"),
    "letter": _("Open letters"),
    "win": _("Campaign wins"),
}
MAX_TOPIC_SLUG_LENGTH = 100  # taggit's Tag.slug


def advocacy_pages_under(page: Page) -> models.QuerySet[AdvocacyPage]:
    """Live, public advocacy pages below ``page``, newest first, ready for cards."""
    return (
        AdvocacyPage.objects.live()
        .public()
        .descendant_of(page)
        .select_related("image")
        .order_by("-date", "-pk")
    )


def for_cards(pages: models.QuerySet[AdvocacyPage]) -> models.QuerySet:
    """The specific pages with their images and renditions loaded: no query per card."""
    return (
        pages.specific()
        .select_related("image", for_specific_subqueries=True)
        .prefetch_related("image__renditions", for_specific_subqueries=True)
    )


@dataclass
class TimelineGroup:
    """Consecutive timeline pages under one heading ("March 2024", "2021", "Undated").

    ``context`` tells apart headings that occur more than once (undated pages sit where
    their date orders them, so "Undated" can come back): screen readers hear "Undated, after
    February 2024"; it is empty for a heading seen for the first time.
    """

    heading: str
    items: list = field(default_factory=list)
    context: str = ""


def timeline_groups(pages) -> list[TimelineGroup]:
    """The pages, oldest first, grouped under their timeline headings."""
    groups: list[TimelineGroup] = []
    seen: set[str] = set()
    last_dated = ""
    for page in pages:
        heading = page.timeline_heading
        if groups and groups[-1].heading == heading:
            groups[-1].items.append(page)
            continue
        context = ""
        if page.date_precision == DatePrecision.UNDATED and last_dated:
            context = _("after %(heading)s") % {"heading": last_dated}
        elif heading in seen:
            context = _("continued")
        label, repeat = f"{heading}, {context}", 1
        while label in seen:  # the same heading and context once more: number it
            repeat += 1
            label = f"{heading}, {context} ({repeat})"
        if repeat > 1:
            context = f"{context} ({repeat})"
        groups.append(TimelineGroup(heading, [page], str(context)))
        seen.update((heading, label))
        if page.date_precision != DatePrecision.UNDATED:
            last_dated = heading
    return groups


class NewsroomPage(Page):
    """Every statement, letter and win, with filters by kind, outcome, topic and year."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    page_size = models.PositiveSmallIntegerField(default=12, help_text=_("Items per page."))

    subpage_types = [
        "advocacy.StatementPage",
        "advocacy.OpenLetterPage",
        "advocacy.CampaignWinPage",
        "advocacy.ActionPage",
        "advocacy.TimelinePage",
    ]
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("page_size")]
    api_fields = [APIField("intro"), APIField("page_size")]

    class Meta:
        verbose_name = _("newsroom")
        verbose_name_plural = _("newsrooms")

    def filtered_pages(self, params) -> tuple[models.QuerySet[AdvocacyPage], dict]:
        """Apply the ``kind``, ``outcome``, ``topic`` and ``year`` filters; ignore bad values
        (a topic that can't be a tag's slug, a year that is not four ASCII digits)."""
        pages = advocacy_pages_under(self)
        active: dict[str, str] = {}
        kind = params.get("kind", "")
        if kind in KINDS:
            pages = pages.type(KINDS[kind])
            active["kind"] = kind
        outcome = params.get("outcome", "")
        if outcome in Outcome.values:
            pages = pages.filter(campaignwinpage__outcome=outcome)
            active["outcome"] = outcome
        topic = params.get("topic", "")
        if topic and "\x00" not in topic and len(topic) <= MAX_TOPIC_SLUG_LENGTH:
            pages = pages.filter(topics__slug=topic)
            active["topic"] = topic
        year = params.get("year", "")
        if year.isascii() and year.isdigit() and len(year) == 4:
            # An undated page's date only orders it: a year filter must not reveal it.
            pages = pages.filter(date__year=int(year)).exclude(date_precision=DatePrecision.UNDATED)
            active["year"] = year
        return pages, active

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        pages, active = self.filtered_pages(request.GET)
        paginator = Paginator(pages, self.page_size or 12)
        page_obj = paginator.get_page(request.GET.get("page"))
        all_pages = advocacy_pages_under(self)
        context.update(
            base_template=base_template(),
            page_obj=page_obj,
            items=for_cards(page_obj.object_list),
            active_filters=active,
            kind_choices=KIND_LABELS.items(),
            outcome_choices=Outcome.choices,
            year_choices=[
                d.year
                for d in all_pages.exclude(date_precision=DatePrecision.UNDATED).dates(
                    "date", "year", order="DESC"
                )
            ],
            topic_choices=AdvocacyPageTopic.tag_model()
            .objects.filter(advocacy_advocacypagetopic_items__content_object__in=all_pages)
            .distinct()
            .order_by("name"),
            query_without_page={k: v for k, v in active.items()},
        )
        return context


class TimelinePage(Page):
    """The advocacy timeline: every kind of action, grouped by month, oldest first."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    # Where editors may add a timeline: ADVOCACY_TIMELINE_PARENT_PAGE_TYPES, a list of page
    # models ("app_label.ModelName"); unset, under any page.
    parent_page_types = getattr(settings, "ADVOCACY_TIMELINE_PARENT_PAGE_TYPES", None)
    subpage_types: list[str] = []
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("advocacy timeline")
        verbose_name_plural = _("advocacy timelines")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        site = self.get_site()
        root = localized(site.root_page) if site else self.get_parent()  # this language's home
        pages = for_cards(advocacy_pages_under(root).order_by("date", "pk"))
        context["timeline_items"] = pages
        context["timeline_groups"] = timeline_groups(pages)
        context["base_template"] = base_template()
        return context
