"""Dates, numbers and money as each language writes them (newsletter.formats, Babel): "$50" and
"1 December 2026" in English, "50 $" and "1 décembre 2026" in French."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Site

from advocacy.models import AdvocacySettings, CampaignWinPage, DonationAppeal
from newsletter.formats import (
    format_date,
    format_date_short,
    format_money,
    format_number,
    locale_of,
)

DEC_1 = datetime.date(2026, 12, 1)


def spaced(text: str) -> str:
    """French puts a no-break space (U+00A0) or a narrow one (U+202F) between digits and before
    "$", depending on the CLDR version: both read the same, so compare them as one."""
    return text.replace("\u202f", "\xa0")


@pytest.fixture(autouse=True)
def toronto(settings):
    settings.TIME_ZONE = "America/Toronto"
    settings.LANGUAGE_CODE = "en"


# --- the locale


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "en_CA"), ("fr", "fr_CA"), ("fr-ca", "fr_CA"), ("fr-fr", "fr_FR"), ("es", "es")],
)
def test_a_language_reads_as_spoken_in_canada_when_babel_knows_it(language, expected):
    assert str(locale_of(language)) == expected


def test_the_locale_follows_the_active_language_else_the_default():
    with translation.override("fr"):
        assert str(locale_of()) == "fr_CA"
    with translation.override(None):
        assert str(locale_of()) == "en_CA"
    assert str(locale_of("xx")) == "en_CA"  # unknown to Babel: the site's language


# --- money


@pytest.mark.parametrize(
    ("amount", "currency", "english", "french"),
    [
        (50, "CAD", "$50", "50\xa0$"),
        (1000, "CAD", "$1,000", "1\xa0000\xa0$"),
        (Decimal("1000.00"), "CAD", "$1,000", "1\xa0000\xa0$"),  # whole: no cents
        (Decimal("12.5"), "CAD", "$12.50", "12,50\xa0$"),  # cents kept
        ("25", "cad", "$25", "25\xa0$"),
        (50, "EUR", "€50", "50\xa0€"),
        # A Canadian reader needs to tell US dollars from their own.
        (50, "USD", "US$50", "50\xa0$\xa0US"),
        (50, "ABC", "50\xa0ABC", "50\xa0ABC"),  # unknown currency: the number and its code
        (13000, "", "13,000", "13\xa0000"),  # no currency: the number alone
    ],
)
def test_money_in_english_and_french(amount, currency, english, french):
    assert format_money(amount, currency, "en") == english
    assert spaced(format_money(amount, currency, "fr")) == french


@pytest.mark.parametrize("garbage", [None, "abc", "1,000", "", float("nan")])
def test_what_is_not_an_amount_comes_back_unchanged(garbage):
    assert format_money(garbage, "CAD", "fr") == str(garbage)
    assert format_number(garbage, "fr") == str(garbage)


def test_french_amounts_never_break_across_lines():
    assert " " not in format_money(1234567, "CAD", "fr")


# --- numbers


def test_numbers_in_english_and_french():
    assert format_number(13000, "en") == "13,000"
    assert spaced(format_number(13000, "fr")) == "13\xa0000"
    assert format_number(Decimal("1234.5"), "en") == "1,234.5"
    assert spaced(format_number(Decimal("1234.5"), "fr")) == "1\xa0234,5"
    assert format_number(7, "fr") == "7"


# --- dates


def test_dates_in_english_and_french():
    assert format_date(DEC_1, language="en") == "1 December 2026"
    assert format_date(DEC_1, language="fr") == "1 décembre 2026"
    assert format_date_short(DEC_1, "en") == "Dec 1, 2026"
    assert format_date_short(DEC_1, "fr") == "1 déc. 2026"
    assert format_date(DEC_1, "month", "fr") == "décembre 2026"


def test_a_datetime_shows_its_day_in_the_sites_time_zone():
    # 03:30 UTC on 2 December is still the evening of 1 December in Toronto…
    late = datetime.datetime(2026, 12, 2, 3, 30, tzinfo=datetime.UTC)
    assert format_date(late, language="en") == "1 December 2026"
    assert format_date(late, language="fr") == "1 décembre 2026"
    # …and 05:30 UTC is already 2 December there.
    early = datetime.datetime(2026, 12, 2, 5, 30, tzinfo=datetime.UTC)
    assert format_date(early, language="en") == "2 December 2026"


@pytest.mark.parametrize("nothing", [None, "", "someday", 42])
def test_no_date_shows_nothing(nothing):
    assert format_date(nothing) == ""


# --- the template filters


FILTERS = Template(
    "{% load localformat %}{{ amount|money:'CAD' }} | {{ count|number }} | {{ day|local_date }}"
    " | {{ day|local_date:'medium' }} | {{ nothing|local_date }}."
)


def test_the_filters_follow_the_active_language():
    context = {"amount": 50, "count": 13000, "day": DEC_1, "nothing": None}
    assert FILTERS.render(Context(context)) == "$50 | 13,000 | 1 December 2026 | Dec 1, 2026 | ."
    with translation.override("fr"):
        french = spaced(FILTERS.render(Context(context)))
    assert french == "50\xa0$ | 13\xa0000 | 1 décembre 2026 | 1 déc. 2026 | ."


def test_the_advocacy_money_filter_is_the_same():
    template = Template("{% load advocacy_tags %}{{ 50|money:'CAD' }}/{{ 'n/a'|money:'CAD' }}")
    assert template.render(Context()) == "$50/n/a"
    with translation.override("fr"):
        assert spaced(template.render(Context())) == "50\xa0$/n/a"


# --- what a French reader sees


@pytest.fixture
def appeal(db) -> DonationAppeal:
    return DonationAppeal.objects.create(
        name="Appeal",
        headline="Sustain our work",
        message="<p>Gifts keep us going.</p>",
        button_url="https://example.org/donate",
        suggested_amounts="25, 50, 1000",
    )


def test_a_french_reader_sees_french_amounts_and_dates_on_a_win(newsroom, appeal):
    AdvocacySettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True), defaults={"default_donation_appeal": appeal}
    )
    win = newsroom.add_child(
        instance=CampaignWinPage(
            title="Arms exports halted",
            slug="arms-win",
            date=datetime.date(2024, 3, 20),
            outcome="win",
            decision_date=datetime.date(2024, 3, 19),
        )
    )
    win.save_revision().publish()
    request = RequestFactory().get(win.url)
    request.user = AnonymousUser()
    with translation.override("fr"):
        html = spaced(win.serve(request).render().content.decode())

    assert "19 mars 2024</time>" in html  # the decision date
    assert "50\xa0$</a>" in html and "1\xa0000\xa0$</a>" in html  # the suggested gifts
    assert "$50" not in html


def test_an_email_card_dates_the_page_in_the_readers_language():
    card = {"label": "Statement", "title": "On the ceasefire", "url": "https://example.org/s/"}
    card["date"] = datetime.date(2024, 3, 5)
    with translation.override("fr"):
        text = render_to_string("newsletter/email/blocks/_card.txt", {"card": card})
    assert text.startswith("STATEMENT · 5 mars 2024")
