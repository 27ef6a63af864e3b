"""The admin send flow: permission, review, confirm, progress JSON, pause/resume/cancel/resend."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from wagtail.models import PageLogEntry

from newsletter.models import Delivery, Dispatch, Suppression
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def sender(django_user_model):
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(Group.objects.get(name="Newsletter senders"))
    user.groups.add(Group.objects.get(name="Comms editors"))
    return user


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_editors_without_the_send_permission_get_403(client, comms_editor, issue, supporters):
    client.force_login(comms_editor)
    assert client.get(reverse("newsletter_send", args=[issue.pk])).status_code == 403
    response = client.post(
        reverse("newsletter_send", args=[issue.pk]),
        {"lists": [supporters.pk], "when": "now", "confirm": "1"},
    )
    assert response.status_code == 403
    assert not Dispatch.objects.exists()
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk])).content.decode()
    assert reverse("newsletter_send", args=[issue.pk]) not in edit


def test_review_shows_the_audience_after_suppression_then_confirm_sends(
    client, sender, issue, supporters, locmem
):
    add_subscribers(supporters, 6)
    Suppression.objects.create(email="reader0@example.org", reason="complaint")
    client.force_login(sender)
    url = reverse("newsletter_send", args=[issue.pk])
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
    assert response["Location"] == reverse("newsletter_dispatch", args=[dispatch.pk])
    assert len(mail.outbox) == 5
    assert PageLogEntry.objects.filter(page=issue, action="newsletter.send").exists()
    state = client.get(reverse("newsletter_dispatch_progress", args=[dispatch.pk])).json()
    assert state["status"] == "sent" and state["counts"]["sent"] == 5 and state["percent"] == 100
    assert state["funnel"]["sent"] == 5
    assert "Delivery funnel" in client.get(response["Location"]).content.decode()


def test_no_list_chosen_is_a_clear_error(client, sender, issue, supporters):
    client.force_login(sender)
    response = client.post(reverse("newsletter_send", args=[issue.pk]), {"when": "now"})
    assert "Choose at least one list." in response.content.decode()


def test_scheduling_needs_a_task_backend_that_can_defer(client, sender, issue, supporters):
    client.force_login(sender)
    response = client.post(
        reverse("newsletter_send", args=[issue.pk]),
        {"lists": [supporters.pk], "when": "later", "scheduled_for": "2099-01-01T09:00"},
    )
    assert "cannot run tasks later" in response.content.decode()
    assert not Dispatch.objects.exists()


def test_pause_resume_cancel_and_resend_from_the_progress_page(
    client, sender, issue, supporters, locmem, settings
):
    from newsletter import dispatch as engine

    add_subscribers(supporters, 4)
    settings.NEWSLETTER_BATCH_SIZES = {"django": 2}
    dispatch = engine.create_dispatch(issue, [supporters])
    engine.freeze(dispatch)
    client.force_login(sender)

    def act(action):
        return client.post(reverse("newsletter_dispatch_action", args=[dispatch.pk, action]))

    assert act("pause").status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == "paused"
    act("resume")  # queues a worker (immediate backend: it runs now)
    assert len(mail.outbox) == 4
    Delivery.objects.filter(dispatch=dispatch).update(status="unknown")
    dispatch.batches.update(status="unknown")
    page = client.get(reverse("newsletter_dispatch", args=[dispatch.pk])).content.decode()
    assert "Re-send 4 unknown" in page
    act("resend_unknown")
    assert len(mail.outbox) == 8
    assert act("explode").status_code == 400
