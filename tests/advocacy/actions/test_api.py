"""The JSON endpoint for headless front ends: /api/advocacy/actions/<page id>/take/."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from advocacy.models import Participation
from tests.advocacy.actions.conftest import last_confirm_path

SUPPORTER = {"name": "Amira Haddad", "email": "amira@example.org", "postal_code": "K2P 1A1"}


def url(page) -> str:
    return f"/api/advocacy/actions/{page.pk}/take/"


def post(client, page, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(url(page), body, content_type="application/json", **extra)


def test_get_describes_the_action_without_personal_data(client, letter_action):
    data = client.get(url(letter_action)).json()
    assert data["kind"] == "letter" and data["open"] is True
    assert data["letter"]["subject"] == "Stop arms exports now"
    assert [t["name"] for t in data["targets"]] == ["Anita Anand", "David McGuinty", "Mark Carney"]
    assert "parl.example.ca" not in json.dumps(data)
    assert data["counts"]["participants"] == 0 and data["consent"] is None


def test_a_valid_post_is_accepted_and_asks_for_confirmation(
    client, letter_action, django_capture_on_commit_callbacks
):
    response = post(client, letter_action, {**SUPPORTER, "personal_message": "Line 1\nLine 2"})
    assert response.status_code == 202 and response.json()["status"] == "ok"
    assert letter_action.participant_count == 0 and len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(last_confirm_path())
    assert letter_action.participant_count == 1 and letter_action.message_count == 3
    assert Participation.objects.get().personal_message == "Line 1\nLine 2"


def test_the_same_answer_whether_or_not_the_address_is_known(
    client, letter_action, django_capture_on_commit_callbacks
):
    first = post(client, letter_action, SUPPORTER)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(last_confirm_path())
    sent = len(mail.outbox)
    again = post(client, letter_action, SUPPORTER)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert len(mail.outbox) == sent and letter_action.message_count == 3


@pytest.mark.parametrize(
    "body",
    ["{not json", "[1, 2]", '"text"', json.dumps({**SUPPORTER, "name": 5}), "[" * 100000],
)
def test_malformed_bodies_get_400(client, letter_action, body):
    response = post(client, letter_action, body)
    assert response.status_code == 400 and response.json()["status"] == "error"
    assert not Participation.objects.exists()


def test_an_oversized_body_gets_400_before_it_is_read(client, letter_action):
    response = post(client, letter_action, {**SUPPORTER, "personal_message": "x" * 30000})
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"] == ["The request is too large."]


def test_invalid_fields_are_named(client, letter_action):
    response = post(client, letter_action, {"email": "nope", "postal_code": "ZZZ", "name": ""})
    errors = response.json()["errors"]
    assert response.status_code == 400 and set(errors) == {"email", "postal_code", "name"}


def test_only_json_is_accepted(client, letter_action):
    response = client.post(url(letter_action), SUPPORTER)  # form-encoded
    assert response.status_code == 415 and not Participation.objects.exists()


def test_unknown_and_unpublished_actions_are_404(client, letter_action):
    """A 404 at once: no redirect to an /en/ address (hostsite.middleware)."""
    unknown = client.post(
        "/api/advocacy/actions/999999/take/", "{}", content_type="application/json"
    )
    assert unknown.status_code == 404
    letter_action.unpublish()
    assert post(client, letter_action, SUPPORTER).status_code == 404
    assert not Participation.objects.exists()


def test_a_closed_action_gets_400(client, petition):
    petition.accepting = False
    petition.save_revision().publish()
    response = post(client, petition, SUPPORTER)
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"] == ["This action is closed."]


def test_a_postal_area_spanning_ridings_lists_the_choices(client, mp_action, mps):
    response = post(client, mp_action, {**SUPPORTER, "postal_code": "K1S 5B6"})
    data = response.json()
    assert response.status_code == 400 and "riding" in data["errors"]
    assert data["choices"]["riding"] == ["Ottawa Centre", "Ottawa South"]
    chosen = post(
        client, mp_action, {**SUPPORTER, "postal_code": "K1S 5B6", "riding": "Ottawa South"}
    )
    assert chosen.status_code == 202
    assert list(Participation.objects.get().targets.all()) == [mps["south"]]


def test_the_rate_limit_answers_429(client, petition, settings):
    settings.ADVOCACY_FORM_RATE = "1/h"
    assert post(client, petition, SUPPORTER).status_code == 202
    response = post(client, petition, {**SUPPORTER, "email": "b@example.org"})
    assert response.status_code == 429 and "retry_after" in response.json()
