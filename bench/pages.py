"""Page benchmarks: the 450-signatory open letter under loopback load, gunicorn with 2 workers.

Builds a fresh database with the demo content, then serves the site with gunicorn (2 sync
workers, ``bench/bench_settings.py``: the site's settings plus ``/bench-hello/``, a trivial Django
view through the same middleware) and loads it for 20 s with 4 connections (wrk if installed,
else ``bench/loadgen.py``'s Python generator):

* the letter with Django's per-site cache middleware on (``BENCH_PAGE_CACHE=1``): the figures
  ``page_letter_p50_ms``, ``page_letter_p99_ms`` and, over the trivial view's requests per second
  on the plain server, ``page_vs_hello_ratio``;
* the letter as the product serves it today (no page cache): the same three figures with
  ``_uncached``, for information (the targets apply to the cached page).
"""

from __future__ import annotations

import urllib.request

from bench import harness, loadgen
from bench.harness import Result, check, log

SECONDS = 20
HELLO_SECONDS = 10
CONNECTIONS = 4
WORKERS = 2


def letter_path() -> tuple[str, int]:
    from advocacy.models import OpenLetterPage

    letters = [(letter.signatory_count, letter) for letter in OpenLetterPage.objects.live()]
    count, letter = max(letters, key=lambda pair: pair[0])
    return letter.get_url(), count


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

        cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        connection.close()
        env = harness.child_env(url)

        with harness.gunicorn(env, workers=WORKERS) as base:
            with urllib.request.urlopen(base + path) as response:
                page_kb = len(response.read()) / 1024
            log(f"pages: trivial view, {HELLO_SECONDS} s")
            hello = measure(base + "/bench-hello/", HELLO_SECONDS)
            log(f"pages: letter ({signatories} signatories, {page_kb:.0f} KB), {SECONDS} s")
            plain = measure(base + path, SECONDS)
        with harness.gunicorn({**env, "BENCH_PAGE_CACHE": "1"}, workers=WORKERS) as base:
            log(f"pages: letter with the per-site cache middleware, {SECONDS} s")
            cached = measure(base + path, SECONDS)

    how = (
        f"{plain.tool}, {CONNECTIONS} connections, gunicorn {WORKERS} sync workers, "
        f"{harness.database_kind(url)}"
    )
    cached_note = f"per-site cache middleware ({cache}); {cached.rps:,.0f} req/s; {how}"
    plain_note = "as served now, no page cache (information: the targets apply to the cached page)"
    return [
        check("page_letter_p50_ms", cached.p50_ms, "ms", "<=", 25, cached_note),
        check("page_letter_p99_ms", cached.p99_ms, "ms", "<=", 100, cached_note),
        check(
            "page_vs_hello_ratio",
            cached.rps / hello.rps,
            "x",
            ">=",
            0.5,
            f"cached letter {cached.rps:,.0f} req/s, trivial view {hello.rps:,.0f} req/s",
        ),
        check("page_letter_uncached_p50_ms", plain.p50_ms, "ms", "<=", 25, plain_note),
        check("page_letter_uncached_p99_ms", plain.p99_ms, "ms", "<=", 100, plain_note),
        check(
            "page_vs_hello_uncached_ratio",
            plain.rps / hello.rps,
            "x",
            ">=",
            0.5,
            f"letter {plain.rps:,.0f} req/s, trivial view {hello.rps:,.0f} req/s; {plain_note}",
        ),
    ]


if __name__ == "__main__":
    harness.main(run)
