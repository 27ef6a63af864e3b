"""The RSS feed of the latest statements, letters and wins."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from advocacy.dates import DatePrecision
from advocacy.models.base import AdvocacyPage
from newsletter.languages import localized

FEED_SIZE = 30


class LatestAdvocacyFeed(Feed):
    """The newest advocacy pages of the requested site, of every kind."""

    description = _("Statements, open letters and campaign wins, newest first.")

    def get_object(self, request: HttpRequest, *args, **kwargs):
        self.request = request
        return Site.find_for_request(request)

    def title(self, site) -> str:
        return site.site_name if site and site.site_name else str(_("Latest advocacy"))

    def link(self, site) -> str:
        return site.root_url if site else "/"

    def items(self, site):
        pages = AdvocacyPage.objects.live().public().select_related("image")
        if site:  # the site's tree in the feed's language (/fr/feed/: the French pages)
            pages = pages.descendant_of(localized(site.root_page), inclusive=True)
        return pages.order_by("-date", "-pk")[:FEED_SIZE].specific()

    def item_title(self, item: AdvocacyPage) -> str:
        return f"{item.label}: {item.title}"

    def item_description(self, item: AdvocacyPage) -> str:
        return item.summary or item.search_description

    def item_link(self, item: AdvocacyPage) -> str:
        return item.get_full_url(request=self.request)

    def item_pubdate(self, item: AdvocacyPage) -> datetime.datetime | None:
        """The page's date; none for an undated page, whose date only orders it."""
        if item.date_precision == DatePrecision.UNDATED:
            return None
        return timezone.make_aware(datetime.datetime.combine(item.date, datetime.time(9)))

    def item_categories(self, item: AdvocacyPage) -> list[str]:
        return [item.label]
