"""Comms editors write each kind of page through the Wagtail admin."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from advocacy.models import (
    CampaignWinPage,
    NewsroomPage,
    OpenLetterPage,
    Organisation,
    StatementPage,
)
from tests.advocacy.admin_forms import edit_form_data

pytestmark = pytest.mark.django_db

COMMON = {
    "date": "2024-03-20",
    "date_precision": "day",
    "summary": "A short summary.",
    "topics": "Palestine, UNRWA",
}


def create(client, parent, model, data: dict, action: str = "action-publish"):
    url = reverse(
        "wagtailadmin_pages:add", args=[model._meta.app_label, model._meta.model_name, parent.pk]
    )
    return client.post(url, {**data, action: action}, follow=True)


def test_comms_editor_creates_and_publishes_a_statement(client, comms_editor, newsroom):
    client.force_login(comms_editor)
    data = nested_form_data(
        {
            "title": "Statement on the ICJ order",
            "slug": "icj-order",
            **COMMON,
            "kind": "joint_statement",
            "body": streamfield(
                [
                    ("paragraph", rich_text("<p>Canada must act now.</p>")),
                    ("quote", {"quote": "Justice delayed is justice denied.", "attribution": ""}),
                ]
            ),
            "partners": inline_formset([]),
        }
    )

    response = create(client, newsroom, StatementPage, data)

    assert response.status_code == 200
    page = StatementPage.objects.get(slug="icj-order")
    assert page.live
    assert page.label == "Joint statement"
    assert sorted(page.topics.names()) == ["Palestine", "UNRWA"]
    assert [b.block_type for b in page.body] == ["paragraph", "quote"]
    assert "Canada must act now." in client.get(page.url).content.decode()


def test_comms_editor_creates_a_letter_with_demands_and_pasted_signatories(
    client, comms_editor, newsroom
):
    Organisation.objects.create(name="Al Rashid Mosque")
    client.force_login(comms_editor)
    data = nested_form_data(
        {
            "title": "Letter to the Prime Minister",
            "slug": "letter-pm",
            **COMMON,
            "addressee": "Prime Minister Mark Carney",
            "salutation": "Dear Prime Minister Carney,",
            "body": streamfield([("paragraph", rich_text("<p>We write urgently.</p>"))]),
            "demands_intro": "We call for Canada to:",
            "demands": streamfield(
                [
                    ("demand", rich_text("<p>Impose a two-way arms embargo;</p>")),
                    ("demand", rich_text("<p>Recognise the State of Palestine.</p>")),
                ]
            ),
            "after_demands": streamfield([]),
            "closing": "Respectfully,",
            "paste_signatories": "National Council of Canadian Muslims\n\nal rashid  mosque\n",
            "signatories": inline_formset([]),
        }
    )

    response = create(client, newsroom, OpenLetterPage, data)

    assert response.status_code == 200
    letter = OpenLetterPage.objects.get(slug="letter-pm")
    assert letter.live
    assert [s.organisation.name for s in letter.signatory_list()] == [
        "National Council of Canadian Muslims",
        "Al Rashid Mosque",
    ]
    assert Organisation.objects.count() == 2
    html = client.get(letter.url).content.decode()
    assert "Impose a two-way arms embargo" in html
    assert "Al Rashid Mosque" in html


def test_comms_editor_creates_a_campaign_win(client, comms_editor, newsroom):
    client.force_login(comms_editor)
    data = nested_form_data(
        {
            "title": "Minister restores UNRWA funding",
            "slug": "unrwa-restored",
            **COMMON,
            "outcome": "win",
            "decision_date": "2024-03-08",
            "decision_maker": "Minister Ahmed Hussen",
            "supporter_count": "17000",
            "supporter_action": "signatures",
            "related_page": "",
            "body": streamfield([]),
        }
    )

    create(client, newsroom, CampaignWinPage, data)

    win = CampaignWinPage.objects.get(slug="unrwa-restored")
    assert win.live
    assert win.supporter_summary == "17,000 petition signatures"
    html = client.get(win.url).content.decode()
    assert "Big new win" in html or "BIG NEW WIN" in html.upper()
    assert "17,000 petition signatures" in html


def test_editing_saves_a_draft_without_changing_the_live_page(client, comms_editor, win):
    client.force_login(comms_editor)
    url = reverse("wagtailadmin_pages:edit", args=[win.pk])
    data = edit_form_data(client, win)
    data["outcome"] = "update"
    client.post(url, data)

    win.refresh_from_db()
    assert win.outcome == "win"  # the live page is unchanged
    assert win.has_unpublished_changes
    assert win.get_latest_revision_as_object().outcome == "update"


def test_invalid_input_is_reported_on_the_field(client, comms_editor, newsroom):
    client.force_login(comms_editor)
    data = nested_form_data(
        {
            "title": "Bad win",
            "slug": "bad-win",
            **COMMON,
            "outcome": "not-an-outcome",
            "supporter_count": "-5",
            "supporter_action": "emails",
            "body": streamfield([]),
        }
    )

    response = create(client, newsroom, CampaignWinPage, data)

    assert not CampaignWinPage.objects.filter(slug="bad-win").exists()
    errors = response.context["form"].errors
    assert "outcome" in errors and "supporter_count" in errors


def test_page_type_rules(home_page, newsroom):
    assert StatementPage.can_create_at(newsroom)
    assert OpenLetterPage.can_create_at(newsroom)
    assert CampaignWinPage.can_create_at(newsroom)
    assert not StatementPage.can_create_at(home_page)
    assert NewsroomPage.can_create_at(home_page)
    assert not OpenLetterPage.can_create_at(Page.get_first_root_node())


@pytest.mark.parametrize("mode", ["win", "letter"])
def test_preview_shows_the_unsaved_content(client, superuser, newsroom, win, letter_factory, mode):
    client.force_login(superuser)
    page = win if mode == "win" else letter_factory(3)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    data = edit_form_data(client, page)
    data["title"] = "Previewed title that is not saved"
    assert client.post(url, data).json()["is_valid"]

    html = client.get(url).content.decode()
    assert "Previewed title that is not saved" in html
    page.refresh_from_db()
    assert page.title != "Previewed title that is not saved"
