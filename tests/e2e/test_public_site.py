"""A reader opens the demo site in Chromium, follows the open letter and sees its signatories."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from advocacy.models import OpenLetterPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reader_follows_the_open_letter_from_the_home_page(live_server, page, artifacts):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    letter = OpenLetterPage.objects.live().get(locale__language_code="en", accepts_signatures=False)
    expected = letter.signatory_count
    assert expected >= 440

    page.goto(live_server.url + "/")
    assert page.locator("h1").count() == 1
    page.screenshot(path=str(artifacts / "public-home.png"), full_page=True)

    page.get_by_role("link", name=re.compile(re.escape(letter.title))).first.click()
    page.wait_for_url(re.compile(re.escape(letter.url)))

    assert page.locator("h1").inner_text().strip() == letter.title
    assert f"{expected}" in page.locator("main").inner_text()
    names = page.locator("#signatories-list").text_content()
    assert "National Council of Canadian Muslims" in names
    assert "Zainabiya Islamic Centre" in names
    page.screenshot(path=str(artifacts / "public-open-letter.png"), full_page=False)

    # Keyboard users can reach the content: the first Tab lands on the skip link.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"


def test_phone_sized_screen_has_no_horizontal_scroll(live_server, page, artifacts):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    letter = OpenLetterPage.objects.live().get(locale__language_code="en", accepts_signatures=False)
    page.set_viewport_size({"width": 375, "height": 800})
    for url in ("/", letter.url):
        page.goto(live_server.url + url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, url
    page.screenshot(path=str(artifacts / "public-open-letter-375.png"))
