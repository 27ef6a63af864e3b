"""Live counts: on the page, in the page API, per target; a linked win's supporter count."""

from __future__ import annotations

import datetime

from django.urls import reverse

from advocacy.models import CampaignWinPage, Participation
from advocacy.models.actions import ActionMessage
from tests.advocacy.actions.conftest import last_confirm_path


def sign(client, page, n: int, capture, first: int = 0) -> None:
    """``n`` supporters (numbered from ``first``) sign ``page`` and confirm by the emailed
    link."""
    url = reverse("advocacy_supporters:take_action", args=[page.pk])
    for i in range(first, first + n):
        data = {"name": f"Supporter {i}", "email": f"s{i}@example.org", "postal_code": "K2P 1A1"}
        assert client.post(url, data).status_code == 302
        with capture(execute=True):
            client.post(last_confirm_path())


def test_petition_progress_on_the_page_and_in_the_api(
    client, petition, django_capture_on_commit_callbacks
):
    url = reverse("advocacy_supporters:take_action", args=[petition.pk])
    client.post(url, {"name": "Pending", "email": "p@example.org", "postal_code": "K2P 1A1"})
    sign(client, petition, 3, django_capture_on_commit_callbacks)
    html = client.get(petition.url).content.decode()
    assert "<strong>3</strong> signatures of 4" in html and "(75% of the goal)" in html
    assert '<progress class="action-counts__progress" max="4" value="3"' in html
    assert 'name="personal_message"' not in html  # a petition has no letter
    data = client.get(f"/api/v2/pages/{petition.pk}/").json()
    assert data["participant_count"] == 3 and data["message_count"] == 0
    assert data["progress_percent"] == 75
    assert "example.org" not in str(data)  # no supporter's address in the public API
    action = client.get(f"/api/advocacy/actions/{petition.pk}/take/").json()
    assert action["counts"]["participants"] == 3 and action["counts"]["progress_percent"] == 75


def test_letters_sent_per_target(client, mp_action, mps, django_capture_on_commit_callbacks):
    sign(client, mp_action, 2, django_capture_on_commit_callbacks)  # K2P: Ottawa Centre
    html = client.get(mp_action.url).content.decode()
    assert "<strong>2</strong> supporters wrote" in html and "2 letters sent" in html
    assert '<tr><th scope="row">Yasir Naqvi</th><td>2</td></tr>' in html
    assert mp_action.messages_by_target() == [{"name": "Yasir Naqvi", "count": 2}]
    data = client.get(f"/api/v2/pages/{mp_action.pk}/").json()
    assert (data["participant_count"], data["message_count"]) == (2, 2)
    assert data["messages_by_target"] == [{"name": "Yasir Naqvi", "count": 2}]


def test_a_linked_win_counts_the_actions_letters_unless_a_count_is_typed(
    client, newsroom, letter_action, django_capture_on_commit_callbacks
):
    sign(client, letter_action, 2, django_capture_on_commit_callbacks)
    win = newsroom.add_child(
        instance=CampaignWinPage(
            title="Exports halted",
            slug="exports-halted",
            date=datetime.date(2025, 6, 1),
            outcome="win",
            action=letter_action,
        )
    )
    win.save_revision().publish()
    html = client.get(win.url).content.decode()
    assert "6 emails sent" in html  # 2 supporters x 3 ministers
    assert "Take part:" in html and letter_action.url in html
    win.supporter_count = 13000
    win.supporter_action = "emails"
    win.save_revision().publish()
    assert "13,000 emails sent" in client.get(win.url).content.decode()


def test_unconfirmed_and_failed_letters_do_not_count(letter_action, ministers):
    pending = Participation.objects.create(page=letter_action, email="a@example.org", name="A")
    confirmed = Participation.objects.create(
        page=letter_action, email="b@example.org", name="B", status="confirmed"
    )
    for participation, status in [(pending, "sent"), (confirmed, "failed")]:
        ActionMessage.objects.create(
            participation=participation,
            recipient_name=ministers[0].name,
            recipient_email=ministers[0].email,
            status=status,
        )
    assert letter_action.participant_count == 1
    assert letter_action.message_count == 1  # (only a sent message counts)


def test_newsroom_cards_show_the_action(client, newsroom, petition):
    html = client.get(newsroom.url).content.decode()
    assert "Petition for peace" in html and "Petition" in html


def test_the_page_costs_the_same_queries_however_many_took_part(
    client, letter_action, django_capture_on_commit_callbacks
):
    """The counts are aggregates: the page does not read participants or letters one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(letter_action.url).status_code == 200
        return len(captured)

    sign(client, letter_action, 1, django_capture_on_commit_callbacks)
    queries()  # the first request fills per-process caches (the site, the locales)
    few = queries()
    sign(client, letter_action, 3, django_capture_on_commit_callbacks, first=1)
    assert letter_action.participant_count == 4 and letter_action.message_count == 12
    assert queries() == few
