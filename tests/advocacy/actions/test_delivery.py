"""Delivery failures: recorded per letter, retried without sending again what went."""

from __future__ import annotations

import pytest
from django.urls import reverse

from advocacy.actions.delivery import DeliveryFailed, deliver_participation, retry_failed
from advocacy.models import Participation
from advocacy.models.actions import ActionMessage
from tests.advocacy.actions.conftest import confirm_path


def test_a_failed_letter_is_recorded_and_retried_alone(
    client, letter_action, mailgun, django_capture_on_commit_callbacks
):
    url = reverse("advocacy_supporters:take_action", args=[letter_action.pk])
    client.post(url, {"name": "Amira", "email": "amira@example.org", "postal_code": "K2P 1A1"})
    path = confirm_path(mailgun.deliveries[0]["text"])
    mailgun.fail_next(1, status=500)  # the first letter (Anita Anand) fails
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path).status_code == 200  # the supporter sees no error

    failed = ActionMessage.objects.get(status=ActionMessage.Status.FAILED)
    assert failed.recipient_name == "Anita Anand" and failed.attempts == 1
    assert "500" in failed.error or "Mailgun" in failed.error
    assert letter_action.message_count == 2
    assert mailgun.delivered_to("anand@parl.example.ca") == []
    assert len(mailgun.delivered_to("amira@example.org")) == 1  # no copy while one is missing

    participation = Participation.objects.get()
    with pytest.raises(DeliveryFailed):  # a run that fails again tells its caller
        mailgun.fail_next(1, status=503)
        deliver_participation.call(participation.pk)
    assert ActionMessage.objects.get(pk=failed.pk).attempts == 2

    assert retry_failed() == 1  # the immediate backend runs it now
    assert mailgun.delivery_counts()["anand@parl.example.ca"] == 1
    assert mailgun.delivery_counts()["mcguinty@parl.example.ca"] == 1  # not sent twice
    assert mailgun.delivery_counts()["carney@parl.example.ca"] == 1
    assert len(mailgun.delivered_to("amira@example.org")) == 2  # confirmation, then the copy
    assert letter_action.message_count == 3 and ActionMessage.objects.get(pk=failed.pk).error == ""

    assert deliver_participation.call(participation.pk) == 0  # nothing left: nothing sent
    assert mailgun.total_deliveries == 5


def test_a_letter_that_keeps_failing_stops_after_its_attempts(
    client, letter_action, mailgun, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from advocacy.actions.delivery import MAX_ATTEMPTS

    url = reverse("advocacy_supporters:take_action", args=[letter_action.pk])
    client.post(url, {"name": "Amira", "email": "amira@example.org", "postal_code": "K2P 1A1"})
    path = confirm_path(mailgun.deliveries[0]["text"])
    mailgun.fail_next(1, status=500)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    failed = ActionMessage.objects.get(status=ActionMessage.Status.FAILED)

    for _ in range(MAX_ATTEMPTS - 1):
        mailgun.fail_next(1, status=500)
        call_command("advocacy_retry_letters")
    assert ActionMessage.objects.get(pk=failed.pk).attempts == MAX_ATTEMPTS

    calls = mailgun.total_deliveries
    assert retry_failed() == 0  # no attempts left: nothing queued, nothing sent
    assert mailgun.total_deliveries == calls
    assert ActionMessage.objects.get(pk=failed.pk).status == ActionMessage.Status.FAILED
