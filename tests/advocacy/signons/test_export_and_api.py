"""The CSV export of signatories with contacts, and what the public API shows."""

from __future__ import annotations

import csv
import io

from advocacy.models import SignOnRequest
from advocacy.signons import moderation
from tests.advocacy.signons.conftest import confirmed_request

QUEUE = "/admin/sign-ons/"


def exported(client, letter) -> list[list[str]]:
    response = client.get(f"{QUEUE}export/{letter.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_export_lists_signatories_with_their_contacts(client, letter, audience_viewer, moderator):
    sign_on = confirmed_request(letter, website="https://salaam.example.org")
    moderation.approve(sign_on, moderator)
    client.force_login(audience_viewer)
    rows = exported(client, letter)
    assert ",".join(rows[0]) == (
        "organisation,city,province,website,contact_name,contact_email,contact_role,"
        "confirmed_at,approved_at"
    )
    assert [r[0] for r in rows[1:]] == ["letter Org 0", "letter Org 1", "Masjid Al Salaam"]
    last = rows[-1]
    assert last[1:7] == [
        "Ottawa",
        "ON",
        "https://salaam.example.org",
        "Amina Haddad",
        "amina@example.org",
        "Board chair",
    ]
    assert last[7] and last[8]
    assert rows[1][5] == ""  # added by an editor: no contact


def test_export_guards_against_formula_injection(client, letter, moderator):
    sign_on = confirmed_request(
        letter,
        organisation_name='=HYPERLINK("http://evil.example")',
        contact_name="+cmd",
        contact_role="@SUM(A1)",
    )
    moderation.approve(sign_on, moderator)
    client.force_login(moderator)
    last = exported(client, letter)[-1]
    assert last[0] == '\'=HYPERLINK("http://evil.example")'
    assert last[4] == "'+cmd"
    assert last[6] == "'@SUM(A1)"


def test_the_public_api_shows_no_contact_data(client, letter, moderator):
    sign_on = confirmed_request(letter)
    pending = confirmed_request(
        letter, organisation_name="Waiting Org", contact_email="wait@example.org"
    )
    url = f"/api/v2/pages/{letter.pk}/"
    before = client.get(url).json()
    assert before["signatory_count"] == 2
    assert before["accepting_signatures"] is True

    moderation.approve(sign_on, moderator)
    after = client.get(url)
    text = after.text
    assert after.json()["signatory_count"] == 3
    assert "Masjid Al Salaam" in text
    for private in ("amina@example.org", "Amina", "Board chair", "Waiting Org", "wait@"):
        assert private not in text
    assert pending.status == SignOnRequest.Status.CONFIRMED
