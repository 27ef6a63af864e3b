"""Responses of the public pages: each extends the site's ``NEWSLETTER_BASE_TEMPLATE``."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import translation
from wagtail.models import Page, Site

from newsletter import conf
from newsletter.languages import localized


def base_template() -> str:
    """The template the public pages extend (``NEWSLETTER_BASE_TEMPLATE``)."""
    return conf.get("NEWSLETTER_BASE_TEMPLATE")


def render_public(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    status: int | None = None,
    language: str = "",
) -> TemplateResponse:
    """A public page's response, with ``base_template`` in its context; in ``language`` when
    given (a reader's own, on the pages their emails link to), else the request's."""
    response = TemplateResponse(
        request, template, {"base_template": base_template(), **(context or {})}, status=status
    )
    if language:
        with translation.override(language):
            response.render()
        response["Content-Language"] = language
    return response


def first_live_pages(site: Site | None, models: dict[str, type[Page]]) -> dict[str, Page | None]:
    """The first live, public page of each of ``models`` (by key) in ``site``'s tree in the
    active language (the whole tree without a site), in tree order; ``None`` for a type the
    site does not have.
    One query, whatever the number of models: the navigation asks on every page view."""
    content_types = ContentType.objects.get_for_models(*models.values())
    key_of = {content_types[model].pk: key for key, model in models.items()}
    candidates = Page.objects.live().public().filter(content_type__in=key_of)
    if site is not None:
        candidates = candidates.descendant_of(localized(site.root_page), inclusive=True)
    pages: dict[str, Page | None] = dict.fromkeys(models)
    for page in candidates.order_by("path"):
        key = key_of[page.content_type_id]
        if pages[key] is None:
            pages[key] = page
    return pages


def declared_body_over(request: HttpRequest, limit: int) -> bool:
    """Whether the request says its body is larger than ``limit`` bytes (an unreadable
    ``Content-Length`` counts as too large). Checked before the body is read."""
    declared = str(request.META.get("CONTENT_LENGTH") or "0")
    return not (declared.isascii() and declared.isdigit()) or int(declared) > limit
