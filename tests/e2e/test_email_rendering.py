"""The rendered email in Chromium at desktop (600 px) and phone (375 px) widths."""

from __future__ import annotations

import pytest

from newsletter.issues.rendering import render_issue, web_merge_values
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.mark.parametrize("width", [600, 375])
def test_email_fits_the_screen_and_is_saved_as_a_screenshot(
    browser,
    issue,  # noqa: F811 (the fixture imported above)
    artifacts,
    width,
):
    html, _ = render_issue(issue).personalise(web_merge_values())
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_content(html, wait_until="load")

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    headings = page.locator("h1").all_inner_texts()
    page.screenshot(path=str(artifacts / f"email-{width}.png"), full_page=True)
    context.close()

    assert overflow <= 0
    assert headings == ["March: wins and letters"]
