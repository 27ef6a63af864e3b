"""Small template helpers for the public advocacy templates."""

from __future__ import annotations

import contextlib
from urllib.parse import quote, urlencode

from django import template
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from advocacy.models import AdvocacyPage, AdvocacySettings, NewsroomPage, TimelinePage
from advocacy.signatories import SignatoryList, signatory_list
from newsletter.formats import format_money
from newsletter.languages import localized
from newsletter.public import first_live_pages

register = template.Library()


@register.simple_tag
def amount_url(appeal, amount) -> str:
    """The donation link preselecting ``amount``: ``{% amount_url appeal 50 %}``."""
    return appeal.amount_url(amount)


@register.filter
def money(amount, currency: str = "") -> str:
    """``50|money:"CAD"`` → "$50" in English, "50 $" in French (the active language; see
    :func:`newsletter.formats.format_money`); a code Babel does not know follows the number."""
    return format_money(amount, currency)


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
    """The site's first live newsroom and timeline, looked up once per request (one query)."""
    cached = getattr(request, "_advocacy_nav_pages", None)
    if cached is not None:
        return cached
    site = Site.find_for_request(request)
    pages: dict[str, Page | None] = {"newsroom": None, "timeline": None}
    if site is not None:
        pages = first_live_pages(site, {"newsroom": NewsroomPage, "timeline": TimelinePage})
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
    # (A context: Wagtail's admin has its own "Timeline", which ours must not translate.)
    nav = (("newsroom", _("Newsroom")), ("timeline", pgettext("site navigation", "Timeline")))
    for key, title in nav:
        page = pages[key]
        if page is not None:
            items.append({"title": title, "url": page.get_url(request=request)})
    with contextlib.suppress(NoReverseMatch):
        items.append({"title": _("Search"), "url": reverse("search")})
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


# ---------- The end of an article: signatories, related pages, sharing, call to action ----------

CARD_RENDITION = "fill-640x360"
APPEAL_STREAMS = ("body", "after_demands")


@register.filter
def has_article_meta(page) -> bool:
    """Whether the page's own template adds its Open Graph and Twitter card tags (statements,
    letters and wins do, in ``extra_css``): a base template's ``meta`` block can then skip its
    own, ``{% if not page|has_article_meta %}``, so no tag appears twice."""
    return isinstance(page, AdvocacyPage)


@register.simple_tag
def letter_signatories(page) -> SignatoryList:
    """``{% letter_signatories page as signatories %}``: count, provinces and rows' HTML."""
    return signatory_list(page)


@register.simple_tag
def partner_organisations(page) -> list:
    """``{% partner_organisations page as partners %}``: a statement's partners, in one query
    (a preview's unsaved partners are read from memory)."""
    partners = page.partners.all()
    if isinstance(partners, QuerySet):
        partners = partners.select_related("organisation")
    return [partner.organisation for partner in partners if partner.organisation_id]


def _site_pages(request):
    """Live, public advocacy pages of the request's site."""
    pages = AdvocacyPage.objects.live().public()
    site = Site.find_for_request(request) if request is not None else None
    if site is not None:  # in the page's language: the tree of the site's home in it
        pages = pages.descendant_of(localized(site.root_page), inclusive=True)
    return pages


def related_page_ids(page, request=None, limit: int = 3) -> list[int]:
    """Up to ``limit`` other pages: those sharing most topics first, then the latest."""
    others = _site_pages(request).exclude(pk=page.pk)
    topic_ids = [topic.pk for topic in page.topics.all()]
    ids: list[int] = []
    if topic_ids:
        ids = list(
            others.filter(tagged_topics__tag_id__in=topic_ids)
            .annotate(shared=Count("tagged_topics"))
            .order_by("-shared", "-date", "-pk")
            .values_list("pk", flat=True)[:limit]
        )
    if len(ids) < limit:
        latest = others.exclude(pk__in=ids).order_by("-date", "-pk")
        ids += list(latest.values_list("pk", flat=True)[: limit - len(ids)])
    return ids


@register.simple_tag(takes_context=True)
def related_version(context) -> str:
    """A key part for caching the "read next" cards: changes whenever a page is published,
    unpublished or deleted (one small query instead of the cards' half a dozen)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    state = AdvocacyPage.objects.live().aggregate(latest=Max("last_published_at"), n=Count("pk"))
    latest = state["latest"].timestamp() if state["latest"] else 0
    return f"{site.pk if site else 0}.{state['n']}.{latest}"


@register.simple_tag(takes_context=True)
def related_pages(context, page, limit: int = 3) -> list[Page]:
    """``{% related_pages page as related %}``: pages for the "read next" cards.

    Same topic first, then the latest; with their card images and renditions prefetched, so
    the cards cost a fixed handful of queries.
    """
    if not getattr(page, "pk", None):
        return []
    ids = related_page_ids(page, context.get("request"), limit)
    if not ids:
        return []
    by_id = {item.pk: item for item in Page.objects.filter(pk__in=ids).specific()}
    items = [by_id[pk] for pk in ids if pk in by_id]
    image_ids = {item.image_id for item in items if getattr(item, "image_id", None)}
    if image_ids:
        images = get_image_model().objects.filter(pk__in=image_ids)
        images = {image.pk: image for image in images.prefetch_renditions(CARD_RENDITION)}
        for item in items:
            if getattr(item, "image_id", None) in images:
                item.image = images[item.image_id]
    return items


@register.simple_tag(takes_context=True)
def share_links(context, page) -> dict:
    """``{% share_links page as share %}``: the page's full URL and links to share it.

    ``share.links`` is a list of ``{"name", "url", "label"}`` (email, Bluesky, Facebook,
    LinkedIn, X): plain links that work without JavaScript or tracking scripts.
    """
    request = context.get("request")
    url = page.get_full_url(request=request) or ""
    title = page.seo_title or page.title
    summary = page_summary(page)
    body = f"{summary}\n\n{url}" if summary else url
    text = f"{title} {url}"
    links = [
        (
            "email",
            _("Email"),
            "mailto:?" + urlencode({"subject": title, "body": body}, quote_via=quote),
        ),
        ("bluesky", "Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": text})),
        (
            "facebook",
            "Facebook",
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        ),
        (
            "linkedin",
            "LinkedIn",
            "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        ),
        ("x", "X", "https://x.com/intent/post?" + urlencode({"text": title, "url": url})),
    ]
    return {
        "url": url,
        "title": title,
        "links": [{"name": name, "label": label, "url": href} for name, label, href in links],
    }


def _has_appeal_block(page) -> bool:
    """Whether the page's own content already asks for money (a donation appeal block)."""
    for name in APPEAL_STREAMS:
        stream = getattr(page, name, None) or []
        if any(block.block_type == "donation_appeal" for block in stream):
            return True
    return False


def subscribe_url(request) -> str:
    """The newsletter's subscribe page URL ('' without one, or without the newsletter app).

    Asks the newsletter's own helper, which looks the page up once per request for the
    navigation too; the newsletter is only imported when it is installed.
    """
    if not apps.is_installed("newsletter"):
        return ""
    from newsletter.templatetags.newsletter_tags import newsletter_urls

    return newsletter_urls(request).get("subscribe", "")


@register.simple_tag(takes_context=True)
def page_call_to_action(context, page) -> dict:
    """``{% page_call_to_action page as cta %}``: what to ask of a reader who finished.

    ``cta.subscribe_url`` is the newsletter's subscribe page ('' without one) and
    ``cta.appeal`` the site's default donation appeal, unless the page already has its own.
    """
    request = context.get("request")
    appeal = None
    site = Site.find_for_request(request) if request is not None else None
    if site is not None and not _has_appeal_block(page):
        settings_row = (
            AdvocacySettings.objects.filter(site=site)
            .select_related("default_donation_appeal")
            .first()
        )
        appeal = settings_row.default_donation_appeal if settings_row else None
    if appeal is not None:
        appeal = appeal.localized  # in the page's language, where translated
    return {"appeal": appeal, "subscribe_url": subscribe_url(request)}
