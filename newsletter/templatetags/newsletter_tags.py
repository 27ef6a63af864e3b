"""Template tags for the host site's templates.

* ``{% subscribe_form "supporters" %}`` puts a subscribe form anywhere (the home page, a
  footer). It carries no CSRF token, so the page stays cacheable (see subscribe_form.html).
* ``{% newsletter_links as links %}``: ``links.archive`` and ``links.subscribe``, the URLs of
  the site's newsletter archive and subscribe page ("" when there is none).
* ``{% with_newsletter_nav nav_items as nav_items %}`` adds "Newsletter" and "Subscribe" to a
  navigation list (items ``{"title", "url", "current", "section"}``).
"""

from __future__ import annotations

import contextlib

from django import template
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from newsletter.audience.forms import SubscribeForm, public_list
from newsletter.models import MailingList, NewsletterArchivePage, SubscribePage
from newsletter.public import first_live_pages

register = template.Library()


@register.inclusion_tag("newsletter/includes/subscribe_form.html", takes_context=True)
def subscribe_form(context, list_slug: str, button_label: str = "") -> dict:
    """The subscribe form for a public list; renders nothing if the list is not public."""
    mailing_list = public_list(list_slug)
    return {
        "form": SubscribeForm(mailing_list=mailing_list) if mailing_list else None,
        "button_label": button_label or _("Subscribe"),
        "request": context.get("request"),
    }


def _newsletter_pages(request: HttpRequest | None) -> dict[str, Page | None]:
    """The site's first live archive and subscribe page, looked up once per request."""
    cached = getattr(request, "_newsletter_pages", None)
    if cached is not None:
        return cached
    site = Site.find_for_request(request) if request is not None else None
    pages = first_live_pages(site, {"archive": NewsletterArchivePage, "subscribe": SubscribePage})
    if request is not None:
        request._newsletter_pages = pages
    return pages


def newsletter_urls(request: HttpRequest | None) -> dict[str, str]:
    """The URLs of the site's archive and subscribe page; without a subscribe page, the
    standalone form (``newsletter:subscribe``) when a public list exists; "" for neither.
    Worked out once per request (the navigation and the page may both ask)."""
    cached = getattr(request, "_newsletter_links", None)
    if cached is not None:
        return cached
    links = {
        key: (page.get_url(request=request) or "") if page else ""
        for key, page in _newsletter_pages(request).items()
    }
    if not links["subscribe"] and MailingList.objects.filter(is_public=True).exists():
        with contextlib.suppress(NoReverseMatch):
            links["subscribe"] = reverse("newsletter:subscribe")
    if request is not None:
        request._newsletter_links = links
    return links


@register.simple_tag(takes_context=True)
def newsletter_links(context) -> dict[str, str]:
    """``{"archive": url, "subscribe": url}`` ("" for a page the site does not have)."""
    return newsletter_urls(context.get("request"))


def _search_url() -> str:
    try:
        return reverse("search")
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def with_newsletter_nav(context, items: list[dict] | None) -> list[dict]:
    """``items`` plus "Newsletter" (before Search, if there) and "Subscribe" (last, ``cta``)."""
    request = context.get("request")
    items = [dict(item) for item in items or []]
    if request is None:
        return items
    links, pages = newsletter_urls(request), _newsletter_pages(request)
    shown = context.get("page")
    marked = any(item.get("current") or item.get("section") for item in items)
    added = []
    for key, title in (("archive", _("Newsletter")), ("subscribe", _("Subscribe"))):
        url, target = links[key], pages[key]
        if not url:
            continue
        if isinstance(shown, Page) and target is not None:
            current = shown.pk == target.pk
            section = not (current or marked) and shown.path.startswith(target.path)
        else:
            current, section = url == request.path, False
        added.append(
            {"title": title, "url": url, "current": current, "section": section, "key": key}
        )
    search = _search_url()
    at = next((i for i, item in enumerate(items) if search and item["url"] == search), len(items))
    for item in added:
        if item["key"] == "archive":
            items.insert(at, item)
        else:
            items.append({**item, "cta": True})
    return items
