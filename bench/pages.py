"""Page benchmarks: the 450-signatory open letter under loopback load, gunicorn with 2 workers.

Builds a fresh database with the demo content, then serves the site with gunicorn (2 sync
workers; ``bench/bench_settings.py`` is the site's settings plus ``/bench-hello/``, a trivial
Django view behind the same middleware) and loads it with 4 connections (wrk if installed, else
``bench/loadgen.py``'s Python generator; both say which in the notes):

* the trivial view (10 s) and the letter (20 s) with the page cache off, the site's default:
  ``page_letter_uncached_p50_ms``, ``..._p99_ms`` and ``page_vs_hello_uncached_ratio``, for
  information;
* the letter through the page cache (20 s): the site's own (``PAGE_CACHE_SECONDS``,
  ``site/hostsite/page_cache.py``) when it has one, else Django's per-site cache middleware:
  ``page_letter_p50_ms``, ``page_letter_p99_ms`` and ``page_vs_hello_ratio`` (its requests per
  second over the trivial view's). The targets apply to these.

The cache is Redis at ``REDIS_URL`` when it answers (as in production, where the workers must
share it for publishing to reach them all; ``make bench`` tries the local server), under a key
prefix of this run's own, deleted afterwards; otherwise local memory in each worker.
"""

from __future__ import annotations

import os
import urllib.request

from bench import harness, loadgen
from bench.harness import Result, check, information, log

SECONDS = 20
HELLO_SECONDS = 10
HOME_SECONDS = 10
CONNECTIONS = 4
WORKERS = 2
CACHE_SECONDS = 120
GENERATOR_CAVEAT = (
    " (Python load generator: it caps fast pages at a few thousand req/s, which pushes this"
    " ratio towards 1; apt-get install wrk)"
)
FIGURES = [
    ("page_letter_p50_ms", "ms", "<=", 25),
    ("page_letter_p99_ms", "ms", "<=", 100),
    ("page_vs_hello_ratio", "x", ">=", 0.5),
    ("page_letter_uncached_p50_ms", "ms", "<=", 25),
    ("page_letter_uncached_p99_ms", "ms", "<=", 100),
    ("page_vs_hello_uncached_ratio", "x", ">=", 0.5),
    ("page_home_vs_hello_ratio", "x", ">=", 0.5),
]


def letter_path() -> tuple[str, int]:
    from advocacy.models import OpenLetterPage

    letters = [(letter.signatory_count, letter) for letter in OpenLetterPage.objects.live()]
    count, letter = max(letters, key=lambda pair: pair[0])
    return letter.get_url(), count


def forget_cache(redis_url: str, prefix: str) -> None:
    """Delete this run's entries from the shared cache (local memory goes with gunicorn)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def measure(url: str, seconds: float) -> loadgen.Load:
    loadgen.warm_up(url)
    load = loadgen.run(url, seconds, CONNECTIONS)
    if load.errors:
        raise RuntimeError(f"{load.errors} failed requests to {url}")
    return load


def run() -> list[Result]:
    with harness.database() as url:
        harness.setup_django(url)
        log("pages: building the demo content")
        harness.load_demo_content()
        path, signatories = letter_path()
        from django.conf import settings
        from django.db import connection

        shared = harness.SHARED_CACHE_URL
        if shared and harness.redis_reachable(shared):
            backend = "Redis, shared by the workers"
        else:
            backend = "local memory per worker" + (" (Redis not reachable)" if shared else "")
            shared = ""
        if hasattr(settings, "PAGE_CACHE_SECONDS"):  # the site's own page cache
            cache_env = {"PAGE_CACHE_SECONDS": str(CACHE_SECONDS)}
            cache = f"the site's page cache, PAGE_CACHE_SECONDS={CACHE_SECONDS}, {backend}"
        else:
            cache_env = {"BENCH_PAGE_CACHE": "1"}
            cache = f"Django's per-site cache middleware (the site has none), {backend}"
        connection.close()
        prefix = f"bench-{os.getpid()}"
        env = harness.child_env(url, BENCH_CACHE_PREFIX=prefix, PAGE_CACHE_SECONDS="0")
        if shared:
            env["REDIS_URL"] = shared
        try:
            with harness.gunicorn(env, workers=WORKERS) as base:
                with urllib.request.urlopen(base + path) as response:
                    page_kb = len(response.read()) / 1024
                log(f"pages: trivial view, {HELLO_SECONDS} s")
                hello = measure(base + "/bench-hello/", HELLO_SECONDS)
                log(f"pages: letter ({signatories} signatories, {page_kb:.0f} KB), {SECONDS} s")
                plain = measure(base + path, SECONDS)
            with harness.gunicorn({**env, **cache_env}, workers=WORKERS) as base:
                log(f"pages: letter through {cache}, {SECONDS} s")
                cached = measure(base + path, SECONDS)
                log(f"pages: home page through the cache, new visitors, {HOME_SECONDS} s")
                # /en/: the home page itself ("/" answers a redirect to the visitor's language)
                home = measure(base + "/en/", HOME_SECONDS)
        finally:
            if shared:
                forget_cache(shared, prefix)

    how = (
        f"{plain.tool}, {CONNECTIONS} connections, gunicorn {WORKERS} sync workers, "
        f"{harness.database_kind(url)}"
    )
    cached_note = f"{cache}; {cached.rps:,.0f} req/s; {how}"
    plain_note = "page cache off, the default; for information: the targets are the cached page's"
    return [
        check("page_letter_p50_ms", cached.p50_ms, "ms", "<=", 25, cached_note),
        check("page_letter_p99_ms", cached.p99_ms, "ms", "<=", 100, cached_note),
        check(
            "page_vs_hello_ratio",
            cached.rps / hello.rps,
            "x",
            ">=",
            0.5,
            f"cached letter {cached.rps:,.0f} req/s, trivial view {hello.rps:,.0f} req/s"
            + ("" if hello.tool == "wrk" else GENERATOR_CAVEAT),
        ),
        information("page_letter_uncached_p50_ms", plain.p50_ms, "ms", plain_note),
        information("page_letter_uncached_p99_ms", plain.p99_ms, "ms", plain_note),
        information(
            "page_vs_hello_uncached_ratio",
            plain.rps / hello.rps,
            "x",
            f"letter {plain.rps:,.0f} req/s, trivial view {hello.rps:,.0f} req/s; {plain_note}",
        ),
        check(
            "page_home_vs_hello_ratio",
            home.rps / hello.rps,
            "x",
            ">=",
            0.5,
            f"home page with its subscribe form through {cache}: {home.rps:,.0f} req/s "
            f"(p50 {home.p50_ms:.1f} ms), trivial view {hello.rps:,.0f} req/s",
        ),
    ]


if __name__ == "__main__":
    harness.main(run)
