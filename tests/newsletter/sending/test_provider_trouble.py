"""Sustained provider trouble pauses the whole send, over real HTTP to the loopback Mailgun
server: refused credentials (401) at once, throttling (429) after
``NEWSLETTER_PAUSE_AFTER_THROTTLES`` calls in a row. The reason shows on the progress page and in
``newsletter_status``; resuming clears it and sends everyone, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from newsletter.models import Batch, Delivery, Dispatch
from newsletter.sending.control import set_paused, start
from newsletter.sending.freeze import create_send, freeze
from newsletter.sending.worker import run_send
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailgun(mailgun, settings):
    settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 10}
    return mailgun


@pytest.fixture
def sender(client, django_user_model, roles):
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"])
    client.force_login(user)
    return user


def status_output(send: Dispatch | None = None) -> str:
    out = StringIO()
    call_command("newsletter_status", *([str(send.pk)] if send else []), stdout=out)
    return out.getvalue()


def test_a_wrong_api_key_pauses_the_send_and_fixing_it_then_resuming_sends_everyone(
    client, sender, issue, supporters, mailgun, settings
):
    add_subscribers(supporters, 30)
    settings.ANYMAIL = mailgun.anymail_settings(MAILGUN_API_KEY="key-revoked")
    send = create_send(issue, [supporters])

    start(send)  # the immediate task backend runs the worker now

    send.refresh_from_db()
    assert send.status == "paused"
    assert "401" in send.last_error and "API key" in send.last_error
    assert [c["status"] for c in mailgun.calls] == [401]  # one refusal, not one per batch
    assert mailgun.delivery_counts() == {}
    # Nobody got it, and nobody is given up on: every delivery and batch waits in the queue.
    assert set(Delivery.objects.values_list("status", flat=True)) == {"queued"}
    assert set(Batch.objects.values_list("status", flat=True)) == {"queued"}
    detail = reverse("newsletter_sending:detail", args=[send.pk])
    page = client.get(detail).content.decode()
    assert "Paused by the provider" in page and "401" in page
    state = client.get(reverse("newsletter_sending:progress", args=[send.pk])).json()
    assert "401" in state["pause_reason"] and state["actions"] == ["resume", "cancel"]
    assert "Paused because: " in status_output(send) and "401" in status_output(send)
    assert "paused: " in status_output()

    settings.ANYMAIL = mailgun.anymail_settings()  # the operator fixes the key
    client.post(reverse("newsletter_sending:action", args=[send.pk, "resume"]))

    counts = mailgun.delivery_counts()
    assert len(counts) == 30 and set(counts.values()) == {1}
    send.refresh_from_db()
    assert send.status == "sent" and send.last_error == ""
    assert (
        client.get(reverse("newsletter_sending:progress", args=[send.pk])).json()["pause_reason"]
        == ""
    )


def test_newsletter_send_wait_says_why_it_paused_and_exits_non_zero(
    issue, supporters, mailgun, settings
):
    add_subscribers(supporters, 5)
    mailgun.fail_next(1, status=403)

    with pytest.raises(CommandError, match=r"paused with 5 still to send: .*403"):
        call_command("newsletter_send", "latest", "--list", "supporters", "--wait")

    assert not Delivery.objects.filter(status="failed").exists()


def test_repeated_throttling_pauses_the_send_instead_of_failing_batches(issue, supporters, mailgun):
    add_subscribers(supporters, 30)
    mailgun.throttle_next(100, retry_after=0)
    send = create_send(issue, [supporters])
    freeze(send)

    def sleep(seconds: float) -> None:
        send.batches.update(not_before=None)  # time passes

    run_send(send.pk, sleep=sleep)

    send.refresh_from_db()
    assert send.status == "paused"
    assert "throttled 5 calls in a row" in send.last_error and "429" in send.last_error
    assert [c["status"] for c in mailgun.calls] == [429] * 5
    assert not Delivery.objects.filter(status="failed").exists()  # nobody given up on
    assert "throttled 5 calls in a row" in status_output(send)

    mailgun.clear_faults()  # the provider's limit allows again
    assert set_paused(send, False)  # resume: queues a worker (it runs now)

    counts = mailgun.delivery_counts()
    assert len(counts) == 30 and set(counts.values()) == {1}
    send.refresh_from_db()
    assert send.status == "sent" and send.last_error == ""


def test_throttling_below_the_limit_is_only_retried(issue, supporters, mailgun, settings):
    settings.NEWSLETTER_PAUSE_AFTER_THROTTLES = 3
    add_subscribers(supporters, 30)
    send = create_send(issue, [supporters])
    freeze(send)
    mailgun.throttle_next(2, retry_after=0)

    run_send(send.pk, sleep=lambda seconds: send.batches.update(not_before=None))

    send.refresh_from_db()
    assert send.status == "sent" and send.last_error == ""
    assert [c["status"] for c in mailgun.calls].count(429) == 2
    counts = mailgun.delivery_counts()
    assert len(counts) == 30 and set(counts.values()) == {1}
