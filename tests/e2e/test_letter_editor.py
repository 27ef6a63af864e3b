"""An editor looks after an open letter's signatories in Wagtail's page editor, in Chromium:
hundreds of them in a scrolling list, one ticked off, two pasted in, published."""

from __future__ import annotations

import re

import pytest

from advocacy.models import OpenLetterPage
from tests.advocacy.conftest import make_letter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_editor_ticks_one_signatory_off_and_pastes_two_in(
    live_server, page, artifacts, newsroom, django_user_model
):
    letter = make_letter(newsroom, 300, slug="big-letter")
    django_user_model.objects.create_superuser("editor", "e@example.org", "pw-editor-1")
    page.on("pageerror", lambda error: pytest.fail(f"JavaScript error in the editor: {error}"))

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("pw-editor-1")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + f"/admin/pages/{letter.pk}/edit/")

    signatories = page.locator("#id_remove_signatories")
    assert "Signed by 300 organisations" in page.locator("main").inner_text()
    assert signatories.get_by_role("checkbox").count() == 300
    box = signatories.bounding_box()
    assert box is not None and box["height"] < 600  # a scrolling box, not 300 rows of page
    signatories.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "letter-signatories-editor.png"))

    signatories.get_by_label("2. big-letter Org 1 (City 1)", exact=True).check()
    page.get_by_label("Paste signatories").fill("New Org One\n\nnew org one\nNew Org Two\n")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()

    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    messages = page.locator(".messages").inner_text()
    assert "Removed 1 signatory." in messages
    assert "Added 2 signatories (2 new organisations, 0 existing reused)." in messages
    names = [s.organisation.name for s in OpenLetterPage.objects.get(pk=letter.pk).signatory_list()]
    assert len(names) == 301 and "big-letter Org 1" not in names
    assert names[-2:] == ["New Org One", "New Org Two"]
