"""Benchmark-only settings: the site's own, plus ``/bench-hello/`` (a trivial Django view).

* ``BENCH_CACHE_PREFIX``: a key prefix for this run's cache entries, so that bench/pages.py can
  delete them afterwards from a shared cache (Redis, with ``REDIS_URL``).
* ``BENCH_PAGE_CACHE=1``: Django's per-site cache middleware, for a site without a page cache
  of its own. When the site has one (``PAGE_CACHE_SECONDS``), bench/pages.py uses that instead.

Nothing here is used outside ``bench/``.
"""

import os

from hostsite.settings import *  # noqa: F403
from hostsite.settings import CACHES, MIDDLEWARE

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_CACHE_PREFIX"):
    CACHES = {
        **CACHES,
        "default": {**CACHES["default"], "KEY_PREFIX": os.environ["BENCH_CACHE_PREFIX"]},
    }

if os.environ.get("BENCH_PAGE_CACHE") == "1":
    MIDDLEWARE = [
        "django.middleware.cache.UpdateCacheMiddleware",
        *MIDDLEWARE,
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
    CACHE_MIDDLEWARE_SECONDS = 120
