"""Benchmark-only settings: the site's own, plus ``/bench-hello/`` (a trivial Django view).

``BENCH_PAGE_CACHE=1`` adds Django's per-site cache middleware (the cache is whatever the site
configures: local memory per worker, or Redis with ``REDIS_URL``), to measure the letter page as
a page cache would serve it. Nothing here is used outside ``bench/``.
"""

import os

from hostsite.settings import *  # noqa: F403
from hostsite.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_PAGE_CACHE") == "1":
    MIDDLEWARE = [
        "django.middleware.cache.UpdateCacheMiddleware",
        *MIDDLEWARE,
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
    CACHE_MIDDLEWARE_SECONDS = 300
    CACHE_MIDDLEWARE_KEY_PREFIX = "bench"
