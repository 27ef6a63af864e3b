"""The demo issue as readers see it in Chromium: the email in light and dark mode at 600 and
375 px (axe, contrast included), and the web version inside the site."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from newsletter.issues.rendering import render_issue, web_merge_values
from newsletter.models import NewsletterIssuePage
from tests.support.axe import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def demo_issue() -> NewsletterIssuePage:
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return NewsletterIssuePage.objects.live().get(locale__language_code="en")


def test_the_email_is_accessible_and_fits_in_light_and_dark_mode(browser, artifacts):
    html, _ = render_issue(demo_issue()).personalise(web_merge_values())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for width in (600, 375):
            context = browser.new_context(
                viewport={"width": width, "height": 1100}, color_scheme=scheme
            )
            page = context.new_page()
            page.set_content(html, wait_until="load")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            # Dark mode repaints the cards; the appeal keeps a background of its own.
            card, appeal = page.evaluate(
                """() => [".card-bg", ".appeal"].map(
                    (s) => getComputedStyle(document.querySelector(s)).backgroundColor)"""
            )
            page.screenshot(path=str(SCREENSHOTS / f"email-{scheme}-{width}.png"), full_page=True)
            try:
                assert overflow <= 0, (scheme, width)
                assert card != appeal, (scheme, card, appeal)
                assert_accessible(page, f"the email ({scheme}, {width} px)")
            finally:
                context.close()


def test_the_web_version_is_a_page_of_the_site_without_personal_links(live_server, page):
    issue = demo_issue()
    page.goto(live_server.url + issue.url)

    main = page.locator("main")
    assert main.count() == 1
    assert page.locator("header nav a").count() >= 2  # the site's own navigation
    assert issue.subject in main.locator("h1").inner_text()
    text = page.locator("body").inner_text()
    assert "Unsubscribe" not in text and "View in your browser" not in text
    assert "Update your preferences" not in text
    subscribe = main.get_by_role("link", name="Subscribe to get the next issue by email")
    assert subscribe.get_attribute("href").endswith("/newsletter/subscribe/")
    assert_accessible(page, "the issue's web version")
    page.screenshot(path=str(SCREENSHOTS / "issue-web-version.png"))
