"""Responses of the public pages: each extends the site's ``NEWSLETTER_BASE_TEMPLATE``."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.response import TemplateResponse

from newsletter import conf


def base_template() -> str:
    """The template the public pages extend (``NEWSLETTER_BASE_TEMPLATE``)."""
    return conf.get("NEWSLETTER_BASE_TEMPLATE")


def render_public(
    request: HttpRequest, template: str, context: dict | None = None, *, status: int | None = None
) -> TemplateResponse:
    """A public page's response, with ``base_template`` in its context."""
    return TemplateResponse(
        request, template, {"base_template": base_template(), **(context or {})}, status=status
    )
