"""The optional whole-page cache: anonymous readers get cached pages until the next publish.

Pages are kept in each worker's memory; the generation number that publishing bumps is shared
(Redis in production) and re-read by each worker at most once a second. A second worker is
simulated in one process by what makes it different: its own store and its own copy of the
generation. Tests run inside a transaction, and the generation is bumped when a publish commits,
so publishing here goes through :func:`publish`, which runs the commit callbacks as a commit would.
"""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from hostsite import page_cache as page_cache_module
from hostsite.page_cache import (
    GENERATION_KEY,
    AnonymousFetchFromCacheMiddleware,
    AnonymousUpdateCacheMiddleware,
    LocalPageStore,
    invalidate,
    worker_generation,
)

from tests.advocacy.conftest import make_letter

pytestmark = pytest.mark.django_db


def forget_everything() -> None:
    """A worker that has just started, whatever an earlier test in this process left: no
    pages, no generation, no bump waiting to be sent, the shared cache not known to be down."""
    caches["default"].clear()
    caches["pages"].clear()
    worker_generation.forget()
    worker_generation._unsent = worker_generation._down = False


@pytest.fixture
def page_cache(settings):
    settings.MIDDLEWARE = [
        "hostsite.page_cache.AnonymousUpdateCacheMiddleware",
        *settings.MIDDLEWARE,
        "hostsite.page_cache.AnonymousFetchFromCacheMiddleware",
    ]
    settings.CACHE_MIDDLEWARE_SECONDS = 300
    forget_everything()
    yield
    forget_everything()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """The workers' clock for re-reading the generation, moved by hand."""
    fake = Clock()
    monkeypatch.setattr(worker_generation, "clock", fake)
    return fake


class CountingCache:
    """The shared cache, recording each call (method and key). While ``down`` every call
    raises, as the Redis client does when Redis can't be reached."""

    def __init__(self, cache):
        self.cache = cache
        self.calls: list[tuple[str, str]] = []
        self.down = False

    def __getattr__(self, name):
        attribute = getattr(self.cache, name)
        if not callable(attribute):
            return attribute

        def counted(key, *args, **kwargs):
            self.calls.append((name, key))
            if self.down:
                raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            return attribute(key, *args, **kwargs)

        return counted


@pytest.fixture
def shared_cache(monkeypatch):
    counting = CountingCache(caches["default"])
    monkeypatch.setattr(page_cache_module, "_shared_cache", lambda: counting)
    return counting


def queries_for(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def publish(page, title: str) -> None:
    """Publish a new title and commit (the commit callbacks run, as they would at a commit)."""
    page.title = title
    with TestCase.captureOnCommitCallbacks(execute=True):
        page.save_revision().publish()


def publish_in_another_worker(letter, title: str) -> None:
    """Publish as another worker would: the shared generation moves on, this worker's copy
    of it (read just before) does not."""
    known = worker_generation.current()
    publish(letter, title)
    worker_generation.remember(known)


def page_cache_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == page_cache_module.__name__]


def start_another_worker() -> None:
    """From here on this process behaves as a worker that has just started: nothing cached."""
    caches["pages"].clear()
    worker_generation.forget()


def test_a_cached_letter_page_needs_no_database_until_something_is_published(
    client, page_cache, newsroom
):
    letter = make_letter(newsroom, 450)
    first, _ = queries_for(client, letter.url)
    cached, html = queries_for(client, letter.url)
    assert first > 0 and cached == 0
    assert letter.title in html

    publish(letter, "A corrected title")

    _, fresh = queries_for(client, letter.url)
    assert "A corrected title" in fresh


def test_a_publish_in_another_worker_reaches_this_one_within_a_second(
    client, page_cache, clock, newsroom
):
    letter = make_letter(newsroom, 3)
    queries_for(client, letter.url)  # this worker caches the letter
    publish_in_another_worker(letter, "A corrected title")

    clock.advance(0.9)  # this worker has not looked at the shared generation again yet
    cached, html = queries_for(client, letter.url)
    assert cached == 0 and "A corrected title" not in html

    clock.advance(0.1)
    _, html = queries_for(client, letter.url)
    assert "A corrected title" in html
    cached, html = queries_for(client, letter.url)  # and caches the new version
    assert cached == 0 and "A corrected title" in html


def test_each_worker_renders_a_page_once_then_serves_its_own_copy(client, page_cache, newsroom):
    letter = make_letter(newsroom, 3)
    queries_for(client, letter.url)  # the first worker caches the letter

    start_another_worker()
    first, _ = queries_for(client, letter.url)  # pages are not shared between workers
    cached, html = queries_for(client, letter.url)
    assert first > 0 and cached == 0 and letter.title in html


def test_the_generation_is_read_from_the_shared_cache_at_most_once_a_second(
    client, page_cache, clock, shared_cache, newsroom
):
    letter = make_letter(newsroom, 3)
    start_another_worker()
    shared_cache.calls.clear()
    for _ in range(5):
        queries_for(client, letter.url)
    clock.advance(0.99)
    for _ in range(5):
        queries_for(client, letter.url)
    assert len(shared_cache.calls) == 1

    clock.advance(0.01)
    for _ in range(5):
        queries_for(client, letter.url)
    assert len(shared_cache.calls) == 2
    # Only the generation goes to the shared cache; the pages never do.
    assert {key for _, key in shared_cache.calls} == {GENERATION_KEY}


def test_editors_with_a_session_are_never_served_from_the_cache(
    client, page_cache, newsroom, superuser
):
    letter = make_letter(newsroom, 3)
    client.get(letter.url)  # cached for anonymous readers
    client.force_login(superuser)
    with_session, _ = queries_for(client, letter.url)
    assert with_session > 0


def test_pages_seen_by_editors_are_not_kept_for_readers(
    client, page_cache, shared_cache, newsroom, superuser
):
    letter = make_letter(newsroom, 3)
    start_another_worker()
    shared_cache.calls.clear()
    client.force_login(superuser)
    for _ in range(2):
        queries_for(client, letter.url)
    assert shared_cache.calls == []  # editors do not even read the generation

    client.logout()
    client.cookies.clear()
    first, _ = queries_for(client, letter.url)
    assert first > 0


def test_a_page_rendered_while_a_publish_happens_is_not_served_as_the_new_version(page_cache):
    renders = []

    def view(request):
        renders.append(request.path)
        if len(renders) == 1:  # someone publishes while the first render is under way
            with TestCase.captureOnCommitCallbacks(execute=True):
                invalidate()
        return HttpResponse(f"render {len(renders)}")

    site = AnonymousUpdateCacheMiddleware(AnonymousFetchFromCacheMiddleware(view))
    factory = RequestFactory()
    assert site(factory.get("/letter/")).content == b"render 1"
    assert site(factory.get("/letter/")).content == b"render 2"  # render 1 was the old version
    assert site(factory.get("/letter/")).content == b"render 2"  # and this one is kept
    assert site.key_prefix == "page"  # the shared middleware itself is never changed


def test_the_generation_is_bumped_when_the_publish_commits_not_before(
    client, page_cache, newsroom, django_capture_on_commit_callbacks
):
    letter = make_letter(newsroom, 3)
    queries_for(client, letter.url)  # cached under the current generation
    before = caches["default"].get(GENERATION_KEY)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        letter.title = "A corrected title"
        letter.save_revision().publish()
        # Not committed yet: another worker could still read the old page, so the generation
        # (shared, and this worker's copy) stays where it was and the cached page is served.
        assert caches["default"].get(GENERATION_KEY) == before
        assert worker_generation.current() == before
        cached, html = queries_for(client, letter.url)
        assert cached == 0 and "A corrected title" not in html
    assert len(callbacks) == 1

    assert caches["default"].get(GENERATION_KEY) == before + 1
    assert worker_generation.current() == before + 1
    _, html = queries_for(client, letter.url)
    assert "A corrected title" in html


def test_a_publish_that_is_rolled_back_bumps_nothing(
    client, page_cache, newsroom, django_capture_on_commit_callbacks
):
    letter = make_letter(newsroom, 3)
    queries_for(client, letter.url)
    before = caches["default"].get(GENERATION_KEY)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        letter.title = "A corrected title"
        letter.save_revision().publish()
        raise RuntimeError("the rest of the request failed")
    assert callbacks == []
    assert caches["default"].get(GENERATION_KEY) == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_generation_is_bumped_at_once(page_cache):
    before = worker_generation.current()
    invalidate()
    assert caches["default"].get(GENERATION_KEY) == before + 1
    assert worker_generation.current() == before + 1


def test_while_the_shared_cache_is_down_pages_are_served_uncached_and_it_is_retried_each_second(
    client, page_cache, clock, shared_cache, newsroom, caplog
):
    letter = make_letter(newsroom, 3)
    queries_for(client, letter.url)  # cached
    shared_cache.down = True
    clock.advance(1)  # time to read the generation again
    shared_cache.calls.clear()

    with caplog.at_level(logging.WARNING, logger=page_cache_module.__name__):
        for _ in range(3):
            uncached, html = queries_for(client, letter.url)  # 200, rendered, no exception
            assert uncached > 0 and letter.title in html
        clock.advance(0.99)
        queries_for(client, letter.url)
        assert len(shared_cache.calls) == 1  # tried once, not on every request
        clock.advance(0.01)
        for _ in range(3):
            uncached, _ = queries_for(client, letter.url)
            assert uncached > 0
        assert len(shared_cache.calls) == 2

        (warning,) = page_cache_log(caplog)  # one warning for the outage, not one per request
        assert "can't be read" in warning

        shared_cache.down = False
        clock.advance(1)
        cached, html = queries_for(client, letter.url)  # nothing was published: cache again
        assert cached == 0 and letter.title in html
    assert "can be read again" in page_cache_log(caplog)[-1]


def test_publishing_while_the_shared_cache_is_down_works_and_is_sent_when_it_is_back(
    client, page_cache, clock, shared_cache, newsroom, caplog
):
    letter = make_letter(newsroom, 3)
    queries_for(client, letter.url)  # cached under the generation read just now
    before = caches["default"].get(GENERATION_KEY)
    shared_cache.down = True

    with caplog.at_level(logging.WARNING, logger=page_cache_module.__name__):
        publish(letter, "A corrected title")  # does not raise
    (warning,) = page_cache_log(caplog)
    assert "could not start a new generation" in warning
    letter.refresh_from_db()
    assert letter.title == "A corrected title" and letter.live

    # This worker shows the change at once (its copy of the generation is still recent).
    uncached, html = queries_for(client, letter.url)
    assert uncached > 0 and "A corrected title" in html

    # The shared cache comes back with the old number: the bump is sent before it is used,
    # so the page cached before the outage is not served as the current version.
    shared_cache.down = False
    clock.advance(1)
    _, html = queries_for(client, letter.url)
    assert "A corrected title" in html
    assert caches["default"].get(GENERATION_KEY) == before + 1
    cached, html = queries_for(client, letter.url)
    assert cached == 0 and "A corrected title" in html


def test_each_worker_keeps_its_pages_within_a_byte_budget_least_recently_read_out_first():
    store = LocalPageStore("test-budget", {"OPTIONS": {"MAX_BYTES": 3000}})
    store.clear()
    page = "x" * 1000
    store.set("a", page)
    store.set("b", page)
    assert store.get("a") == page  # a was read last, so b goes first
    store.set("c", page)
    assert store.get("b") is None
    assert store.get("a") == page and store.get("c") == page
    assert store.size <= 3000

    store.set("huge", "x" * 5000)  # larger than the whole budget: not kept, nothing evicted
    assert store.get("huge") is None and store.get("a") == page
    store.clear()
    assert store.size == 0


def test_the_home_page_with_its_subscribe_form_is_served_from_the_cache(
    client, page_cache, home_page
):
    from newsletter.models import MailingList

    home_page.newsletter_list = MailingList.objects.create(name="Supporters", slug="supporters")
    home_page.save_revision().publish()

    first = client.get(home_page.url)
    html = first.content.decode()
    assert 'name="consent"' in html and "csrfmiddlewaretoken" not in html
    assert not first.cookies  # no CSRF cookie: a new visitor's page can be kept for the next
    assert "Cookie" not in first.get("Vary", "")

    client.cookies.clear()
    cached, html = queries_for(client, home_page.url)
    assert cached == 0 and 'name="consent"' in html
