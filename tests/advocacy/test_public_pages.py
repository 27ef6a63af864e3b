"""What the public sees: pages, listings, the feed (the host's search and sitemap: tests/site)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advocacy.models import CampaignWinPage, TimelinePage

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_letter_page_queries_do_not_grow_with_signatories(client, letter_factory):
    small = letter_factory(5, slug="small")
    big = letter_factory(450, slug="big")
    client.get(small.url)  # warm per-process caches (site root paths, content types)
    client.get(big.url)  # and the cached "read next" cards of each page

    small_queries, _ = count_queries(client, small.url)
    big_queries, html = count_queries(client, big.url)

    assert big_queries == small_queries
    # With translated pages: the active locale (Wagtail's lookup and ours), the page's
    # translations and their view restrictions, for the language links.
    assert big_queries <= (22 if getattr(settings, "WAGTAIL_I18N_ENABLED", False) else 19)
    assert "450" in html and "big Org 449" in html and "big Org 0" in html


def test_letter_page_shows_addressee_numbered_demands_count_and_signatories(client, letter_factory):
    letter = letter_factory(12)
    html = client.get(letter.url).content.decode()
    assert "Prime Minister Mark Carney" in html
    assert re.search(r"<ol[^>]*>.*Recognise Palestine.*Impose an embargo.*</ol>", html, re.S)
    assert "12" in html
    assert html.count("<h1") == 1


def test_win_page_shows_outcome_label_and_supporters(client, win):
    html = client.get(win.url).content.decode()
    assert "Big new win" in html or "BIG NEW WIN" in html
    assert "13,000 emails sent" in html
    assert "Mélanie Joly" in html


def test_newsroom_filters_by_kind_outcome_topic_and_year(client, newsroom, statement, win):
    pending = newsroom.add_child(
        instance=CampaignWinPage(
            title="Waiting for an investigation", slug="pending", outcome="pending"
        )
    )
    pending.save_revision().publish()

    def titles(query: str) -> set[str]:
        html = client.get(newsroom.url + query).content.decode()
        return {t for t in (statement.title, win.title, pending.title) if t in html}

    assert titles("") == {statement.title, win.title, pending.title}
    assert titles("?kind=statement") == {statement.title}
    assert titles("?kind=win&outcome=pending") == {pending.title}
    assert titles("?topic=arms-embargo") == {win.title}
    assert titles("?year=2023") == {statement.title}
    assert titles("?year=abc&kind=nonsense") == {statement.title, win.title, pending.title}


def test_newsroom_paginates(client, newsroom):
    newsroom.page_size = 2
    newsroom.save_revision().publish()
    for n in range(5):
        newsroom.add_child(
            instance=CampaignWinPage(title=f"Win number {n}", slug=f"win-{n}")
        ).save_revision().publish()
    first = client.get(newsroom.url).content.decode()
    last = client.get(newsroom.url + "?page=3").content.decode()
    assert sum(f"Win number {n}" in first for n in range(5)) == 2
    assert sum(f"Win number {n}" in last for n in range(5)) == 1
    assert client.get(newsroom.url + "?page=999").status_code == 200


def test_timeline_groups_actions_by_month(client, newsroom, statement, win):
    timeline = newsroom.add_child(instance=TimelinePage(title="Advocacy timeline", slug="timeline"))
    timeline.save_revision().publish()
    html = client.get(timeline.url).content.decode()
    assert html.index("October 2023") < html.index(statement.title)
    assert html.index(statement.title) < html.index("March 2024") < html.index(win.title)


def test_feed_lists_the_latest_pages_newest_first(client, statement, win):
    response = client.get(reverse("advocacy:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(response.content).findall("./channel/item")
    assert [i.findtext("title") for i in items] == [
        f"Big new win: {win.title}",
        f"Statement: {statement.title}",
    ]
    assert items[0].findtext("link").startswith("http")
