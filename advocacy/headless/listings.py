"""``/api/v3/advocacy/items/``, ``topics/`` and ``timeline/``: the mixed listings of advocacy
pages (statements, open letters, campaign wins, actions) a front end builds its newsroom, home
page and timeline from.

Every listing shows live, public pages of one language tree of the request's site: the
``locale`` given, else the site's default language. ``items/`` filters with the same
:class:`~advocacy.models.listings.ListingFilters` as the site's newsroom.
"""

import datetime
from typing import Literal

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import model_validator
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.models import Locale, Page, Site

from advocacy.headless.schemas import (
    AdvocacyCard,
    CardKind,
    OutcomeValue,
    TimelineGroupOut,
    TopicCount,
)
from advocacy.models.base import AdvocacyPage, AdvocacyPageTopic
from advocacy.models.listings import (
    CARD_KINDS,
    ListingFilters,
    advocacy_pages_under,
    for_cards,
    preload_teaser_facts,
    timeline_groups,
)
from advocacy.models.wins import CampaignWinPage
from advocacy.search_terms import clean_search_query
from newsletter.headless.images import image_data
from newsletter.headless.pagination import PresentedRows
from newsletter.languages import default_language, i18n_enabled
from newsletter.teasers import get_teaser

router = Router(tags=["advocacy"])

_LANGUAGES = getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", None) or settings.LANGUAGES
Language = Literal[tuple(code for code, _name in _LANGUAGES)]  # type: ignore[valid-type]
Order = Literal["-date", "date", "title", "-title"]
MAX_PAGE_ID = 2**31 - 1
TOPIC_PATTERN = r"^[\w-]+$"  # a tag's slug (Unicode letters allowed, as taggit makes them)


class LocaleFilter(Schema):
    locale: Language | None = Field(
        None, description="Language code, e.g. 'fr'. Default: the site's default language."
    )


class ItemFilters(LocaleFilter):
    topic: str | None = Field(
        None, min_length=1, max_length=100, pattern=TOPIC_PATTERN, description="A topic's slug."
    )
    kind: CardKind | None = Field(None, description="Only pages of this kind.")
    outcome: OutcomeValue | None = Field(None, description="Only campaign wins with this outcome.")
    year: int | None = Field(
        None, ge=1000, le=9999, description="Only pages dated in this year (not undated ones)."
    )
    date_from: datetime.date | None = Field(None, description="Dated on or after (YYYY-MM-DD).")
    date_to: datetime.date | None = Field(None, description="Dated on or before (YYYY-MM-DD).")
    search: str = Field(
        "", max_length=1000, description="Words that must each be in the title or summary."
    )
    order: Order = Field("-date", description="'-date' (newest first), 'date', 'title', '-title'.")
    under: int | None = Field(
        None,
        ge=1,
        le=MAX_PAGE_ID,
        description="Only pages below this page (e.g. a newsroom); its language tree unless "
        "`locale` is given.",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> "ItemFilters":
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(str(_("date_from must not be after date_to.")))
        return self

    def listing_filters(self) -> ListingFilters:
        """The shared filter object (see :class:`~advocacy.models.listings.ListingFilters`)."""
        return ListingFilters(
            kind=self.kind or "",
            outcome=self.outcome or "",
            topic=self.topic or "",
            year=self.year,
            date_from=self.date_from,
            date_to=self.date_to,
            search=clean_search_query(self.search),
            order=self.order,
        )


def listing_root(request: HttpRequest, language: str | None) -> Page | None:
    """The request's site's root page in ``language`` (default: the site's default language),
    or None when the site has no such translation."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page
    code = language or default_language()
    if not i18n_enabled() or root.locale.language_code == code:
        return root
    locale = Locale.objects.filter(language_code=code).first()
    return root.get_translation_or_none(locale) if locale else None


def live_pages(request: HttpRequest, language: str | None) -> QuerySet[AdvocacyPage]:
    """Live, public advocacy pages of one language tree of the request's site."""
    root = listing_root(request, language)
    return advocacy_pages_under(root) if root else AdvocacyPage.objects.none()


def pages_below(request: HttpRequest, page_id: int, language: str | None) -> QuerySet:
    """Live, public advocacy pages below the live, public page ``page_id`` of this site."""
    site = Site.find_for_request(request)
    roots = [site.root_page, *site.root_page.get_translations()] if site else []
    parent = Page.objects.live().public().filter(pk=page_id).first()
    if parent is None or not any(parent.path.startswith(root.path) for root in roots):
        raise HttpError(404, str(_("No published page with this id (under).")))
    pages = advocacy_pages_under(parent)
    return pages.filter(locale__language_code=language) if language else pages


def kind_of(page: AdvocacyPage) -> str | None:
    """The page's kind key (the ``kind`` filter's value), None for another page type."""
    for key, model in CARD_KINDS.items():
        if isinstance(page, model):
            return key
    return None


def page_topics(pages: list[AdvocacyPage]) -> dict[int, list[dict]]:
    """Each page's topics, by name, in one query."""
    topics: dict[int, list[dict]] = {page.pk: [] for page in pages}
    links = (
        AdvocacyPageTopic.objects.filter(content_object_id__in=list(topics))
        .select_related("tag")
        .order_by("tag__name", "tag__pk")
    )
    for link in links:
        topics[link.content_object_id].append({"slug": link.tag.slug, "name": link.tag.name})
    return topics


def card_list(pages: list[AdvocacyPage], request: HttpRequest) -> list[dict]:
    """Specific pages (see :func:`~advocacy.models.listings.for_cards`) as
    :class:`~advocacy.headless.schemas.AdvocacyCard` data, with a fixed number of queries
    for statements, letters and wins."""
    preload_teaser_facts(pages)
    topics = page_topics(pages)
    cards = []
    for page in pages:
        teaser = get_teaser(page, request)
        cards.append(
            {
                "id": page.pk,
                "type": page._meta.label,
                "title": teaser.title,
                "summary": teaser.summary,
                "label": str(teaser.label),
                "url": teaser.url,
                "date": teaser.date,
                "date_text": teaser.date_text,
                "facts": str(teaser.facts),
                "image": image_data(teaser.image, request),
                "topics": topics[page.pk],
                "outcome": page.outcome if isinstance(page, CampaignWinPage) else None,
                "kind": kind_of(page),
            }
        )
    return cards


@router.get(
    "/items/",
    response=list[AdvocacyCard],
    url_name="advocacy_items",
    summary="Advocacy pages as cards",
    operation_id="advocacy_items",
)
@paginate(WagtailLimitOffsetPagination)
def items(request: HttpRequest, filters: ItemFilters = Query(...)):
    """Statements, open letters, campaign wins and actions together, as cards (20 a page;
    ``limit`` up to ``WAGTAILAPI_LIMIT_MAX``), newest first unless ``order`` says otherwise.

    Filters combine (all must match); ``year``, ``date_from`` and ``date_to`` leave out
    undated pages. ``search`` matches words in the title or summary, any case."""
    if "\x00" in filters.search:
        raise HttpError(400, str(_("The search text must not contain NUL characters.")))
    if filters.under is not None:
        pages = pages_below(request, filters.under, filters.locale)
    else:
        pages = live_pages(request, filters.locale)
    pages = filters.listing_filters().apply(pages)
    return PresentedRows(pages, lambda rows: card_list(list(for_cards(rows)), request))


@router.get(
    "/topics/",
    response=list[TopicCount],
    url_name="advocacy_topics",
    summary="Topics of advocacy pages",
    operation_id="advocacy_topics",
)
def topics(request: HttpRequest, filters: LocaleFilter = Query(...)):
    """The topics live advocacy pages carry, by name, with how many pages carry each (the
    values of ``items/?topic=``)."""
    rows = (
        AdvocacyPageTopic.objects.filter(content_object__in=live_pages(request, filters.locale))
        .values("tag__slug", "tag__name")
        .annotate(count=Count("content_object", distinct=True))
        .order_by("tag__name", "tag__slug")
    )
    return [{"slug": r["tag__slug"], "name": r["tag__name"], "count": r["count"]} for r in rows]


@router.get(
    "/timeline/",
    response=list[TimelineGroupOut],
    url_name="advocacy_timeline",
    summary="The advocacy timeline",
    operation_id="advocacy_timeline",
)
def timeline(request: HttpRequest, filters: LocaleFilter = Query(...)):
    """Every live advocacy page as a card, oldest first, grouped as the site's timeline page
    groups them: by month ('March 2024'), by year ('2021') for pages dated to the year only,
    and 'Undated' (undated pages sit where their date orders them)."""
    pages = list(for_cards(live_pages(request, filters.locale).order_by("date", "pk")))
    cards = {card["id"]: card for card in card_list(pages, request)}
    return [
        {
            "heading": str(group.heading),
            "context": group.context,
            "items": [cards[page.pk] for page in group.items],
        }
        for group in timeline_groups(pages)
    ]
