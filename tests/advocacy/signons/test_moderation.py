"""The moderation queue: approve, reject, merge, bulk approve, duplicates and permissions."""

from __future__ import annotations

from django.core import mail

from advocacy.models import LetterSignatory, Organisation, SignOnRequest
from advocacy.signons.duplicates import DuplicateFinder, duplicate_key
from tests.advocacy.signons.conftest import confirmed_request

QUEUE = "/admin/sign-ons/"


def signatory_names(letter) -> list[str]:
    return list(
        LetterSignatory.objects.filter(page_id=letter.pk)
        .order_by("sort_order", "pk")
        .values_list("organisation__name", flat=True)
    )


def test_duplicate_keys_ignore_case_punctuation_articles_accents_and_doubled_letters():
    assert duplicate_key("Masjid Al Salaam") == duplicate_key("Masjid Al-Salam")
    assert duplicate_key("Council of Islamic Guidance") == duplicate_key(
        "The Council of Islamic Guidance"
    )
    assert duplicate_key("Mosquée de l'Île") == duplicate_key("MOSQUEE DE L'ILE")
    assert duplicate_key("L'Association des musulmans") == duplicate_key(
        "Association des musulmans"
    )
    assert duplicate_key("The Council") != duplicate_key("Council of Imams")
    assert duplicate_key("The") == "the"  # a name that is only an article keeps it


def test_likely_duplicates_are_flagged_in_the_queue(client, letter, moderator):
    on_letter = Organisation.objects.create(name="Council of Islamic Guidance")
    LetterSignatory.objects.create(page=letter, organisation=on_letter, sort_order=9)
    Organisation.objects.create(name="Masjid Al-Salam", city="Ottawa")
    first = confirmed_request(letter, organisation_name="Masjid Al Salaam")
    second = confirmed_request(
        letter, organisation_name="The Council of Islamic Guidance", contact_email="c@example.org"
    )
    third = confirmed_request(letter, organisation_name="masjid al-salam!", contact_email="x@x.org")

    finder = DuplicateFinder([letter.pk])
    assert [o.name for o in finder.flags(first).organisations] == ["Masjid Al-Salam"]
    assert finder.flags(first).other_requests == [third]
    assert [o.name for o in finder.flags(second).already_signed] == ["Council of Islamic Guidance"]

    client.force_login(moderator)
    html = client.get(QUEUE).text
    assert "Looks like the organisation “Masjid Al-Salam”" in html
    assert "Already on this letter as “Council of Islamic Guidance”" in html
    assert "Looks like another request" in html
    assert "amina@example.org" in html  # moderators see contacts


def test_approving_puts_the_organisation_last_and_emails_the_contact(client, letter, moderator):
    sign_on = confirmed_request(letter, website="https://salaam.example.org")
    client.force_login(moderator)
    response = client.post(f"{QUEUE}{sign_on.pk}/approve/", follow=True)
    assert response.status_code == 200
    assert "is now on" in response.text

    assert signatory_names(letter)[-1] == "Masjid Al Salaam"
    sign_on.refresh_from_db()
    assert sign_on.status == SignOnRequest.Status.APPROVED
    assert sign_on.decided_by == moderator
    [message] = mail.outbox
    assert message.to == ["amina@example.org"]
    assert "Masjid Al Salaam is now on the open letter" in message.body
    assert letter.full_url in message.body

    client.logout()
    public = client.get(letter.url).text
    assert "Masjid Al Salaam" in public
    assert "amina@example.org" not in public and "Amina" not in public

    again = client.post(f"{QUEUE}{sign_on.pk}/approve/")
    assert again.status_code in (302, 403)  # logged out: the admin's login redirect
    client.force_login(moderator)
    twice = client.post(f"{QUEUE}{sign_on.pk}/approve/", follow=True)
    assert "was already decided" in twice.text
    assert len(signatory_names(letter)) == 3


def test_a_draft_saved_before_the_approval_keeps_the_new_signatory(client, letter, moderator):
    draft = letter.get_latest_revision_as_object()
    draft.summary = "A newer summary."
    revision = draft.save_revision()
    sign_on = confirmed_request(letter)
    client.force_login(moderator)
    client.post(f"{QUEUE}{sign_on.pk}/approve/")

    revision.refresh_from_db()
    revision.publish()
    letter.refresh_from_db()
    assert letter.summary == "A newer summary."
    assert signatory_names(letter)[-1] == "Masjid Al Salaam"


def test_pending_requests_can_only_be_rejected(client, letter, moderator):
    sign_on = confirmed_request(letter, status=SignOnRequest.Status.PENDING, confirmed_at=None)
    client.force_login(moderator)
    response = client.post(f"{QUEUE}{sign_on.pk}/approve/", follow=True)
    assert "has not confirmed" in response.text
    assert SignOnRequest.objects.get().status == SignOnRequest.Status.PENDING
    client.post(f"{QUEUE}{sign_on.pk}/reject/", {"reason": "Unknown group"})
    assert SignOnRequest.objects.get().status == SignOnRequest.Status.REJECTED
    assert not mail.outbox  # never confirmed: the address is not emailed


def test_rejecting_with_a_reason_emails_it_and_changes_nothing_on_the_letter(
    client, letter, moderator
):
    sign_on = confirmed_request(letter)
    client.force_login(moderator)
    response = client.post(
        f"{QUEUE}{sign_on.pk}/reject/", {"reason": "We could not verify the organisation."}
    )
    assert response.status_code == 302
    sign_on.refresh_from_db()
    assert sign_on.status == SignOnRequest.Status.REJECTED
    assert sign_on.rejection_reason == "We could not verify the organisation."
    [message] = mail.outbox
    assert "We could not verify the organisation." in message.body
    assert len(signatory_names(letter)) == 2
    assert "Masjid Al Salaam" not in client.get(letter.url).text


def test_merging_signs_as_the_existing_organisation(client, letter, moderator):
    existing = Organisation.objects.create(name="Masjid Al-Salam", city="Ottawa")
    sign_on = confirmed_request(letter)
    client.force_login(moderator)
    detail = client.get(f"{QUEUE}{sign_on.pk}/").text
    assert "Likely the same" in detail
    assert f'<option value="{existing.pk}">Masjid Al-Salam (Ottawa)</option>' in detail

    count = Organisation.objects.count()
    client.post(f"{QUEUE}{sign_on.pk}/merge/", {"organisation": existing.pk})
    assert Organisation.objects.count() == count
    assert signatory_names(letter)[-1] == "Masjid Al-Salam"
    sign_on.refresh_from_db()
    assert sign_on.organisation == existing
    assert "Masjid Al-Salam is now on" in mail.outbox[0].body


def test_bulk_approve_adds_the_confirmed_ones_in_order(client, letter, moderator):
    a = confirmed_request(letter, organisation_name="First Org", contact_email="a@example.org")
    b = confirmed_request(letter, organisation_name="Second Org", contact_email="b@example.org")
    pending = confirmed_request(
        letter,
        organisation_name="Pending Org",
        status=SignOnRequest.Status.PENDING,
        confirmed_at=None,
    )
    client.force_login(moderator)
    response = client.post(
        f"{QUEUE}bulk-approve/", {"ids": [b.pk, a.pk, pending.pk, "x"]}, follow=True
    )
    assert "Approved 2 requests" in response.text
    assert "1 request was skipped" in response.text
    assert signatory_names(letter)[-2:] == ["First Org", "Second Org"]
    assert len(mail.outbox) == 2


def test_audience_managers_see_the_queue_read_only(client, letter, audience_viewer):
    sign_on = confirmed_request(letter)
    client.force_login(audience_viewer)
    html = client.get(QUEUE).text
    assert "amina@example.org" in html
    assert "Approve the selected requests" not in html
    assert "Approve: add to the letter" not in client.get(f"{QUEUE}{sign_on.pk}/").text
    assert client.post(f"{QUEUE}{sign_on.pk}/approve/").status_code == 403
    assert client.post(f"{QUEUE}bulk-approve/", {"ids": [sign_on.pk]}).status_code == 403
    assert SignOnRequest.objects.get().status == SignOnRequest.Status.CONFIRMED


def test_page_editors_without_the_permissions_get_403(client, letter, comms_editor):
    sign_on = confirmed_request(letter)
    client.force_login(comms_editor)
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}{sign_on.pk}/").status_code == 403
    assert client.get(f"{QUEUE}export/{letter.pk}/").status_code == 403
    assert client.post(f"{QUEUE}{sign_on.pk}/reject/").status_code == 403
    assert "Sign-ons" not in client.get("/admin/").text


def test_the_menu_counts_waiting_requests(client, letter, moderator):
    confirmed_request(letter)
    confirmed_request(letter, contact_email="b@example.org")
    client.force_login(moderator)
    assert "Sign-ons (2)" in client.get("/admin/").text


def test_actions_need_post(client, letter, moderator):
    sign_on = confirmed_request(letter)
    client.force_login(moderator)
    assert client.get(f"{QUEUE}{sign_on.pk}/approve/").status_code == 405
    assert SignOnRequest.objects.get().status == SignOnRequest.Status.CONFIRMED


def test_the_queue_costs_the_same_queries_for_3_or_30_requests(client, letter, moderator):
    """Hundreds of organisations sign a letter: the queue reads its rows and the duplicate
    keys in a fixed number of queries, not one or more per request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            confirmed_request(
                letter, organisation_name=f"Organisation {n}", contact_email=f"c{n}@example.org"
            )

    client.force_login(moderator)
    add(0, 3)
    queries()  # the first request fills per-process caches
    few = queries()
    add(3, 27)
    assert queries() == few
