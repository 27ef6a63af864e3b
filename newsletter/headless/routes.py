"""Registers the newsletter routes on Wagtail's API v3 (from ``NewsletterConfig.ready``)."""

from __future__ import annotations

from ninja import NinjaAPI


def register_routes(api: NinjaAPI) -> None:
    """Add ``/newsletter/...`` and ``/preview/`` to ``api`` (``wagtail.api.v3.api.api``)."""
    from newsletter.headless import audience, issues, preview
    from newsletter.headless.openapi import document_error_responses
    from newsletter.headless.pagination import bound_offsets

    api.add_router("/newsletter/issues/", issues.router)
    api.add_router("/newsletter/", audience.router)
    api.add_router("/preview/", preview.router)
    document_error_responses(api)
    bound_offsets()
