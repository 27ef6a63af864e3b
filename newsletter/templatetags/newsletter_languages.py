"""The site's languages in templates.

``{% language_alternates as alternates %}`` gives the current page (``page`` in the context) or
view in each language, for ``<link rel="alternate" hreflang>`` and a language switcher: items
with ``language``, ``name``, ``url``, ``current`` and ``translated``. Empty on a site with one
language.
"""

from __future__ import annotations

from django import template

from newsletter.languages import Alternate, alternates

register = template.Library()


@register.simple_tag(takes_context=True)
def language_alternates(context) -> list[Alternate]:
    """The current page or view in each of the site's languages (see the module)."""
    request = context.get("request")
    if request is None:
        return []
    page = context.get("page")
    return alternates(request, page if getattr(page, "locale_id", None) else None)
