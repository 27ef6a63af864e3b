"""Site-wide views: search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from wagtail.contrib.search_promotions.models import Query
from wagtail.models import Page

from advocacy.search_terms import clean_search_query
from newsletter.languages import in_active_language


def search(request: HttpRequest) -> HttpResponse:
    """Full-text search over live, public pages, paginated.

    Any text is searched for: characters that would break the search backend are dropped
    (:func:`~advocacy.search_terms.clean_search_query`), so no query string answers 500.
    """
    query = clean_search_query(request.GET.get("q", ""))
    results = Page.objects.none()
    if query:
        pages = in_active_language(Page.objects.live().public())  # /fr/search/: French pages
        results = pages.specific().search(query)
        Query.get(query).add_hit()
    page_obj = Paginator(results, 10).get_page(request.GET.get("page"))
    return TemplateResponse(request, "search.html", {"search_query": query, "page_obj": page_obj})
