"""The sitemap of every language: Wagtail's lists the pages under the site's home page only,
and each language's pages live under that language's home (a translation of it)."""

from __future__ import annotations

from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class LanguagesSitemap(Sitemap):
    """Live, public pages under the site's home page and each of its translations."""

    def items(self):
        homes = self.get_wagtail_site().root_page.get_translations(inclusive=True)
        trees = Page.objects.none()
        for home in homes:
            trees |= Page.objects.descendant_of(home, inclusive=True)
        return trees.live().public().order_by("path").defer_streamfields().specific()
