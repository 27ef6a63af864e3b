"""Sending through Anymail's real Mailgun backend over HTTP to the loopback Mailgun server."""

from __future__ import annotations

import pytest

from newsletter.audience.tokens import unsubscribe_url
from newsletter.models import Delivery, Dispatch, Subscriber
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send, freeze
from newsletter.sending.worker import run_send
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


def expected_links() -> dict[str, str]:
    return {s.email: f"<{unsubscribe_url(s)}>" for s in Subscriber.objects.all()}


def test_ten_thousand_recipients_each_get_exactly_one_email_with_their_own_link(
    issue, supporters, mailgun
):
    add_subscribers(supporters, 10_000)
    dispatch = create_send(issue, [supporters])

    start(dispatch)

    counts = mailgun.delivery_counts()
    assert len(counts) == 10_000 and set(counts.values()) == {1}
    assert mailgun.accepted_calls == 10  # 1,000 recipients per call
    links = expected_links()
    for delivery in mailgun.deliveries:
        assert delivery["headers"]["List-Unsubscribe"] == links[delivery["to"]]
        assert delivery["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sample = mailgun.delivered_to("reader42@example.org")[0]
    link = links["reader42@example.org"].strip("<>")
    assert link in sample["html"] and link in sample["text"]
    assert "%recipient" not in sample["html"] and "[[" not in sample["html"]
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    message_ids = {c["message_id"].strip("<>") for c in mailgun.calls}
    assert {delivery.message_id for delivery in Delivery.objects.select_related("batch")} == (
        message_ids
    )


def test_failures_and_throttling_are_retried_until_everyone_has_it_once(
    issue, supporters, mailgun, settings
):
    settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 50}
    add_subscribers(supporters, 2_000)
    mailgun.fail_ratio(0.2, statuses=(500, 429), seed=7, retry_after=0)

    start(create_send(issue, [supporters]))

    counts = mailgun.delivery_counts()
    assert len(counts) == 2_000 and set(counts.values()) == {1}
    refused = [c for c in mailgun.calls if c["status"] in (429, 500)]
    assert refused  # the faults really happened, and were retried
    assert Delivery.objects.filter(status="sent").count() == 2_000


def test_a_throttled_call_waits_as_long_as_retry_after_says(issue, supporters, mailgun):
    add_subscribers(supporters, 5)
    mailgun.throttle_next(1, retry_after=120)
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)
    naps = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        dispatch.batches.update(not_before=None)  # time passes

    run_send(dispatch.pk, sleep=sleep)

    batch = dispatch.batches.get()
    assert batch.attempts == 2 and batch.status == "sent"
    assert naps and naps[0] == pytest.approx(5.0)  # one nap is capped; the batch waited
    assert len(mailgun.delivery_counts()) == 5


def test_a_dropped_connection_after_acceptance_is_unknown_and_never_resent_by_itself(
    issue, supporters, mailgun, settings
):
    settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 10}
    add_subscribers(supporters, 30)
    mailgun.drop_next(1)

    start(create_send(issue, [supporters]))

    counts = mailgun.delivery_counts()
    assert len(counts) == 30 and set(counts.values()) == {1}  # the provider took all 30
    statuses = dict(Delivery.objects.values_list("email", "status"))
    unknown = {email for email, status in statuses.items() if status == "unknown"}
    sent = {email for email, status in statuses.items() if status == "sent"}
    assert len(unknown) == 10 and len(sent) == 20
    assert unknown | sent == set(counts)  # nobody silently lost


def test_a_refused_connection_is_retried_once_the_provider_is_back(issue, supporters, mailgun):
    add_subscribers(supporters, 5)
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)
    mailgun.stop()

    def sleep(seconds: float) -> None:
        mailgun.start()  # the provider comes back
        dispatch.batches.update(not_before=None)

    run_send(dispatch.pk, sleep=sleep)

    assert len(mailgun.delivery_counts()) == 5
    assert Delivery.objects.filter(status="sent").count() == 5


def test_a_call_refused_for_good_fails_its_batch_without_retrying(
    issue, supporters, mailgun, settings
):
    settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 10}
    add_subscribers(supporters, 10)
    mailgun.fail_next(1, status=400)  # a definite refusal that retrying will not fix

    start(create_send(issue, [supporters]))

    assert mailgun.delivery_counts() == {}
    assert Delivery.objects.filter(status="failed").count() == 10
    batch = Delivery.objects.first().batch
    assert batch.status == "failed" and "400" in batch.last_error


def test_newsletter_send_wait_prints_progress_and_a_summary(issue, supporters, mailgun, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 100}
    add_subscribers(supporters, 450)
    out = StringIO()

    call_command("newsletter_send", "latest", "--list", "supporters", "--wait", stdout=out)

    text = out.getvalue()
    assert "sending “March: wins and letters” to 450" in text
    assert "450/450" in text and "sent 450" in text
    assert "450 sent, 0 failed, 0 unknown" in text
    assert len(mailgun.delivery_counts()) == 450


def test_newsletter_send_wait_exits_non_zero_when_something_failed(issue, supporters, mailgun):
    from django.core.management import CommandError, call_command

    add_subscribers(supporters, 5)
    mailgun.fail_next(1, status=400)
    with pytest.raises(CommandError, match="Some deliveries did not go out"):
        call_command("newsletter_send", "latest", "--list", "supporters", "--wait")


def test_newsletter_send_names_unknown_lists(issue):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No mailing list with slug: nope"):
        call_command("newsletter_send", "latest", "--list", "nope")
