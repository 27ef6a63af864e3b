"""Small template helpers for the public advocacy templates."""

from __future__ import annotations

import contextlib

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from wagtail.models import Page, Site

from advocacy.models import NewsroomPage, TimelinePage

register = template.Library()

CURRENCY_SYMBOLS = {"CAD": "$", "USD": "$", "AUD": "$", "NZD": "$", "EUR": "€", "GBP": "£"}


@register.simple_tag
def amount_url(appeal, amount) -> str:
    """The donation link preselecting ``amount``: ``{% amount_url appeal 50 %}``."""
    return appeal.amount_url(amount)


@register.filter
def money(amount, currency: str = "") -> str:
    """``50|money:"CAD"`` → ``$50``; unknown currencies show their code: ``50 XOF``."""
    try:
        number = f"{int(amount):,}"
    except (TypeError, ValueError):
        return str(amount)
    symbol = CURRENCY_SYMBOLS.get((currency or "").upper())
    if symbol:
        return f"{symbol}{number}"
    return f"{number} {currency}".strip()


@register.filter
def page_label(page) -> str:
    """The short kind label of any page: ``page.label`` or its model's verbose name."""
    label = getattr(page, "label", "")
    if label:
        return label
    specific = getattr(page, "specific_deferred", page)
    meta = getattr(specific, "_meta", None)
    return meta.verbose_name.capitalize() if meta else ""


@register.filter
def page_summary(page) -> str:
    """A page's listing summary: ``summary`` if it has one, else the search description."""
    return getattr(page, "summary", "") or getattr(page, "search_description", "") or ""


@register.simple_tag
def page_range(page_obj):
    """Page numbers with gaps, e.g. 1 … 4 5 [6] 7 8 … 20 (gaps are ``paginator.ELLIPSIS``)."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    """Make ``url`` absolute using the current request (or leave it alone without one)."""
    request = context.get("request")
    if not url or request is None:
        return url or ""
    return request.build_absolute_uri(url)


def _nav_pages(request) -> dict:
    """The site's first live newsroom and timeline, looked up once per request."""
    cached = getattr(request, "_advocacy_nav_pages", None)
    if cached is not None:
        return cached
    site = Site.find_for_request(request)
    pages: dict[str, Page | None] = {"newsroom": None, "timeline": None}
    if site is not None:
        for key, model in (("newsroom", NewsroomPage), ("timeline", TimelinePage)):
            pages[key] = (
                model.objects.live()
                .public()
                .descendant_of(site.root_page, inclusive=True)
                .order_by("path")
                .first()
            )
    request._advocacy_nav_pages = pages
    return pages


@register.simple_tag(takes_context=True)
def site_nav(context) -> list[dict]:
    """The main navigation: Newsroom, Timeline and Search, marking the current one.

    Each item is ``{"title", "url", "current", "section"}``: ``current`` when the request is
    for that exact URL (use ``aria-current="page"``), ``section`` when it is below it.
    """
    request = context.get("request")
    if request is None:
        return []
    pages = _nav_pages(request)
    items = []
    for key, title in (("newsroom", "Newsroom"), ("timeline", "Timeline")):
        page = pages[key]
        if page is not None:
            items.append({"title": title, "url": page.get_url(request=request)})
    with contextlib.suppress(NoReverseMatch):
        items.append({"title": "Search", "url": reverse("search")})
    path = request.path
    best = None
    for item in items:
        item["current"] = item["url"] == path
        item["section"] = False
        in_section = item["url"] and item["url"] != "/" and path.startswith(item["url"])
        if in_section and (best is None or len(item["url"]) > len(best["url"])):
            best = item
    if best is not None and not any(item["current"] for item in items):
        best["section"] = True
    return items


@register.simple_tag(takes_context=True)
def newsroom_url(context) -> str:
    """The URL of the site's newsroom (for topic links and 'see all'), or ''."""
    request = context.get("request")
    if request is None:
        return ""
    page = _nav_pages(request)["newsroom"]
    return page.get_url(request=request) if page else ""


@register.simple_tag(takes_context=True)
def site_name(context) -> str:
    """The current Wagtail site's name, else ``WAGTAIL_SITE_NAME``."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is not None and site.site_name:
        return site.site_name
    return getattr(settings, "WAGTAIL_SITE_NAME", "") or "Newsroom"


@register.filter
def meta_description(page) -> str:
    """A page's meta description: the search description, else its listing summary."""
    return getattr(page, "search_description", "") or getattr(page, "summary", "") or ""
