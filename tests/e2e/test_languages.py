"""A reader switches the demo's open letter to French in Chromium and lands on its French
translation; the French pages say ``lang="fr"`` and axe finds no violation on them."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from wagtail.models import Locale

from advocacy.models import OpenLetterPage
from newsletter.models import NewsletterIssuePage
from tests.support.axe import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reader_switches_the_letter_to_french_and_the_french_pages_are_accessible(
    live_server, page, artifacts
):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    french = Locale.objects.get(language_code="fr")
    letter = OpenLetterPage.objects.live().get(locale__language_code="en", accepts_signatures=False)
    letter_fr = letter.get_translation(french)

    page.goto(live_server.url + letter.url)
    assert page.locator("html").get_attribute("lang") == "en"
    alternate = page.locator('link[rel="alternate"][hreflang="fr"]').get_attribute("href")
    assert alternate.endswith(letter_fr.url)
    switcher = page.get_by_role("navigation", name="Language")
    switcher.get_by_role("link", name="Français").click()
    page.wait_for_url(re.compile(re.escape(letter_fr.url) + "$"))

    assert letter_fr.url.startswith("/fr/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text().strip() == letter_fr.title
    assert page.get_by_role("link", name="Passer au contenu principal").count() == 1
    assert_accessible(page, "the French open letter")
    page.screenshot(path=str(artifacts / "fr-open-letter.png"), full_page=False)

    issue_fr = NewsletterIssuePage.objects.live().get(locale=french)
    for url in ("/fr/", issue_fr.url):
        page.goto(live_server.url + url)
        assert page.locator("html").get_attribute("lang") == "fr", url
        assert_accessible(page, url)
    page.screenshot(path=str(artifacts / "fr-issue.png"), full_page=False)

    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/"))
    assert page.locator("html").get_attribute("lang") == "en"
