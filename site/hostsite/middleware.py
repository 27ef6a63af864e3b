"""The host's language middleware."""

from __future__ import annotations

from django.middleware import locale
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, except that a 404 from a view that was found is final.

    Django's adds the language prefix to any unprefixed address that ends in 404 and redirects
    there whenever some pattern matches it, which Wagtail's catch-all always does. That is
    right for page addresses from before the prefixes (they resolve to no view), but not for an
    unprefixed view that answered 404 itself, such as the JSON endpoint asked about an action
    that does not exist: its client must get the 404, not a redirect to a page that is not
    there either.
    """

    def process_response(self, request, response):
        if response.status_code == 404 and getattr(request, "resolver_match", None) is not None:
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        return super().process_response(request, response)
