"""Registers the advocacy routes on Wagtail's API v3 (from ``AdvocacyConfig.ready``)."""

from __future__ import annotations

from ninja import NinjaAPI


def register_routes(api: NinjaAPI) -> None:
    """Add ``/advocacy/...`` to ``api`` (Wagtail's ``wagtail.api.v3.api.api``)."""
    from advocacy.headless import letters, listings

    api.add_router("/advocacy/letters/", letters.router)
    api.add_router("/advocacy/", listings.router)
