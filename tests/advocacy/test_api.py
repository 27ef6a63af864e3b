"""The headless API (Wagtail API v2 at /api/v2/) exposes every advocacy field."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def get_json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def test_open_letter_lists_all_signatories_with_names_and_cities(client, letter_factory):
    letter = letter_factory(450)

    data = get_json(
        client,
        "/api/v2/pages/?type=advocacy.OpenLetterPage&fields=signatories,demands,addressee,"
        "signatory_count,lead_signatory",
    )

    assert data["meta"]["total_count"] == 1
    item = data["items"][0]
    assert item["id"] == letter.pk
    assert len(item["signatories"]) == 450
    assert item["signatory_count"] == 450
    assert item["signatories"][0] == {
        "name": "letter Org 0",
        "city": "City 0",
        "province": "",
        "website": "",
    }
    assert item["lead_signatory"]["name"] == "letter Org 0"
    assert item["addressee"] == "Prime Minister Mark Carney"
    assert [d["number"] for d in item["demands"]] == [1, 2]
    assert "Recognise Palestine" in item["demands"][0]["text"]


def test_open_letter_detail_has_every_field(client, letter_factory):
    letter = letter_factory(3)
    item = get_json(client, f"/api/v2/pages/{letter.pk}/")
    for field in (
        "date", "summary", "topics", "label", "addressee", "salutation", "body",
        "demands_intro", "demands", "after_demands", "closing", "lead_signatory",
        "signatory_count", "signatories",
    ):  # fmt: skip
        assert field in item, field
    assert item["label"] == "Open letter"
    assert item["meta"]["type"] == "advocacy.OpenLetterPage"


def test_campaign_win_exposes_outcome_and_supporters(client, win):
    item = get_json(client, f"/api/v2/pages/{win.pk}/")
    assert item["outcome"] == "win"
    assert item["outcome_label"] == "Big new win"
    assert item["supporter_count"] == 13000
    assert item["supporter_action"] == "emails"
    assert item["supporter_summary"] == "13,000 emails sent"
    assert item["decision_maker"] == "Foreign Affairs Minister Mélanie Joly"
    assert item["topics"] == ["Arms embargo"]


def test_filtering_wins_by_outcome(client, win, newsroom):
    from advocacy.models import CampaignWinPage

    pending = newsroom.add_child(
        instance=CampaignWinPage(title="Still waiting", slug="waiting", outcome="pending")
    )
    pending.save_revision().publish()
    data = get_json(client, "/api/v2/pages/?type=advocacy.CampaignWinPage&outcome=pending")
    assert [item["id"] for item in data["items"]] == [pending.pk]


def test_statement_body_is_structured_json(client, statement, appeal):
    statement.body = [
        ("heading", {"text": "Our demands", "level": "h2"}),
        ("demands", {"intro": "We ask:", "demands": ["<p>A ceasefire</p>", "<p>Aid</p>"]}),
        ("donation_appeal", {"appeal": appeal}),
    ]
    statement.save_revision().publish()

    item = get_json(client, f"/api/v2/pages/{statement.pk}/")

    assert item["kind"] == "statement"
    assert item["label"] == "Statement"
    types = [block["type"] for block in item["body"]]
    assert types == ["heading", "demands", "donation_appeal"]
    assert item["body"][1]["value"]["demands"] == ["<p>A ceasefire</p>", "<p>Aid</p>"]
    assert item["body"][2]["value"]["suggested_amounts"] == [25, 50, 100]
    assert item["body"][2]["value"]["eligibility_note"] == "Zakat eligible"


def test_images_and_documents_endpoints_exist(client):
    assert get_json(client, "/api/v2/images/")["meta"]["total_count"] == 0
    assert get_json(client, "/api/v2/documents/")["meta"]["total_count"] == 0
