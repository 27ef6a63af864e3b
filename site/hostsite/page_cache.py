"""Whole-page cache for anonymous readers, emptied when any page is published or unpublished.

Django's cache middleware, with two changes: requests that carry a session cookie (editors)
neither read nor fill the cache, and the cache key includes a "generation" number that
publishing bumps, so readers see a change at once without flushing the shared cache.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware

GENERATION_KEY = "page-cache-generation"


def _cache():
    return caches[settings.CACHE_MIDDLEWARE_ALIAS]


def generation() -> int:
    return _cache().get_or_set(GENERATION_KEY, 1, timeout=None)


def invalidate(**kwargs) -> None:
    """Start a new generation: every cached page is stale from now on."""
    cache = _cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


class _Generational:
    def _prefix(self, request) -> None:
        """Read the generation once per request (both middlewares need it)."""
        current = getattr(request, "_page_cache_generation", None)
        if current is None:
            current = request._page_cache_generation = generation()
        self.key_prefix = f"{settings.CACHE_MIDDLEWARE_KEY_PREFIX}:{current}"


class AnonymousFetchFromCacheMiddleware(_Generational, FetchFromCacheMiddleware):
    def process_request(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            request._cache_update_cache = False
            return None
        self._prefix(request)
        return super().process_request(request)


class AnonymousUpdateCacheMiddleware(_Generational, UpdateCacheMiddleware):
    def process_response(self, request, response):
        self._prefix(request)
        return super().process_response(request, response)
