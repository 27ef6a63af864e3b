"""Dates shown with the precision they are known to: day, month, year, or undated."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation

from advocacy.dates import DatePrecision, format_page_date, machine_page_date
from advocacy.models import StatementPage, TimelinePage
from newsletter.teasers import get_teaser

pytestmark = pytest.mark.django_db

MARCH_1 = datetime.date(2024, 3, 1)


@pytest.mark.parametrize(
    ("precision", "english", "french", "machine"),
    [
        (DatePrecision.DAY, "1 March 2024", "1 mars 2024", "2024-03-01"),
        (DatePrecision.MONTH, "March 2024", "mars 2024", "2024-03"),
        (DatePrecision.YEAR, "2024", "2024", "2024"),
        (DatePrecision.UNDATED, "", "", ""),
    ],
)
def test_dates_are_shown_as_precisely_as_they_are_known(precision, english, french, machine):
    with translation.override("en"):
        assert format_page_date(MARCH_1, precision) == english
    with translation.override("fr"):
        assert format_page_date(MARCH_1, precision) == french
    assert machine_page_date(MARCH_1, precision) == machine


def add_statement(newsroom, slug: str, date: datetime.date, precision: str) -> StatementPage:
    page = newsroom.add_child(
        instance=StatementPage(
            title=f"Statement {slug}", slug=slug, date=date, date_precision=precision
        )
    )
    page.save_revision().publish()
    return page


def header(html: str) -> str:
    """The page's own header (label, date, title), without the cards of other pages."""
    return re.search(r'<header class="article__header">.*?</header>', html, re.S).group(0)


def times(html: str) -> list[tuple[str, str]]:
    """Every ``<time datetime="…">text</time>`` in the page."""
    return re.findall(r'<time datetime="([^"]*)">([^<]*)</time>', html)


def test_page_header_and_newsroom_cards_show_the_known_precision(client, newsroom):
    month = add_statement(newsroom, "month", MARCH_1, DatePrecision.MONTH)
    add_statement(newsroom, "year", datetime.date(2021, 1, 1), DatePrecision.YEAR)
    undated = add_statement(newsroom, "undated", datetime.date(2022, 5, 5), DatePrecision.UNDATED)

    assert month.date_display == "March 2024"
    assert times(header(client.get(month.url).content.decode())) == [("2024-03", "March 2024")]
    undated_header = header(client.get(undated.url).content.decode())
    assert "Statement undated" in undated_header and times(undated_header) == []
    assert "2022" not in undated_header

    cards = times(client.get(newsroom.url).content.decode())
    assert cards == [("2024-03", "March 2024"), ("2021", "2021")]


def test_year_filter_does_not_reveal_an_undated_page(client, newsroom):
    add_statement(newsroom, "undated", datetime.date(2022, 5, 5), DatePrecision.UNDATED)
    add_statement(newsroom, "dated", datetime.date(2023, 5, 5), DatePrecision.DAY)

    html = client.get(newsroom.url).content.decode()
    assert 'value="2023"' in html and 'value="2022"' not in html
    assert "Statement undated" not in client.get(newsroom.url + "?year=2022").content.decode()


def test_timeline_groups_by_month_year_or_undated(client, newsroom):
    timeline = newsroom.add_child(instance=TimelinePage(title="Timeline", slug="timeline"))
    timeline.save_revision().publish()
    add_statement(newsroom, "old", datetime.date(2020, 1, 1), DatePrecision.YEAR)
    add_statement(newsroom, "lost", datetime.date(2023, 6, 1), DatePrecision.UNDATED)
    add_statement(newsroom, "day", datetime.date(2024, 3, 5), DatePrecision.DAY)
    add_statement(newsroom, "month", datetime.date(2024, 3, 1), DatePrecision.MONTH)

    html = client.get(timeline.url).content.decode()

    headings = re.findall(r'class="timeline__heading">([^<]*)', html)
    assert headings == ["2020", "Undated", "March 2024"]
    # Screen readers can tell one "Undated" heading from another.
    assert 'Undated<span class="visually-hidden">, after 2020</span>' in html
    assert times(html) == [
        ("2020", "2020"),
        ("2024-03", "March 2024"),
        ("2024-03-05", "5 March 2024"),
    ]
    assert html.index("Statement lost") < html.index("Statement month")


def test_teaser_carries_the_date_as_the_page_shows_it(newsroom):
    month = add_statement(newsroom, "month", MARCH_1, DatePrecision.MONTH)
    undated = add_statement(newsroom, "undated", MARCH_1, DatePrecision.UNDATED)

    teaser = get_teaser(month)
    assert (teaser.date, teaser.date_text) == (MARCH_1, "March 2024")
    # An undated page gives no date at all, so no card can show one.
    assert (get_teaser(undated).date, get_teaser(undated).date_text) == (None, "")


def test_api_gives_the_date_precision(client, newsroom):
    add_statement(newsroom, "month", MARCH_1, DatePrecision.MONTH)

    response = client.get(
        "/api/v2/pages/?type=advocacy.StatementPage&fields=date,date_precision,date_display"
    )

    item = response.json()["items"][0]
    assert item["date"] == "2024-03-01"
    assert item["date_precision"] == "month"
    assert item["date_display"] == "March 2024"
