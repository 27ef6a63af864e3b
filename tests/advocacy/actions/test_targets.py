"""Who a letter goes to: postal codes, postal areas spanning ridings, fixed targets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from advocacy.actions.targets import find_targets, normalise_postal_code
from advocacy.models import Participation, Representative


@pytest.mark.parametrize(
    ("raw", "clean"), [("k2p1a1", "K2P 1A1"), (" K2P-1A1 ", "K2P 1A1"), ("h3z 2y7", "H3Z 2Y7")]
)
def test_postal_codes_are_normalised(raw, clean):
    assert normalise_postal_code(raw) == clean


@pytest.mark.parametrize("raw", ["", "12345", "K2P 1A", "D2P 1A1", "W1A 1AA", "K2P 1A1 X"])
def test_what_is_not_a_canadian_postal_code_is_refused(raw):
    with pytest.raises(ValidationError):
        normalise_postal_code(raw)


def test_a_postal_area_in_one_riding_finds_its_mp(mp_action, mps):
    assert find_targets(mp_action, "K2P 1A1").targets == [mps["centre"]]


def test_a_postal_area_spanning_ridings_asks_the_supporter(mp_action, mps):
    found = find_targets(mp_action, "K1S 5B6")
    assert found.targets == [] and found.riding_choices == ["Ottawa Centre", "Ottawa South"]
    assert find_targets(mp_action, "K1S 5B6", "ottawa  south").targets == [mps["south"]]


def test_an_unknown_postal_area_is_a_clear_error(mp_action, mps):
    found = find_targets(mp_action, "A1A 1A1")
    assert found.targets == [] and "could not find the riding" in found.error


def test_a_riding_without_a_representative_is_a_clear_error(mp_action, mps):
    Representative.objects.filter(pk=mps["centre"].pk).delete()
    assert "no representative on file for Ottawa Centre" in find_targets(mp_action, "K2P 1A1").error


def test_fixed_targets_need_no_lookup(letter_action, ministers):
    assert find_targets(letter_action, "A1A 1A1").targets == ministers


def test_the_html_form_asks_for_the_riding_then_takes_it(client, mp_action, mps):
    url = reverse("advocacy_supporters:take_action", args=[mp_action.pk])
    data = {"name": "Sam Lee", "email": "sam@example.org", "postal_code": "K1S 5B6"}
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and '<select name="riding"' in html
    assert '<option value="Ottawa South">' in html
    assert client.post(url, {**data, "riding": "Ottawa Centre"}).status_code == 302
    assert list(Participation.objects.get().targets.all()) == [mps["centre"]]


def test_an_editable_letter_takes_the_supporters_words(
    client, mp_action, mailgun, django_capture_on_commit_callbacks
):
    from tests.advocacy.actions.conftest import confirm_path

    url = reverse("advocacy_supporters:take_action", args=[mp_action.pk])
    assert b'name="body"' in client.get(mp_action.url).content
    client.post(
        url,
        {
            "name": "Sam Lee",
            "email": "sam@example.org",
            "postal_code": "K2P 1A1",
            "subject": "My own subject",
            "body": "Dear Mr Naqvi,\r\n\r\nMy own words.",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_path(mailgun.deliveries[0]["text"]))
    (letter,) = mailgun.delivered_to("naqvi@parl.example.ca")
    assert letter["subject"] == "My own subject"
    assert letter["text"].startswith("Dear Mr Naqvi,\n\nMy own words.\n\nSincerely,\nSam Lee")
