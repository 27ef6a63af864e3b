"""The admin send flow: permission, review, confirm, progress JSON, pause/resume/cancel/resend."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import PageLogEntry

from newsletter.models import Delivery, Dispatch, Suppression
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


def test_editors_without_the_send_permission_get_403(client, comms_editor, issue, supporters):
    client.force_login(comms_editor)
    assert client.get(reverse("newsletter_sending:new", args=[issue.pk])).status_code == 403
    response = client.post(
        reverse("newsletter_sending:new", args=[issue.pk]),
        {"lists": [supporters.pk], "when": "now", "confirm": "1"},
    )
    assert response.status_code == 403
    assert not Dispatch.objects.exists()
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk])).content.decode()
    assert reverse("newsletter_sending:new", args=[issue.pk]) not in edit


def test_review_shows_the_audience_after_suppression_then_confirm_sends(
    client, sender, issue, supporters, locmem
):
    add_subscribers(supporters, 6)
    Suppression.objects.create(email="reader0@example.org", reason="complaint")
    client.force_login(sender)
    url = reverse("newsletter_sending:new", args=[issue.pk])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk])).content.decode()
    assert url in edit  # the "Send to lists" button

    page = client.get(url).content.decode()
    assert "Supporters — 5 would receive it now" in page
    review = client.post(url, {"lists": [supporters.pk], "when": "now"}).content.decode()
    assert "<strong>5</strong> recipients" in review
    assert not Dispatch.objects.exists() and mail.outbox == []  # nothing before confirming

    response = client.post(url, {"lists": [supporters.pk], "when": "now", "confirm": "1"})

    dispatch = Dispatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter_sending:detail", args=[dispatch.pk])
    assert len(mail.outbox) == 5
    assert PageLogEntry.objects.filter(page=issue, action="newsletter.send").exists()
    state = client.get(reverse("newsletter_sending:progress", args=[dispatch.pk])).json()
    assert state["status"] == "sent" and state["counts"]["sent"] == 5 and state["percent"] == 100
    assert state["funnel"]["sent"] == 5
    assert "Delivery funnel" in client.get(response["Location"]).content.decode()


def test_no_list_chosen_is_a_clear_error(client, sender, issue, supporters):
    client.force_login(sender)
    response = client.post(reverse("newsletter_sending:new", args=[issue.pk]), {"when": "now"})
    assert "Choose at least one list." in response.content.decode()


def test_scheduling_needs_a_task_backend_that_can_defer(client, sender, issue, supporters):
    client.force_login(sender)
    response = client.post(
        reverse("newsletter_sending:new", args=[issue.pk]),
        {"lists": [supporters.pk], "when": "later", "scheduled_for": "2099-01-01T09:00"},
    )
    assert "cannot run tasks later" in response.content.decode()
    assert not Dispatch.objects.exists()


def test_pause_resume_cancel_and_resend_from_the_progress_page(
    client, sender, issue, supporters, locmem, settings
):
    from newsletter.sending.freeze import create_send, freeze

    add_subscribers(supporters, 4)
    settings.NEWSLETTER_BATCH_SIZES = {"django": 2}
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)
    client.force_login(sender)

    def act(action):
        return client.post(reverse("newsletter_sending:action", args=[dispatch.pk, action]))

    assert act("pause").status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == "paused"
    act("resume")  # queues a worker (immediate backend: it runs now)
    assert len(mail.outbox) == 4
    Delivery.objects.filter(dispatch=dispatch).update(status="unknown")
    dispatch.batches.update(status="unknown")
    page = client.get(reverse("newsletter_sending:detail", args=[dispatch.pk])).content.decode()
    assert re.search(r"Re-send <span data-count=\"unknown\">4</span> unknown", page)
    act("resend_unknown")
    assert len(mail.outbox) == 8
    assert act("explode").status_code == 400


def _shown_buttons(page: str) -> list[str]:
    """The actions whose forms the progress page renders without ``hidden``, in page order."""
    forms = re.findall(r"<form [^>]*data-action=\"(\w+)\"([^>]*)>", page)
    assert [name for name, _ in forms] == ["pause", "resume", "cancel", "resend_unknown"]
    return [name for name, rest in forms if "hidden" not in rest.split()]


@pytest.mark.parametrize(
    ("status", "unknown", "actions"),
    [
        ("scheduled", False, ["cancel"]),
        ("sending", False, ["pause", "cancel"]),
        ("sending", True, ["pause", "cancel", "resend_unknown"]),
        ("paused", False, ["resume", "cancel"]),
        ("paused", True, ["resume", "cancel"]),  # re-sending would resume it: resume first
        ("sent", False, []),
        ("sent", True, ["resend_unknown"]),
        ("failed", True, ["resend_unknown"]),
        ("cancelled", True, []),  # cancelled means nobody else gets it
    ],
)
def test_progress_json_lists_the_actions_valid_for_the_status_and_the_page_agrees(
    client, sender, issue, supporters, settings, status, unknown, actions
):
    from newsletter.sending.freeze import create_send, freeze

    add_subscribers(supporters, 4)
    settings.NEWSLETTER_BATCH_SIZES = {"django": 2}
    dispatch = create_send(issue, [supporters])
    if status != "scheduled":
        freeze(dispatch)  # two queued batches of two
    if unknown:
        batch = dispatch.batches.order_by("number").first()
        batch.deliveries.update(status="unknown")
        dispatch.batches.filter(pk=batch.pk).update(status="unknown")
    Dispatch.objects.filter(pk=dispatch.pk).update(status=status)
    client.force_login(sender)

    state = client.get(reverse("newsletter_sending:progress", args=[dispatch.pk])).json()

    assert state["status"] == status
    assert state["actions"] == actions
    assert state["finished"] is (status in ("sent", "failed", "cancelled"))
    assert state["unknown_batches"] == (1 if unknown else 0)
    if status == "scheduled":
        assert state["percent"] == 0  # nothing frozen yet is not "100 % done"
    page = client.get(reverse("newsletter_sending:detail", args=[dispatch.pk])).content.decode()
    assert _shown_buttons(page) == actions  # the page renders from the same list
    assert ('id="unknown-warning" hidden' in page) is not unknown
    section = re.search(r'<section id="send-progress"[^>]*>', page).group()
    assert ("data-finished" in section) is state["finished"]  # a finished page does not poll


def test_an_action_not_valid_now_is_refused(client, sender, issue, supporters, locmem):
    """A stale page (the send finished meanwhile) cannot cancel or pause; nothing is logged."""
    add_subscribers(supporters, 2)
    client.force_login(sender)
    client.post(
        reverse("newsletter_sending:new", args=[issue.pk]),
        {"lists": [supporters.pk], "when": "now", "confirm": "1"},
    )
    dispatch = Dispatch.objects.get(status="sent")
    for action in ("cancel", "pause", "resume", "resend_unknown"):
        url = reverse("newsletter_sending:action", args=[dispatch.pk, action])
        response = client.post(url, follow=True)
        assert "Not possible now: this send is sent." in response.content.decode()
    dispatch.refresh_from_db()
    assert dispatch.status == "sent" and len(mail.outbox) == 2
    assert not PageLogEntry.objects.filter(action__in=["newsletter.cancel", "newsletter.pause"])


def test_a_send_at_a_time_is_read_in_the_admin_time_zone_and_can_be_cancelled(
    client, sender, issue, supporters, settings
):
    """The datetime field is read in the user's Wagtail time zone (not the browser's, as the help
    text used to claim), and the form says which; cancelling before the time sends nothing."""
    import datetime
    from zoneinfo import ZoneInfo

    from django_tasks_db.models import DBTaskResult
    from wagtail.users.models import UserProfile

    from newsletter.sending.tasks import start_scheduled

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add_subscribers(supporters, 3)
    profile = UserProfile.get_for_user(sender)
    profile.current_time_zone = "Asia/Tokyo"  # the site's TIME_ZONE is America/Toronto
    profile.save()
    client.force_login(sender)
    url = reverse("newsletter_sending:new", args=[issue.pk])

    assert "In Asia/Tokyo time" in client.get(url).content.decode()
    form = {"lists": [supporters.pk], "when": "later", "scheduled_for": "2099-01-01T09:00"}
    review = client.post(url, form).content.decode()
    assert "(Asia/Tokyo)" in review and 'value="2099-01-01T09:00"' in review
    response = client.post(url, {**form, "confirm": "1"}, follow=True)

    dispatch = Dispatch.objects.get()
    moment = datetime.datetime(2099, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert dispatch.scheduled_for == moment and dispatch.status == "scheduled"
    assert DBTaskResult.objects.get().run_after == moment
    assert "Scheduled for 1 January 2099, 09:00 (Asia/Tokyo)." in response.content.decode()

    client.post(reverse("newsletter_sending:action", args=[dispatch.pk, "cancel"]))
    start_scheduled.call(dispatch.pk)  # the task, when its time comes
    dispatch.refresh_from_db()
    assert dispatch.status == "cancelled" and mail.outbox == []
    assert not dispatch.deliveries.exists()
