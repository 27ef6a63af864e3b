"""The optional whole-page cache: anonymous readers get cached pages until the next publish."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.advocacy.conftest import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.MIDDLEWARE = [
        "hostsite.page_cache.AnonymousUpdateCacheMiddleware",
        *settings.MIDDLEWARE,
        "hostsite.page_cache.AnonymousFetchFromCacheMiddleware",
    ]
    settings.CACHE_MIDDLEWARE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def queries_for(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_a_cached_letter_page_needs_no_database_until_something_is_published(
    client, page_cache, newsroom
):
    letter = make_letter(newsroom, 450)
    first, _ = queries_for(client, letter.url)
    cached, html = queries_for(client, letter.url)
    assert first > 0 and cached == 0
    assert letter.title in html

    letter.title = "A corrected title"
    letter.save_revision().publish()

    _, fresh = queries_for(client, letter.url)
    assert "A corrected title" in fresh


def test_editors_with_a_session_are_never_served_from_the_cache(
    client, page_cache, newsroom, superuser
):
    letter = make_letter(newsroom, 3)
    client.get(letter.url)  # cached for anonymous readers
    client.force_login(superuser)
    with_session, _ = queries_for(client, letter.url)
    assert with_session > 0
