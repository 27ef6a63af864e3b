"""Redis down does not take the site down: pages, the API, search, the admin and the newsletter
are served uncached, with one warning per outage.

"Redis down" is a port nothing listens on (127.0.0.1:6391), or a Redis server this test starts
and stops itself.
"""

# Fixtures are imported from other conftest modules and named as arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.test import TestCase
from hostsite import cache_fallback, page_cache
from hostsite.cache_fallback import FallbackCache
from redis.exceptions import ConnectionError as RedisConnectionError

from advocacy.models import StatementPage
from newsletter.issues import rendering
from newsletter.issues.rendering import render_issue
from newsletter.models import MailingList
from tests.newsletter.issues.conftest import (
    appeal,
    archive,
    content,
    issue,
    make_issue,
    newsletter_settings,
)
from tests.site.test_page_cache import Clock

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:6391/0"
FALLBACK_TO_DEAD_REDIS = {
    "BACKEND": "hostsite.cache_fallback.FallbackCache",
    "LOCATION": DEAD_REDIS,
    "OPTIONS": {"RETRY_SECONDS": 5, "socket_connect_timeout": 1, "socket_timeout": 1},
}


@pytest.fixture
def forget_outages():
    cache_fallback._outages.clear()
    page_cache.worker_generation.forget()
    yield
    cache_fallback._outages.clear()
    page_cache.worker_generation.forget()
    rendering.render_cache.failing = False


@pytest.fixture
def redis_down(settings, forget_outages):
    """The site configured with Redis, and Redis not there."""
    settings.CACHES = {**settings.CACHES, "default": FALLBACK_TO_DEAD_REDIS}


def fallback_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == cache_fallback.__name__]


def test_with_redis_down_every_part_of_the_site_answers(
    client,
    redis_down,
    newsroom,
    issue,
    superuser,
    caplog,
):
    statement = newsroom.get_children().type(StatementPage).first().specific
    MailingList.objects.create(name="Supporters", slug="supporters")
    caplog.set_level(logging.WARNING)
    pages = {
        "/en/": "<h1",
        newsroom.url: statement.title,
        statement.url: statement.title,
        "/api/v2/pages/": statement.title,
        "/en/search/?q=statement": statement.title,
        "/admin/login/": "password",
        issue.url: issue.subject,
        "/newsletter/subscribe/": "<form",
    }
    for _ in range(2):
        for url, shows in pages.items():
            response = client.get(url)
            assert response.status_code == 200, url
            assert shows in response.content.decode(), url

    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{statement.pk}/edit/").status_code == 200

    (warning,) = fallback_warnings(caplog)  # one for the outage, not one per request
    assert "can't be reached" in warning and "127.0.0.1:6391" in warning


@pytest.mark.parametrize("path", ["/api/v3/newsletter/subscribe/", "/api/newsletter/subscribe/"])
def test_with_redis_down_people_can_still_subscribe(client, redis_down, forget_outages, path):
    MailingList.objects.create(name="Supporters", slug="supporters")
    response = client.post(
        path,
        json.dumps({"email": "ada@example.org", "list": "supporters", "consent": True}),
        content_type="application/json",
    )
    assert response.status_code in (200, 201, 202), response.content


def test_with_redis_down_publishing_works_and_readers_see_it_at_once(
    client,
    settings,
    redis_down,
    newsroom,
    issue,
):
    """With the page cache on: it steps aside (it can't know what another worker published)."""
    settings.MIDDLEWARE = [
        "hostsite.page_cache.AnonymousUpdateCacheMiddleware",
        *settings.MIDDLEWARE,
        "hostsite.page_cache.AnonymousFetchFromCacheMiddleware",
    ]
    settings.CACHE_MIDDLEWARE_SECONDS = 300
    caches["pages"].clear()
    clock = Clock()  # the time stands still: the generation is not re-read on its own
    page_cache.worker_generation.clock = clock
    try:
        statement = newsroom.get_children().type(StatementPage).first().specific
        assert statement.title in client.get(statement.url).content.decode()

        # Another worker publishes (this one is not told): a reader here sees it at once.
        StatementPage.objects.filter(pk=statement.pk).update(title="Renamed elsewhere")
        assert "Renamed elsewhere" in client.get(statement.url).content.decode()

        statement.refresh_from_db()
        statement.title = "Renamed here"
        with TestCase.captureOnCommitCallbacks(execute=True):
            statement.save_revision().publish()
        assert "Renamed here" in client.get(statement.url).content.decode()
    finally:
        page_cache.worker_generation.clock = time.monotonic
        caches["pages"].clear()


def test_the_newsletter_render_cache_survives_a_cache_that_raises(
    settings, archive, newsletter_settings, forget_outages, caplog
):
    """The plugin can't count on the host wrapping its cache: a raw RedisCache, Redis down."""
    issue = make_issue(archive, [("intro", "<p>Hello friends.</p>"), ("heading", "News")])
    page = issue.live_revision.as_object()
    page.get_site()  # Wagtail's own use of the cache (the site's root paths), while it is up
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        },
    }
    with pytest.raises(RedisConnectionError):
        caches["default"].get("anything")
    with caplog.at_level(logging.WARNING, logger=rendering.__name__):
        first = render_issue(page, revision_id=issue.live_revision_id)
        second = render_issue(page, revision_id=issue.live_revision_id)
    assert first.subject == issue.subject and "Hello friends." in first.html
    assert second.html == first.html
    (warning,) = [r.getMessage() for r in caplog.records if r.name == rendering.__name__]
    assert "uncached" in warning


# The wrapper itself, against a Redis server this test starts and stops.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on its own port, with nothing saved to disk."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(forget_outages):
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def test_the_fallback_cache_misses_while_redis_is_down_and_is_retried_every_few_seconds(
    redis_server, caplog
):
    cache = FallbackCache(
        f"redis://127.0.0.1:{redis_server.port}/0",
        {"OPTIONS": {"RETRY_SECONDS": 5, "socket_connect_timeout": 1, "socket_timeout": 1}},
    )
    clock = cache.outage.clock = Clock()
    caplog.set_level(logging.WARNING, logger=cache_fallback.__name__)

    cache.set("kept", "value")
    assert cache.get("kept") == "value"  # Redis up: an ordinary cache
    cache.set("count", 1)
    assert cache.incr("count") == 2

    redis_server.stop()
    assert cache.get("kept", "miss") == "miss"
    cache.set("kept", "other")  # nothing raised
    assert cache.add("new", 1) is False
    assert cache.get_or_set("generated", lambda: 42) == 42
    assert cache.get_many(["kept", "count"]) == {}
    assert cache.has_key("kept") is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete("kept") is False
    with pytest.raises(ValueError):
        cache.incr("count")  # as for a key that is not there
    assert fallback_warnings(caplog) == [fallback_warnings(caplog)[0]]  # one warning
    assert "can't be reached" in fallback_warnings(caplog)[0]

    redis_server.start()
    clock.advance(4.9)  # not tried again yet: still a miss, at once
    cache.set("back", "soon")
    assert cache.get("back") is None
    clock.advance(0.1)
    cache.set("back", "now")
    assert cache.get("back") == "now"
    assert len(fallback_warnings(caplog)) == 2
    assert "answers again" in fallback_warnings(caplog)[1]


def test_the_fallback_cache_passes_on_errors_that_are_not_about_reaching_redis(redis_server):
    cache = FallbackCache(f"redis://127.0.0.1:{redis_server.port}/0", {})
    with pytest.raises(Exception, match="pickle"):
        cache.set("unpicklable", lambda: None, DEFAULT_TIMEOUT)


def test_settings_wrap_the_redis_cache_when_redis_url_is_set():
    """The settings module itself, in a fresh process, with REDIS_URL at a dead port."""
    script = (
        "import django; django.setup()\n"
        "from django.core.cache import caches\n"
        "cache = caches['default']\n"
        "cache.set('key', 'value')\n"
        "print(type(cache).__name__, type(cache.strict).__name__, cache.get('key', 'miss'))\n"
    )
    env = {
        **os.environ,
        "REDIS_URL": DEAD_REDIS,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "test-only-key-for-a-settings-check-0123",
        "DJANGO_SETTINGS_MODULE": "hostsite.settings",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["FallbackCache", "RedisCache", "miss"]
    assert result.stderr.count("can't be reached") == 1
