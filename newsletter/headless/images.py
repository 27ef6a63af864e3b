"""Images for the headless API: absolute URLs, alt text and renditions for ``srcset``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from wagtail.api.utils import get_full_url

#: Widths of the renditions the API lists for each image (``ADVOCACY_API_IMAGE_WIDTHS``).
DEFAULT_WIDTHS = (400, 800, 1200)


def rendition_widths() -> tuple[int, ...]:
    """The rendition widths to offer, from ``ADVOCACY_API_IMAGE_WIDTHS``."""
    return tuple(getattr(settings, "ADVOCACY_API_IMAGE_WIDTHS", DEFAULT_WIDTHS))


def absolute_url(url: str, request: Any = None) -> str:
    """``url`` made absolute with ``WAGTAILAPI_BASE_URL`` (or the request's site)."""
    return get_full_url(request, url) if url else ""


def image_alt(image: Any, alt: str = "") -> str:
    """The alt text: ``alt`` when given, else the image's own (its description, else title)."""
    return alt or getattr(image, "default_alt_text", "") or ""


def image_data(image: Any, request: Any = None, alt: str = "") -> dict | None:
    """An image as :class:`~newsletter.headless.schemas.ImageOut` data (None for none).

    Renditions are made once and then read from Wagtail's rendition table (one query for all
    widths of an image).
    """
    if image is None:
        return None
    widths = [w for w in rendition_widths() if w < image.width]
    try:
        renditions = image.get_renditions(*[f"width-{w}" for w in widths]) if widths else {}
    except OSError:  # SourceImageIOError: the original is gone (restored without media)
        renditions = {}
    return {
        "id": image.pk,
        "title": image.title,
        "alt": image_alt(image, alt),
        "url": absolute_url(image.file.url, request),
        "width": image.width,
        "height": image.height,
        "renditions": [
            {
                "url": absolute_url(r.url, request),
                "width": r.width,
                "height": r.height,
            }
            for r in sorted(renditions.values(), key=lambda r: r.width)
        ],
    }
