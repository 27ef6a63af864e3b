"""A reader at the end of the demo's letter, statements and wins, in Chromium.

The letter's signatories: search as you type, a province filter, the first rows with "Show all",
the number of matches announced. Every article: related cards, share links, accessible (axe) at
desktop and phone widths, no sideways scrolling on a phone.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from advocacy.models import CampaignWinPage, OpenLetterPage, Organisation, StatementPage
from tests.support.axe import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
# The demo's organisations have no place; give some one, from the city in their name.
CITIES = {"Calgary": "AB", "Edmonton": "AB", "Toronto": "ON", "Ottawa": "ON", "Montreal": "QC"}
VISIBLE_ROWS = "#signatories-list > li:not([hidden])"


def load_demo() -> None:
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115


def place_some_organisations() -> dict[str, int]:
    """Set city and province on organisations named after a city; how many per province."""
    per_province: dict[str, int] = {}
    for organisation in Organisation.objects.filter(signed_letters__isnull=False).distinct():
        for city, province in CITIES.items():
            if city.lower() in organisation.name.lower():
                organisation.city, organisation.province = city, province
                organisation.save()
                per_province[province] = per_province.get(province, 0) + 1
                break
    return per_province


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def scroll_to(page, selector: str, above: int = 24) -> None:
    """Scroll so that ``selector`` sits ``above`` pixels below the top of the window."""
    page.evaluate(
        "([selector, above]) => window.scrollTo(0, document.querySelector(selector)"
        ".getBoundingClientRect().top + window.scrollY - above)",
        [selector, above],
    )


def status_text(page) -> str:
    return page.locator("#signatories-status").inner_text().strip()


def test_reader_searches_filters_and_expands_the_letters_signatories(live_server, page, artifacts):
    load_demo()
    per_province = place_some_organisations()
    assert per_province.get("AB", 0) >= 2
    letter = OpenLetterPage.objects.live().get(locale__language_code="en", accepts_signatures=False)
    total = letter.signatory_count
    names = list(letter.signatories.values_list("organisation__name", flat=True))

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + letter.url)
    # Collapsed: the first 24, the count, the button to show all.
    assert page.locator(VISIBLE_ROWS).count() == 24
    assert status_text(page) == f"Showing 24 of {total} signatories."
    toggle = page.get_by_role("button", name=f"Show all {total} signatories")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert no_sideways_scroll(page)
    assert_accessible(page, "letter, 375 px")
    page.set_viewport_size({"width": 375, "height": 1500})  # the tools, 24 rows, "Show all"
    scroll_to(page, "#signatories")
    page.screenshot(path=str(artifacts / "letter-signatories-375.png"))

    # Searching as you type, ignoring case and accents; the number of matches is announced.
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Search signatories").fill("calgary")
    expected = [name for name in names if "calgary" in name.lower()]
    expect_status = f"{len(expected)} signatories match."
    page.wait_for_function(
        "text => document.querySelector('#signatories-status').textContent.trim() === text",
        arg=expect_status,
    )
    assert page.locator(VISIBLE_ROWS).count() == len(expected)
    assert toggle.is_hidden()

    # The province filter, with the search cleared.
    page.get_by_label("Search signatories").fill("")
    page.get_by_label("Province or territory").select_option("AB")
    page.wait_for_function(
        "text => document.querySelector('#signatories-status').textContent.trim() === text",
        arg=f"{per_province['AB']} signatories match.",
    )
    assert page.locator(VISIBLE_ROWS).count() == per_province["AB"]
    assert "Alberta" in page.locator(VISIBLE_ROWS).first.inner_text()
    scroll_to(page, "#signatories")
    page.screenshot(path=str(artifacts / "letter-signatories-filtered-1280.png"))
    assert_accessible(page, "letter, filtered, 1280 px")

    page.get_by_label("Search signatories").fill("zzzz no such name")
    page.wait_for_function(
        "() => document.querySelector('#signatories-status').textContent.startsWith('No signatory')"
    )
    assert page.locator(VISIBLE_ROWS).count() == 0

    # Show all, then fewer.
    page.get_by_label("Search signatories").fill("")
    page.get_by_label("Province or territory").select_option("")
    toggle.click()
    assert page.locator(VISIBLE_ROWS).count() == total
    expanded = page.get_by_role("button", name="Show fewer signatories")
    assert expanded.get_attribute("aria-expanded") == "true"
    assert status_text(page) == f"Showing all {total} signatories."
    expanded.click()
    assert page.locator(VISIBLE_ROWS).count() == 24


def test_articles_end_with_related_pages_sharing_and_are_accessible(live_server, page, artifacts):
    load_demo()
    english = {"locale__language_code": "en"}
    statement = StatementPage.objects.live().filter(**english).order_by("-date").first()
    win = CampaignWinPage.objects.live().filter(**english).order_by("-date").first()
    letter = OpenLetterPage.objects.live().get(locale__language_code="en", accepts_signatures=False)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    for article in (statement, win, letter):
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            page.goto(live_server.url + article.url)
            related = page.get_by_role("region", name="Read next")
            assert related.locator(".card").count() == 3
            share = page.get_by_role("region", name="Share this page")
            for name in ("Email", "Bluesky", "Facebook", "LinkedIn", "X"):
                assert share.get_by_role("link", name=re.compile(rf"\b{name}$")).count() == 1
            assert no_sideways_scroll(page), (article.url, size)
            assert_accessible(page, f"{article.title} at {size['width']} px")
            if article is statement and size is DESKTOP:
                share.get_by_role("button", name="Copy link").click()
                page.wait_for_function(
                    "() => document.querySelector('[data-copy-link-status]').textContent"
                    " === 'Link copied'"
                )
                copied = page.evaluate("navigator.clipboard.readText()")
                assert copied.startswith("http") and copied.endswith(statement.url)
                page.set_viewport_size({"width": 1280, "height": 1400})
                scroll_to(page, ".topics")
                page.screenshot(path=str(artifacts / "statement-end-1280.png"))
            if article is win and size is PHONE:
                page.set_viewport_size({"width": 375, "height": 1100})
                scroll_to(page, ".share", 16)
                page.screenshot(path=str(artifacts / "win-375.png"))
