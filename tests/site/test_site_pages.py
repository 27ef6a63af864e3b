"""The plugin's pages inside the host project: its header, nav and footer, search, sitemap."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_each_page_type_has_one_h1_landmarks_and_share_metadata(
    client, statement, win, letter_factory, home_page, newsroom
):
    letter = letter_factory(2)
    for page in (home_page, newsroom, statement, win, letter):
        html = client.get(page.url).content.decode()
        assert html.count("<h1") == 1, page
        for landmark in ("<header", "<nav", "<main", "<footer"):
            assert landmark in html, (page, landmark)
        assert 'property="og:title"' in html, page
        assert '<html lang="' in html


def test_search_finds_pages_by_their_words(client, statement, win):
    html = client.get("/en/search/", {"q": "Islamophobia"}).content.decode()
    assert statement.title in html
    assert win.title not in html
    empty = client.get("/en/search/", {"q": "zzzznothing"})
    assert empty.status_code == 200
    assert client.get("/en/search/", {"q": "x" * 5000}).status_code == 200


def test_sitemap_lists_live_pages(client, statement, win):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert statement.url in body and win.url in body
