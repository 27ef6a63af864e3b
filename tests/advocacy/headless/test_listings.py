"""API v3 listings: /api/v3/advocacy/items/, topics/ and timeline/ (cards a front end builds
its newsroom, home page and timeline from)."""

from __future__ import annotations

import datetime

import pytest
from wagtail.models import Locale, Page, PageViewRestriction

from advocacy.headless.schemas import CardKind, OutcomeValue
from advocacy.models import CampaignWinPage, StatementPage
from advocacy.models.listings import CARD_KINDS
from advocacy.models.wins import Outcome
from newsletter.languages import i18n_enabled
from tests.advocacy.actions.conftest import make_action
from tests.advocacy.conftest import make_letter

pytestmark = pytest.mark.django_db

ITEMS = "/api/v3/advocacy/items/"


#: Tests of a second language need the host site's i18n (the plugin's own settings have none).
needs_i18n = pytest.mark.skipif(not i18n_enabled(), reason="the host's languages: en and fr")


def get_json(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def ids(data: dict) -> list[int]:
    return [item["id"] for item in data["items"]]


def add_statement(parent, slug: str, date: datetime.date, **fields) -> StatementPage:
    page = parent.add_child(
        instance=StatementPage(
            title=fields.pop("title", f"Statement {slug}"), slug=slug, date=date, **fields
        )
    )
    page.save_revision().publish()
    return page


@pytest.fixture
def mixed(newsroom, statement, win):
    """A statement (2023), a win (2024), a letter with 3 signatories (2025) and a petition."""
    letter = make_letter(newsroom, 3, slug="letter")
    letter.topics.add("Arms embargo")
    letter.save_revision().publish()
    petition = make_action(
        newsroom, "petition", kind="petition", goal=100, date=datetime.date(2025, 6, 1)
    )
    return {"statement": statement, "win": win, "letter": letter, "action": petition}


def test_mixed_listing_gives_each_kind_its_label_facts_and_topics(client, mixed):
    data = get_json(client, ITEMS)

    assert data["count"] == 4
    by_kind = {item["kind"]: item for item in data["items"]}
    assert {k: by_kind[k]["label"] for k in by_kind} == {
        "statement": "Statement",
        "letter": "Open letter",
        "win": "Big new win",
        "action": "Petition",
    }
    assert by_kind["letter"]["facts"] == "Signed by 3 organisations"
    assert by_kind["win"]["facts"] == "13,000 emails sent"
    assert by_kind["action"]["facts"] == "0 of 100 signatures"
    assert by_kind["statement"]["facts"] == ""
    assert by_kind["win"]["outcome"] == "win"
    assert by_kind["letter"]["outcome"] is None
    assert by_kind["win"]["topics"] == [{"slug": "arms-embargo", "name": "Arms embargo"}]
    win = by_kind["win"]
    assert win["type"] == "advocacy.CampaignWinPage"
    assert win["url"] == CampaignWinPage.objects.get().get_full_url()
    assert win["date"] == "2024-03-20"
    assert win["date_text"] == "20 March 2024"
    assert win["summary"].startswith("After months of pressure")
    assert win["image"] is None
    # Newest first by default.
    assert ids(data) == [p.pk for p in (mixed["action"], mixed["letter"], mixed["win"],
                                        mixed["statement"])]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "goal", "confirmed"),
    [("petition", 100, 2), ("petition", None, 1), ("letter", None, 0), ("letter", None, 1201)],
)
def test_action_facts_match_the_action_page(client, newsroom, kind, goal, confirmed):
    from advocacy.models.actions import Participation

    action = make_action(newsroom, "act", kind=kind, goal=goal)
    Participation.objects.bulk_create(
        [
            Participation(page=action, email=f"{n}@example.org", name="N", status=status)
            for n, status in enumerate(["confirmed"] * confirmed + ["pending"])
        ]
    )
    [item] = get_json(client, ITEMS)["items"]
    assert item["facts"] == action.teaser_facts()
    assert item["facts"] or (kind, confirmed) == ("letter", 0)


@pytest.mark.parametrize("signatories", [0, 1, 2])
def test_letter_facts_match_the_letter_page(client, newsroom, signatories):
    letter = make_letter(newsroom, signatories)
    [item] = get_json(client, ITEMS)["items"]
    assert item["facts"] == letter.teaser_facts()


def test_each_filter_narrows_the_listing(client, mixed):
    statement, win, letter = mixed["statement"], mixed["win"], mixed["letter"]
    assert ids(get_json(client, ITEMS, kind="letter")) == [letter.pk]
    assert ids(get_json(client, ITEMS, kind="action")) == [mixed["action"].pk]
    assert ids(get_json(client, ITEMS, outcome="win")) == [win.pk]
    assert ids(get_json(client, ITEMS, outcome="pending")) == []
    assert ids(get_json(client, ITEMS, topic="arms-embargo")) == [letter.pk, win.pk]
    assert ids(get_json(client, ITEMS, topic="no-such-topic")) == []
    assert ids(get_json(client, ITEMS, year=2023)) == [statement.pk]
    assert ids(get_json(client, ITEMS, date_from="2024-03-20", date_to="2025-03-19")) == [
        letter.pk,
        win.pk,
    ]
    assert ids(get_json(client, ITEMS, date_to="2024-03-19")) == [statement.pk]
    assert ids(get_json(client, ITEMS, search="ISLAMOPHOBIA")) == [statement.pk]
    assert ids(get_json(client, ITEMS, search="minister pressure")) == [win.pk]  # both words
    assert ids(get_json(client, ITEMS, search='"hate" \t since')) == [statement.pk]
    assert ids(get_json(client, ITEMS, kind="win", year=2023)) == []


def test_undated_pages_leave_year_and_date_filters(client, newsroom):
    dated = add_statement(newsroom, "dated", datetime.date(2024, 5, 1))
    add_statement(newsroom, "undated", datetime.date(2024, 5, 2), date_precision="undated")
    assert ids(get_json(client, ITEMS, year=2024)) == [dated.pk]
    assert ids(get_json(client, ITEMS, date_from="2024-01-01")) == [dated.pk]
    undated = get_json(client, ITEMS)["items"][0]
    assert (undated["date"], undated["date_text"]) == (None, "")


def test_orderings_and_pagination(client, newsroom):
    pages = [
        add_statement(newsroom, f"s{n}", datetime.date(2024, 1, n + 1), title=title)
        for n, title in enumerate(["Bravo", "Alpha", "Charlie"])
    ]
    b, a, c = pages
    assert ids(get_json(client, ITEMS)) == [c.pk, a.pk, b.pk]
    assert ids(get_json(client, ITEMS, order="date")) == [b.pk, a.pk, c.pk]
    assert ids(get_json(client, ITEMS, order="title")) == [a.pk, b.pk, c.pk]
    assert ids(get_json(client, ITEMS, order="-title")) == [c.pk, b.pk, a.pk]
    page = get_json(client, ITEMS, order="title", limit=2, offset=1)
    assert page["count"] == 3
    assert ids(page) == [b.pk, c.pk]
    assert get_json(client, ITEMS, offset=10**9)["items"] == []
    assert client.get(ITEMS, {"offset": 10**30}).status_code == 400


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"kind": "press-release"}, 422, "kind"),
        ({"outcome": "lost"}, 422, "outcome"),
        ({"year": "24"}, 422, "year"),
        ({"year": "2024x"}, 422, "year"),
        ({"year": "9" * 40}, 422, "year"),
        ({"date_from": "2024-13-01"}, 422, "date_from"),
        ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, 422, "date_from must not"),
        ({"order": "random"}, 422, "order"),
        ({"topic": "a\x00b"}, 422, "topic"),
        ({"topic": "x" * 101}, 422, "topic"),
        ({"locale": "de"}, 422, "locale"),
        ({"under": "0"}, 422, "under"),
        ({"under": "9" * 30}, 422, "under"),
        ({"under": "999999"}, 404, "No published page"),
        ({"search": "gaza\x00"}, 400, "NUL"),
        ({"limit": "1000"}, 400, "limit"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, newsroom, params, status, message):
    response = client.get(ITEMS, params)
    assert response.status_code == status, response.content[:300]
    assert message in response.content.decode()


def test_unpublished_and_private_pages_are_left_out(client, newsroom, statement, win):
    draft = add_statement(newsroom, "draft", datetime.date(2024, 1, 1))
    draft.unpublish()
    private = add_statement(newsroom, "private", datetime.date(2024, 1, 2))
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    assert sorted(ids(get_json(client, ITEMS))) == sorted([statement.pk, win.pk])
    topics = get_json(client, "/api/v3/advocacy/topics/")
    assert [t["slug"] for t in topics] == ["arms-embargo", "free-expression"]


def test_under_lists_one_newsroom(client, home_page, newsroom, statement):
    from advocacy.models import NewsroomPage

    other = home_page.add_child(instance=NewsroomPage(title="Archive", slug="archive"))
    other.save_revision().publish()
    old = add_statement(other, "old", datetime.date(2020, 1, 1))
    assert ids(get_json(client, ITEMS, under=other.pk)) == [old.pk]
    assert ids(get_json(client, ITEMS, under=newsroom.pk)) == [statement.pk]
    assert get_json(client, ITEMS)["count"] == 2


@pytest.fixture
def french(newsroom, statement):
    """The statement's French translation (with the French home page and newsroom)."""
    locale, _ = Locale.objects.get_or_create(language_code="fr")
    page = statement.copy_for_translation(locale, copy_parents=True)
    page.title = "Déclaration sur l'islamophobie"
    page.save_revision().publish()
    for parent in page.get_ancestors().filter(depth__gt=1).specific():
        if not parent.live:
            parent.save_revision().publish()
    page.topics.add("Liberté d'expression")
    page.save_revision().publish()
    return page


@needs_i18n
def test_a_locale_lists_its_own_language_tree(client, french, statement):
    assert ids(get_json(client, ITEMS)) == [statement.pk]
    data = get_json(client, ITEMS, locale="fr")
    assert ids(data) == [french.pk]
    assert data["items"][0]["title"] == "Déclaration sur l'islamophobie"
    assert "/fr/" in data["items"][0]["url"]
    topics = get_json(client, "/api/v3/advocacy/topics/", locale="fr")
    assert {t["name"] for t in topics} == {"Free expression", "Liberté d'expression"}
    timeline = get_json(client, "/api/v3/advocacy/timeline/", locale="fr")
    assert [item["id"] for group in timeline for item in group["items"]] == [french.pk]


def test_topics_are_counted_and_sorted_by_name(client, newsroom, statement, win):
    other = add_statement(newsroom, "other", datetime.date(2024, 1, 1))
    other.topics.add("Arms embargo")
    other.save_revision().publish()
    assert get_json(client, "/api/v3/advocacy/topics/") == [
        {"slug": "arms-embargo", "name": "Arms embargo", "count": 2},
        {"slug": "free-expression", "name": "Free expression", "count": 1},
    ]


def test_timeline_groups_cards_oldest_first(client, newsroom, statement, win):
    add_statement(newsroom, "year-only", datetime.date(2024, 1, 1), date_precision="year")
    add_statement(newsroom, "march", datetime.date(2024, 3, 5))
    groups = get_json(client, "/api/v3/advocacy/timeline/")
    assert [(g["heading"], g["context"]) for g in groups] == [
        ("October 2023", ""),
        ("2024", ""),
        ("March 2024", ""),
    ]
    assert [len(g["items"]) for g in groups] == [1, 1, 2]
    assert groups[2]["items"][1]["label"] == "Big new win"


def make_batch(newsroom, n: int, offset: int) -> None:
    """Statements, petitions, letters and wins; every other win shows its petition's count."""
    for i in range(n):
        slug = f"batch-{offset + i}"
        if i % 4 == 0:
            page = add_statement(newsroom, slug, datetime.date(2024, 1, 1))
        elif i % 4 == 1:
            page = petition = make_action(newsroom, slug, kind="petition", goal=10)
        elif i % 4 == 2:
            page = make_letter(newsroom, 2, slug=slug)
        else:
            linked = i % 8 == 3
            page = newsroom.add_child(
                instance=CampaignWinPage(
                    title=slug,
                    slug=slug,
                    outcome="pending",
                    supporter_count=None if linked else 5,
                    action=petition if linked else None,
                )
            )
        page.topics.add("Topic A", f"Topic {offset + i}")
        page.save_revision().publish()


def test_query_count_does_not_grow_with_the_items(client, newsroom):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url: str) -> int:
        client.get(url)  # once first: caches (site, locales) filled
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_batch(newsroom, 4, 0)
    few = {url: queries(url) for url in (ITEMS, "/api/v3/advocacy/timeline/")}
    make_batch(newsroom, 12, 4)
    items = get_json(client, ITEMS, limit=20)["items"]
    assert len(items) == 16
    for item in items:  # the bulk counts say what each page says of itself
        page = Page.objects.get(pk=item["id"]).specific
        assert item["facts"] == page.teaser_facts(), page
    for url, count in few.items():
        assert queries(url) <= count, url


def test_the_schema_enums_match_the_models():
    assert set(CardKind.__args__) == set(CARD_KINDS)
    assert set(OutcomeValue.__args__) == set(Outcome.values)


def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = get_json(client, "/api/v3/openapi.json")["paths"]
    for path in ("items", "topics", "timeline"):
        assert f"/api/v3/advocacy/{path}/" in paths
