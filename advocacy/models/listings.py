"""Listing pages: the newsroom (filterable, paginated) and the advocacy timeline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page

from advocacy.dates import DatePrecision
from advocacy.models.actions import ActionMessage, ActionPage, Participation
from advocacy.models.base import AdvocacyPage, AdvocacyPageTopic, base_template
from advocacy.models.letters import LetterSignatory, OpenLetterPage, signed_by
from advocacy.models.statements import StatementPage
from advocacy.models.wins import CampaignWinPage, Outcome, action_summary
from newsletter.headless.fields import RichTextHTMLField
from newsletter.languages import localized

KINDS = {
    "statement": StatementPage,
    "letter": OpenLetterPage,
    "win": CampaignWinPage,
}
#: Every kind a card can be: the newsroom's kinds and supporter actions.
CARD_KINDS = {**KINDS, "action": ActionPage}
KIND_LABELS = {
    "statement": _("Statements"),
    "letter": _("Open letters"),
    "win": _("Campaign wins"),
}
MAX_TOPIC_SLUG_LENGTH = 100  # taggit's Tag.slug
#: Orderings a listing offers (the newsroom: newest first), ties broken by id.
ORDERINGS = {
    "-date": ("-date", "-pk"),
    "date": ("date", "pk"),
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
}


def is_topic_slug(topic: str) -> bool:
    """Whether ``topic`` could be a tag's slug (not empty, no NUL, not too long)."""
    return bool(topic) and "\x00" not in topic and len(topic) <= MAX_TOPIC_SLUG_LENGTH


def is_year(year: str) -> bool:
    """Whether ``year`` is four ASCII digits."""
    return year.isascii() and year.isdigit() and len(year) == 4


@dataclass(frozen=True)
class ListingFilters:
    """The filters of a listing of advocacy pages, shared by the newsroom and the API.

    The newsroom reads ``kind``, ``outcome``, ``topic`` and ``year`` leniently from its query
    string (:meth:`from_params`); the API validates every value first. Pages whose date only
    orders them (undated) never match a ``year`` or date range: it would reveal their date.
    """

    kind: str = ""
    outcome: str = ""
    topic: str = ""
    year: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    search: str = ""
    order: str = "-date"

    @classmethod
    def from_params(cls, params) -> ListingFilters:
        """The newsroom's filters from a query string, leaving out values that can't match."""
        kind = params.get("kind", "")
        outcome = params.get("outcome", "")
        topic = params.get("topic", "")
        year = params.get("year", "")
        return cls(
            kind=kind if kind in KINDS else "",
            outcome=outcome if outcome in Outcome.values else "",
            topic=topic if is_topic_slug(topic) else "",
            year=int(year) if is_year(year) else None,
        )

    def active(self) -> dict[str, str]:
        """The newsroom's filters in use, as query-string values."""
        active = {"kind": self.kind, "outcome": self.outcome, "topic": self.topic}
        if self.year is not None:
            active["year"] = str(self.year)
        return {key: value for key, value in active.items() if value}

    def apply(self, pages: models.QuerySet[AdvocacyPage]) -> models.QuerySet[AdvocacyPage]:
        """``pages`` narrowed by these filters, in their order."""
        if self.kind:
            pages = pages.type(CARD_KINDS[self.kind])
        if self.outcome:
            pages = pages.filter(campaignwinpage__outcome=self.outcome)
        if self.topic:
            pages = pages.filter(topics__slug=self.topic)
        pages = self._apply_dates(pages)
        for word in self.search.split():
            pages = pages.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return pages.order_by(*ORDERINGS.get(self.order, ORDERINGS["-date"]))

    def _apply_dates(self, pages: models.QuerySet[AdvocacyPage]) -> models.QuerySet[AdvocacyPage]:
        if self.year is None and self.date_from is None and self.date_to is None:
            return pages
        pages = pages.exclude(date_precision=DatePrecision.UNDATED)
        if self.year is not None:
            pages = pages.filter(date__year=self.year)
        if self.date_from is not None:
            pages = pages.filter(date__gte=self.date_from)
        if self.date_to is not None:
            pages = pages.filter(date__lte=self.date_to)
        return pages


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


def preload_teaser_facts(pages: list[AdvocacyPage]) -> None:
    """Count the signatories of every letter and the confirmed participations of every action
    among ``pages`` in one query each, so that their teasers (``get_teaser()``) don't count
    them one page at a time.

    Each such page's ``teaser_facts`` is replaced, on that instance only, by the line its own
    ``teaser_facts`` would give (tests check that they agree).
    """
    letters = [page for page in pages if isinstance(page, OpenLetterPage)]
    if letters:
        counts = _counts(LetterSignatory.objects.filter(page__in=letters))
        for letter in letters:
            letter.teaser_facts = _Facts(signed_by(counts.get(letter.pk, 0)))
    actions = [page for page in pages if isinstance(page, ActionPage)]
    if actions:
        counts = _counts(
            Participation.objects.filter(page__in=actions, status=Participation.Status.CONFIRMED)
        )
        for action in actions:
            action.teaser_facts = _Facts(action.facts_for(counts.get(action.pk, 0)))
    _preload_linked_action_counts(pages)


def _preload_linked_action_counts(pages: list[AdvocacyPage]) -> None:
    """Wins showing their linked action's live count: the actions and their counts in three
    queries for all of them."""
    wins = [
        page
        for page in pages
        if isinstance(page, CampaignWinPage) and not page.supporter_count and page.action_id
    ]
    if not wins:
        return
    actions = {
        a.pk: a for a in ActionPage.objects.live().filter(pk__in={w.action_id for w in wins})
    }
    signed = _counts(
        Participation.objects.filter(page__in=actions, status=Participation.Status.CONFIRMED)
    )
    sent = dict(
        ActionMessage.objects.filter(
            participation__page_id__in=actions, status=ActionMessage.Status.SENT
        )
        .values_list("participation__page_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for win in wins:
        action = actions.get(win.action_id)
        if action is None:
            win.teaser_facts = _Facts("")
            continue
        by_kind = sent if action.kind == ActionPage.Kind.LETTER else signed
        win.teaser_facts = _Facts(action_summary(action, by_kind.get(action.pk, 0)))


def _counts(rows: models.QuerySet) -> dict[int, int]:
    """``{page id: number of rows}``."""
    return dict(rows.values_list("page_id").annotate(count=Count("pk")).order_by())


@dataclass(frozen=True)
class _Facts:
    """A page's facts line, worked out already: stands in for its ``teaser_facts``."""

    text: str

    def __call__(self) -> str:
        return self.text


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
    api_fields = [APIField("intro", serializer=RichTextHTMLField()), APIField("page_size")]

    class Meta:
        verbose_name = _("newsroom")
        verbose_name_plural = _("newsrooms")

    def filtered_pages(self, params) -> tuple[models.QuerySet[AdvocacyPage], dict]:
        """Apply the ``kind``, ``outcome``, ``topic`` and ``year`` filters; ignore bad values
        (a topic that can't be a tag's slug, a year that is not four ASCII digits)."""
        filters = ListingFilters.from_params(params)
        return filters.apply(advocacy_pages_under(self)), filters.active()

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
    api_fields = [APIField("intro", serializer=RichTextHTMLField())]

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
