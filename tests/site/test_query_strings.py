"""No query string makes a public URL (or the organisation search in the admin) answer 500.

Each case below answered 500 before: a NUL that PostgreSQL refuses, a double quote that breaks
Wagtail's SQLite full-text query, values Wagtail's API passed on unchecked. Then a property
test throws arbitrary query strings at every public URL.
"""

# Fixtures are imported from other conftest modules and named as arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocacy.models import Organisation, TimelinePage
from tests.advocacy.conftest import statement, win
from tests.newsletter.issues.conftest import (
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def timeline(newsroom) -> TimelinePage:
    page = newsroom.add_child(instance=TimelinePage(title="Advocacy timeline", slug="timeline"))
    page.save_revision().publish()
    return page


@pytest.mark.parametrize(
    "query",
    [
        "topic=%00",
        "year=%C2%B2%C2%B2%C2%B2%C2%B2",  # "²²²²": digits to str.isdigit, not to int()
        "date=notadate",
        "kind=%00&outcome=%22&page=%00",
    ],
)
def test_newsroom_ignores_filters_it_cannot_use(client, statement, query):
    response = client.get(f"/en/newsroom/?{query}")
    assert response.status_code == 200
    assert statement.title in response.content.decode()


def test_newsroom_still_filters_by_topic_and_year(client, statement, win):
    by_topic = client.get("/en/newsroom/?topic=free-expression").content.decode()
    assert statement.title in by_topic and win.title not in by_topic
    by_year = client.get("/en/newsroom/?year=2024").content.decode()
    assert win.title in by_year and statement.title not in by_year


def test_timeline_ignores_a_date_it_cannot_read(client, timeline, statement):
    response = client.get(f"{timeline.url}?date=notadate")
    assert response.status_code == 200
    assert statement.title in response.content.decode()


@pytest.mark.parametrize("q", ["%00", "%22", "Islamophobia%22", "%22Islamophobia%00"])
def test_search_page_reads_any_text(client, statement, q):
    response = client.get(f"/en/search/?q={q}")
    assert response.status_code == 200
    if "Islamophobia" in q:
        assert statement.title in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "search=%00",
        "search=x&search_operator=xyz",
        "search_operator=xyz&search=x",
        "type=advocacy.StatementPage&date=notadate",
        "type=advocacy.StatementPage&date=%00",
        "locale=%00",
        "slug=%00",
        "order=%00",
    ],
)
def test_pages_api_answers_400_to_a_query_it_cannot_use(client, statement, query):
    response = client.get(f"/api/v2/pages/?{query}")
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize(
    "query",
    [
        "search=%22",
        "search=Islamophobia%22",
        "search=%22Islamophobia%22",
        "search=Islamophobia&search_operator=AND",
        "search=Islamophobia&search_operator=",
    ],
)
def test_pages_api_searches_text_with_quotes(client, statement, query):
    response = client.get(f"/api/v2/pages/?{query}")
    assert response.status_code == 200
    titles = [item["title"] for item in response.json()["items"]]
    assert titles == ([statement.title] if "Islamophobia" in query else [])


@pytest.mark.parametrize("query", ["html_path=/%00", "html_path=%00", "id=%00", "id=abc"])
def test_pages_api_find_answers_400_to_a_value_it_cannot_use(client, statement, query):
    response = client.get(f"/api/v2/pages/find/?{query}")
    assert response.status_code == 400


def test_pages_api_find_still_finds_a_page(client, statement):
    response = client.get(f"/api/v2/pages/find/?html_path={statement.url}")
    assert response.status_code == 302
    assert f"/api/v2/pages/{statement.pk}/" in response["Location"]


@pytest.mark.parametrize("endpoint", ["images", "documents"])
def test_images_and_documents_api_answer_400_to_nul(client, endpoint):
    assert client.get(f"/api/v2/{endpoint}/?search=%00").status_code == 400
    assert client.get(f"/api/v2/{endpoint}/?search=%22").status_code == 200


def test_admin_organisation_search_finds_by_name_and_city(client, superuser):
    Organisation.objects.create(name="Hamilton Food Bank", name_key="hamilton food bank")
    Organisation.objects.create(name="Green Rivers", name_key="green rivers", city="Hamilton")
    Organisation.objects.create(name="Ottawa Tenants", name_key="ottawa tenants", city="Ottawa")
    client.force_login(superuser)
    url = "/admin/snippets/advocacy/organisation/"

    response = client.get(url, {"q": "hamilton"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hamilton Food Bank" in html and "Green Rivers" in html
    assert "Ottawa Tenants" not in html

    for odd in ['"', "\x00", "Food Bank", "é" * 300]:
        assert client.get(url, {"q": odd}).status_code == 200


# The property test: any query string, every public URL, never a 5xx. Keys are mostly ones the
# URLs read (site keys for pages, API keys for the API: an unknown key makes the API answer 400
# before it reads the others), values mostly odd ones, plus any text.

SITE_KEYS = ["q", "page", "p", "kind", "outcome", "topic", "year", "date", "list", "format"]
API_KEYS = [
    "search",
    "search_operator",
    "type",
    "fields",
    "order",
    "limit",
    "offset",
    "child_of",
    "descendant_of",
    "ancestor_of",
    "translation_of",
    "locale",
    "html_path",
    "id",
    "slug",
    "title",
    "date",
    "outcome",
    "supporter_count",
]
ODD_VALUES = [
    "",
    "\x00",
    '"',
    "'",
    '"a',
    "a\"b'c",
    "%",
    "\\",
    "*",
    "()",
    "-1",
    "0",
    "1e9",
    "99999999999999999999999",
    "²²²²",
    "2024",
    "notadate",
    "2024-13-45",
    "win",
    "letter",
    "free-expression",
    "signatories,outcome",
    "*,-title",
    "-date",
    "random",
    "/",
    "/newsroom/",
    "/%00/",
    "en",
    "supporters",
    "日本語 العربية",
    "\U0001f600",
    "x" * 5000,
]
values = (
    st.sampled_from(ODD_VALUES)
    | st.text(max_size=30)
    | st.text(max_size=12).map(lambda text: f'{text}"\x00{text}')
    | st.text(min_size=300, max_size=600)
)
VALUES_FOR = {
    "type": st.sampled_from(
        [
            "advocacy.StatementPage",
            "advocacy.OpenLetterPage",
            "advocacy.CampaignWinPage",
            "advocacy.StatementPage,advocacy.CampaignWinPage",
        ]
    )
    | values,
    "search_operator": st.sampled_from(["and", "or"]) | values,
}


def query_strings(known_keys: list[str]) -> st.SearchStrategy[str]:
    """Up to four of ``known_keys`` and sometimes a made-up key, with any values, encoded."""
    known = st.sampled_from(known_keys).flatmap(
        lambda key: st.tuples(st.just(key), VALUES_FOR.get(key, values))
    )
    made_up = st.tuples(st.text(max_size=12), values)
    return st.tuples(st.lists(known, min_size=1, max_size=4), st.lists(made_up, max_size=1)).map(
        lambda pairs: urlencode([*pairs[0], *pairs[1]])
    )


PROPERTY = settings(
    max_examples=25,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def public_urls(home_page, newsroom, timeline, statement, win, content, archive, issue):
    """Every public URL of the site, with a page of each kind behind it."""
    letter = content["letter"]
    return [
        home_page.url,
        newsroom.url,
        timeline.url,
        letter.url,
        win.url,
        statement.url,
        "/en/search/",
        "/en/feed/",
        "/sitemap.xml",
        "/api/v2/pages/",
        f"/api/v2/pages/{letter.pk}/",
        "/api/v2/pages/find/",
        "/api/v2/images/",
        "/api/v2/documents/",
        "/newsletter/subscribe/",
        archive.url,
        issue.url,
    ]


@PROPERTY
@given(site_query=query_strings(SITE_KEYS), api_query=query_strings(API_KEYS))
def test_no_query_string_makes_a_public_url_fail(client, public_urls, site_query, api_query):
    for url in public_urls:
        query = api_query if url.startswith("/api/") else site_query
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, query, response.status_code)


def test_the_pages_behind_the_public_urls_exist(client, public_urls):
    """The property test above is only worth something if these answer normally."""
    for url in public_urls:
        if "/find/" not in url:  # find needs a query (tested above)
            assert client.get(url).status_code == 200, url
