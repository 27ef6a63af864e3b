"""Typing into an open letter's paste box creates no organisations; saving does.

Wagtail's live preview panel posts the edit form to the preview URL while the editor types
and then renders it with ``form.save(commit=False)``; Wagtail 8's autosave posts it to the
edit view as JSON. Only saving a draft or publishing may create organisations
(advocacy.forms.allow_creating_organisations); autosave pauses while signatories are pasted
or ticked (advocacy.wagtail_hooks.pause_autosave_or_allow_creating_organisations).
"""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from advocacy.models import LetterSignatory, OpenLetterPage, Organisation
from tests.advocacy.admin_forms import edit_form_data

pytestmark = pytest.mark.django_db

PASTE = "Abbotsford Islamic Center\nal rashid mosque\n"


def as_post(data) -> dict:
    """A QueryDict as the test client should post it (every value of each key)."""
    return {key: data.getlist(key) for key in data}


def preview(client, url: str, data) -> str:
    """Post the form to the preview panel, then load the preview as its iframe does."""
    response = client.post(url, as_post(data))
    assert response.json() == {"is_valid": True, "is_available": True}
    response = client.get(url, {"in_preview_panel": "true"})
    assert response.status_code == 200
    return response.content.decode()


def counts() -> tuple[int, int]:
    return Organisation.objects.count(), LetterSignatory.objects.count()


def test_previewing_a_paste_creates_nothing_and_publishing_creates_it_once(
    client, superuser, letter_factory
):
    letter = letter_factory(3, slug="pv")
    Organisation.objects.create(name="Al Rashid Mosque", city="Edmonton")
    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[letter.pk])
    data = edit_form_data(client, letter)
    data.setlist("remove_signatories", [str(letter.signatory_list()[1].organisation_id)])
    before = counts()

    # The panel refreshes as the editor types: half-typed names must not become organisations.
    for typed in ["Abbots", "Abbotsford Islamic Center\nal rashid", PASTE]:
        data["paste_signatories"] = typed
        html = preview(client, url, data)
        assert counts() == before

    # The preview shows the letter as it would be saved: ticked one gone, pasted ones at the end.
    assert "Signed by <strong>4</strong> organisations" in html
    order = ["pv Org 0", "pv Org 2", "Abbotsford Islamic Center", "Al Rashid Mosque", "Edmonton"]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert "pv Org 1" not in html
    assert "Abbots<" not in html

    data["action-publish"] = "action-publish"
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[letter.pk]), as_post(data), follow=True
    )

    letter = OpenLetterPage.objects.get(pk=letter.pk)
    assert [s.organisation.name for s in letter.signatory_list()] == order[:4]
    assert Organisation.objects.filter(name_key="abbotsford islamic center").count() == 1
    assert Organisation.objects.filter(name_key="al rashid mosque").count() == 1
    assert not Organisation.objects.filter(name_key="abbots").exists()
    assert counts() == (before[0] + 1, before[1] - 1 + 2)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Added 2 signatories (1 new organisation, 1 existing reused)" in m for m in messages)


def test_previewing_a_new_letter_with_a_paste_creates_nothing(client, superuser, newsroom):
    client.force_login(superuser)
    url = reverse(
        "wagtailadmin_pages:preview_on_add", args=["advocacy", "openletterpage", newsroom.pk]
    )
    data = nested_form_data(
        {
            "title": "Letter to the Premier",
            "date": "2025-03-19",
            "summary": "Organisations ask for action.",
            "body": streamfield([]),
            "demands": streamfield([]),
            "after_demands": streamfield([]),
        }
    )
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    query["paste_signatories"] = "First New Org\nSecond New Org\n"
    before = counts()

    html = preview(client, url, query)

    assert counts() == before
    assert "First New Org" in html and "Second New Org" in html
    assert "Signed by <strong>2</strong> organisations" in html


def autosave(client, url: str, data):
    """Post the form as Wagtail's autosave controller does."""
    return client.post(url, as_post(data), headers={"accept": "application/json"})


def test_autosave_pauses_while_signatories_are_pasted_or_ticked(client, superuser, letter_factory):
    letter = letter_factory(3, slug="auto")
    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:edit", args=[letter.pk])
    data = edit_form_data(client, letter)
    ticked = [str(letter.signatory_list()[1].organisation_id)]
    revisions = letter.revisions.count()
    before = counts()

    for paste, remove in [("Abbots", []), ("", ticked), ("Abbotsford Islamic Center", ticked)]:
        data["paste_signatories"] = paste
        data.setlist("remove_signatories", remove)
        response = autosave(client, url, data)
        assert response.status_code == 400
        assert response.json()["error_code"] == "validation_error"
        assert response.json()["error_message"].startswith("Autosave is paused")
    assert counts() == before
    assert letter.revisions.count() == revisions

    # With nothing pending, autosave saves a draft as usual.
    data["paste_signatories"] = ""
    data.setlist("remove_signatories", [])
    data["summary"] = "Changed while typing."
    response = autosave(client, url, data)
    assert response.json()["success"] is True
    assert letter.revisions.count() == revisions + 1

    # Save draft (a normal POST) applies the paste and the ticks.
    data["paste_signatories"] = "Abbotsford Islamic Center"
    data.setlist("remove_signatories", ticked)
    response = client.post(url, as_post(data), follow=True)

    assert "Select a valid choice" not in response.content.decode()
    draft = OpenLetterPage.objects.get(pk=letter.pk).get_latest_revision_as_object()
    assert draft.summary == "Changed while typing."
    names = [link.organisation.name for link in draft.signatories.order_by("sort_order")]
    assert names == ["auto Org 0", "auto Org 2", "Abbotsford Islamic Center"]
    assert not Organisation.objects.filter(name_key="abbots").exists()
    assert counts() == (before[0] + 1, before[1])  # the draft's signatories are in its revision


def test_autosave_of_a_new_letter_pauses_while_signatories_are_pasted(client, superuser, newsroom):
    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:add", args=["advocacy", "openletterpage", newsroom.pk])
    pages = OpenLetterPage.objects.count()

    response = client.post(
        url,
        {"title": "Letter", "slug": "letter", "paste_signatories": "Half-typ"},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error_message"].startswith("Autosave is paused")
    assert OpenLetterPage.objects.count() == pages
    assert counts() == (0, 0)
