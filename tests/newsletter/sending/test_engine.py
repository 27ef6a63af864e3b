"""The sending engine with Django's own backends: freeze, batches, outcomes, operator actions."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends import locmem as locmem_backend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsletter.models import Batch, Delivery, Dispatch, Subscription, Suppression
from newsletter.sending import worker
from newsletter.sending.batches import (
    LinkMaker,
    claim_batch,
    prepare_batch,
    recover_stale_batches,
    start_posting,
)
from newsletter.sending.control import cancel, resend_unknown, set_paused, start
from newsletter.sending.freeze import SendError, create_send, freeze
from newsletter.sending.outcomes import record_outcome
from newsletter.sending.progress import progress
from newsletter.sending.providers import provider_named
from newsletter.sending.worker import run_send
from tests.newsletter.sending.conftest import add_subscribers, frozen_content, post, send_one_batch

pytestmark = pytest.mark.django_db
PROVIDER = provider_named("django")  # Django's own backends: one message per recipient


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_BATCH_SIZES = {"django": 10}


def frozen(issue, supporters, people: int):
    """A send of the issue to ``people`` new supporters, frozen (batches and deliveries)."""
    add_subscribers(supporters, people)
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)
    return dispatch


def test_a_send_reaches_every_active_subscriber_once_with_their_own_link(issue, supporters, locmem):
    add_subscribers(supporters, 25)
    dispatch = create_send(issue, [supporters])

    assert start(dispatch) == 25

    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"reader{n}@example.org" for n in range(25)
    )
    links = {m.extra_headers["List-Unsubscribe"] for m in mail.outbox}
    assert len(links) == 25  # everyone their own signed link
    for message in mail.outbox:
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert link in message.body and link in message.alternatives[0][0]
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Batch.objects.filter(dispatch=dispatch).count() == 3
    assert progress(dispatch)["sent"] == 25


def test_suppressed_unsubscribed_and_pending_people_are_not_frozen(issue, supporters, locmem):
    ids = add_subscribers(supporters, 5)
    Suppression.objects.create(email="reader0@example.org", reason="hard_bounce")
    Subscription.objects.filter(subscriber_id=ids[1]).update(status="unsubscribed")
    Subscription.objects.filter(subscriber_id=ids[2]).update(status="pending")

    start(create_send(issue, [supporters]))

    assert sorted(m.to[0] for m in mail.outbox) == ["reader3@example.org", "reader4@example.org"]


def test_someone_on_two_lists_gets_one_email(issue, supporters, locmem):
    from newsletter.models import MailingList

    other = MailingList.objects.create(name="Volunteers", slug="volunteers")
    ids = add_subscribers(supporters, 3)
    add_subscribers(other, 2, prefix="volunteer")
    for pk in ids:
        Subscription.objects.create(
            subscriber_id=pk, mailing_list=other, status="active", consent_type="express",
            source="admin",
        )  # fmt: skip

    start(create_send(issue, [supporters, other]))

    assert len(mail.outbox) == 5
    assert len({m.to[0] for m in mail.outbox}) == 5


def test_the_frozen_message_does_not_change_when_the_page_is_edited(issue, supporters, locmem):
    dispatch = frozen(issue, supporters, 3)
    issue.subject = "Edited after the send started"
    issue.save_revision().publish()
    add_subscribers(supporters, 2, prefix="late")  # joined mid-send: not included

    run_send(dispatch.pk)

    assert {m.subject for m in mail.outbox} == {"March: wins and letters"}
    assert len(mail.outbox) == 3


def test_an_unsubscribe_during_the_send_is_honoured(issue, supporters, locmem):
    ids = add_subscribers(supporters, 20)
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)
    # The first batch goes out, then reader15 unsubscribes and reader16 bounces elsewhere.
    batch = claim_batch(dispatch.pk)
    send_one_batch(batch, dispatch, LinkMaker(), None)
    Subscription.objects.filter(subscriber_id=ids[15]).update(status="unsubscribed")
    Suppression.objects.create(email="reader16@example.org", reason="complaint")

    run_send(dispatch.pk)

    received = {m.to[0] for m in mail.outbox}
    assert len(received) == 18
    assert "reader15@example.org" not in received and "reader16@example.org" not in received
    assert progress(dispatch)["skipped"] == 2


def test_queries_per_batch_do_not_grow_with_batch_size(issue, supporters, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    add_subscribers(supporters, 300)

    def queries_for_one_batch(size: int) -> int:
        settings.NEWSLETTER_BATCH_SIZES = {"test": size}
        dispatch = create_send(issue, [supporters])
        freeze(dispatch)
        links, _ = LinkMaker(), frozen_content(dispatch)  # as a worker does when it starts
        with CaptureQueriesContext(connection) as queries:
            batch = claim_batch(dispatch.pk)
            send_one_batch(batch, dispatch, links, None)
        cancel(dispatch)
        # Savepoints exist only because the test runs inside a transaction.
        return sum("SAVEPOINT" not in q["sql"] for q in queries.captured_queries)

    small, large = queries_for_one_batch(10), queries_for_one_batch(300)
    assert small == large
    assert large <= 5  # claim, read recipients, mark in flight, record outcome (2)


def test_inline_merge_providers_get_one_call_per_batch(issue, supporters, settings):
    """Anymail's test backend standing in for Mailgun: merge data and headers per recipient."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    add_subscribers(supporters, 12)
    dispatch = create_send(issue, [supporters])
    dispatch.provider, dispatch.batch_size = "mailgun", 5
    dispatch.save()

    start(dispatch)

    assert len(mail.outbox) == 3  # 5 + 5 + 2 recipients, one API call each
    params = mail.outbox[0].anymail_test_params
    assert params["is_batch_send"]
    assert len(params["to"]) == 5
    first = params["to"][0].addr_spec
    assert params["merge_data"][first]["unsubscribe_url"].startswith("http")
    assert params["merge_headers"][first]["List-Unsubscribe"] == (
        f"<{params['merge_data'][first]['unsubscribe_url']}>"
    )
    assert "%recipient.unsubscribe_url%" in mail.outbox[0].body
    assert "[[" not in mail.outbox[0].body
    assert Delivery.objects.filter(dispatch=dispatch, status="sent").count() == 12


def test_pause_resume_and_cancel(issue, supporters, locmem):
    dispatch = frozen(issue, supporters, 30)
    assert set_paused(dispatch, True)

    run_send(dispatch.pk)  # a worker finds nothing to do while paused
    assert mail.outbox == []

    assert set_paused(dispatch, False)  # resuming queues a worker again
    assert len(mail.outbox) == 30

    other = create_send(issue, [supporters])
    freeze(other, include_previous_recipients=True)  # the same people again, on purpose
    assert cancel(other) == 30
    run_send(other.pk)
    assert len(mail.outbox) == 30
    other.refresh_from_db()
    assert other.status == Dispatch.Status.CANCELLED


def test_cancelling_leaves_a_batch_in_flight_to_its_outcome(issue, supporters, locmem, settings):
    """Cancel drops what is queued; the call already made still records who got it."""
    settings.NEWSLETTER_BATCH_SIZES = {"django": 10}
    dispatch = frozen(issue, supporters, 20)
    in_flight = prepare_batch(claim_batch(dispatch.pk), LinkMaker())
    assert start_posting(in_flight.batch)

    assert cancel(dispatch) == 10  # only the batch whose call had not started
    results = post(dispatch, in_flight)
    record_outcome(in_flight, PROVIDER, results)

    counts = progress(dispatch)
    assert (counts["sent"], counts["failed"], counts["remaining"]) == (10, 10, 0)
    assert len(mail.outbox) == 10


def test_a_batch_left_in_flight_by_a_dead_worker_becomes_unknown_not_resent(
    issue, supporters, locmem, settings
):
    dispatch = frozen(issue, supporters, 20)
    batch = claim_batch(dispatch.pk)
    assert start_posting(batch)  # the worker "died" during the provider call
    settings.NEWSLETTER_BATCH_LEASE_SECONDS = 0

    run_send(dispatch.pk)

    counts = progress(dispatch)
    assert counts["sent"] == 10 and counts["unknown"] == 10
    assert len(mail.outbox) == 10
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT

    assert resend_unknown(dispatch) == 10  # the operator's explicit decision
    assert len(mail.outbox) == 20
    assert progress(dispatch)["unknown"] == 0


def test_recipients_the_provider_rejects_fail_and_the_rest_are_sent(issue, supporters, locmem):
    dispatch = frozen(issue, supporters, 10)
    prepared = prepare_batch(claim_batch(dispatch.pk), LinkMaker())
    assert start_posting(prepared.batch)
    refused = sorted(prepared.recipients)[:2]
    results = {
        address: ("rejected" if address in refused else "queued", "<call-1@mg.example.org>")
        for address in prepared.recipients
    }

    outcome = record_outcome(prepared, PROVIDER, results)

    assert (outcome.sent, outcome.failed) == (8, 2)
    failed = Delivery.objects.filter(status="failed")
    assert sorted(failed.values_list("email", flat=True)) == refused
    sent = Delivery.objects.filter(status="sent").select_related("batch")
    assert {delivery.message_id for delivery in sent} == {"call-1@mg.example.org"}


def test_a_batch_claimed_but_never_posted_goes_back_to_the_queue(
    issue, supporters, locmem, settings
):
    dispatch = frozen(issue, supporters, 20)
    claim_batch(dispatch.pk)  # the worker "died" after claiming, before posting
    settings.NEWSLETTER_BATCH_LEASE_SECONDS = 0

    run_send(dispatch.pk)

    counts = progress(dispatch)
    assert (counts["sent"], counts["unknown"]) == (20, 0)  # nobody got it, so nobody is unknown
    assert len(mail.outbox) == 20


def test_a_batch_claimed_before_a_pause_is_not_posted(issue, supporters, locmem):
    dispatch = frozen(issue, supporters, 20)
    claimed = claim_batch(dispatch.pk)
    assert set_paused(dispatch, True)

    assert send_one_batch(claimed, dispatch, LinkMaker()).sent == 0
    assert len(mail.outbox) == 0
    assert Batch.objects.filter(status=Batch.Status.QUEUED).count() == 2  # back in the queue


def test_an_unpublished_issue_cannot_be_sent(archive, supporters, newsletter_settings):
    from tests.newsletter.issues.conftest import make_issue

    draft = make_issue(archive, [("intro", "<p>Draft</p>")], publish=False, slug="draft")
    with pytest.raises(SendError, match="Publish the issue"):
        create_send(draft, [supporters])


def test_freezing_takes_the_same_queries_for_ten_or_a_thousand_people(
    issue, supporters, locmem, settings
):
    from newsletter.models import MailingList

    settings.NEWSLETTER_BATCH_SIZES = {"django": 100}  # rows are copied inside the database

    def freeze_queries(mailing_list) -> int:
        dispatch = create_send(issue, [mailing_list])
        with CaptureQueriesContext(connection) as queries:
            freeze(dispatch)
        return sum("SAVEPOINT" not in q["sql"] for q in queries.captured_queries)

    add_subscribers(supporters, 10)
    big = MailingList.objects.create(name="Big", slug="big")
    add_subscribers(big, 1000, prefix="big")

    assert freeze_queries(supporters) == freeze_queries(big)
    assert Delivery.objects.filter(dispatch__mailing_lists=big).count() == 1000
    assert (
        sorted(Batch.objects.filter(dispatch__mailing_lists=big).values_list("size", flat=True))
        == [100] * 10
    )


@pytest.mark.parametrize("gap", [False, True])
def test_freezing_puts_everyone_in_order_in_their_own_batch(
    issue, supporters, locmem, monkeypatch, gap
):
    """Batch ids usually follow each other (arithmetic); when another send took ids in between,
    the freeze joins to the batch rows instead. Either way: batch n holds recipients n*10.."""
    add_subscribers(supporters, 25)
    dispatch = create_send(issue, [supporters])
    if gap:  # another dispatch's batch between ours: ids 1, 3, 4
        other = create_send(issue, [supporters])
        original = Batch.objects.bulk_create

        def interleaved(batches, *args, **kwargs):
            created = original(batches[:1], *args, **kwargs)
            original([Batch(dispatch=other, number=0)])
            return created + original(batches[1:], *args, **kwargs)

        monkeypatch.setattr(Batch.objects, "bulk_create", interleaved)
    freeze(dispatch)

    batches = list(Batch.objects.filter(dispatch=dispatch).order_by("number"))
    ids = [batch.pk for batch in batches]
    assert (ids != list(range(ids[0], ids[0] + 3))) is gap
    assert [batch.size for batch in batches] == [10, 10, 5]
    by_batch = {
        number: sorted(
            Delivery.objects.filter(batch__number=number, dispatch=dispatch).values_list(
                "subscriber_id", flat=True
            )
        )
        for number in range(3)
    }
    everyone = sorted(
        Delivery.objects.filter(dispatch=dispatch).values_list("subscriber_id", flat=True)
    )
    assert [by_batch[n] for n in range(3)] == [everyone[:10], everyone[10:20], everyone[20:]]


class ProviderError(Exception):
    """What Anymail raises for an HTTP error answer, reduced to what the engine reads."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code, self.response = status_code, None


def posted_batch(dispatch):
    """A batch claimed, read and committed in flight, as a worker has it during the call."""
    prepared = prepare_batch(claim_batch(dispatch.pk), LinkMaker())
    assert start_posting(prepared.batch)
    return prepared


def call_now(dispatch, prepared):
    return post(dispatch, prepared)


def test_the_lease_counts_from_the_call_not_the_claim(issue, supporters, locmem, settings):
    import datetime

    from django.utils import timezone

    dispatch = frozen(issue, supporters, 10)
    batch = claim_batch(dispatch.pk)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Batch.objects.filter(pk=batch.pk).update(claimed_at=an_hour_ago)  # waited for the last call
    assert start_posting(batch)
    settings.NEWSLETTER_BATCH_LEASE_SECONDS = 60

    assert recover_stale_batches(dispatch.pk)[1] == 0
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.IN_FLIGHT


def test_a_call_that_lands_after_its_lease_ran_out_still_records_who_got_it(
    issue, supporters, locmem, settings
):
    dispatch = frozen(issue, supporters, 10)
    prepared = posted_batch(dispatch)
    settings.NEWSLETTER_BATCH_LEASE_SECONDS = 0
    assert recover_stale_batches(dispatch.pk)[1] == 1
    assert progress(dispatch)["unknown"] == 10

    record_outcome(prepared, PROVIDER, call_now(dispatch, prepared))  # the slow call lands

    assert Batch.objects.get(pk=prepared.batch.pk).status == Batch.Status.SENT
    counts = progress(dispatch)
    assert (counts["sent"], counts["unknown"]) == (10, 0)


def test_a_refused_call_after_its_lease_ran_out_queues_everyone_again(
    issue, supporters, locmem, settings
):
    dispatch = frozen(issue, supporters, 10)
    prepared = posted_batch(dispatch)
    settings.NEWSLETTER_BATCH_LEASE_SECONDS = 0
    recover_stale_batches(dispatch.pk)

    assert record_outcome(prepared, PROVIDER, error=ProviderError(429)).retry

    assert Batch.objects.get(pk=prepared.batch.pk).status == Batch.Status.QUEUED
    assert progress(dispatch)["remaining"] == 10  # nobody lost as "unknown"


def test_an_outcome_from_a_worker_that_lost_its_batch_changes_nothing(
    issue, supporters, locmem, settings
):
    dispatch = frozen(issue, supporters, 10)
    prepared = posted_batch(dispatch)
    settings.NEWSLETTER_BATCH_LEASE_SECONDS = 0
    recover_stale_batches(dispatch.pk)
    Batch.objects.filter(pk=prepared.batch.pk).update(claim_token="another-worker")

    outcome = record_outcome(prepared, PROVIDER, call_now(dispatch, prepared))

    assert outcome.sent == 0
    assert progress(dispatch)["unknown"] == 10


def test_a_call_refused_after_the_send_was_cancelled_fails_instead_of_waiting_forever(
    issue, supporters, locmem
):
    dispatch = frozen(issue, supporters, 10)
    prepared = posted_batch(dispatch)
    cancel(dispatch)

    record_outcome(prepared, PROVIDER, error=ProviderError(503))

    counts = progress(dispatch)
    assert (counts["failed"], counts["remaining"]) == (10, 0)


def test_re_sending_unknown_does_not_revive_a_cancelled_send(issue, supporters, locmem, settings):
    dispatch = frozen(issue, supporters, 20)
    posted_batch(dispatch)
    settings.NEWSLETTER_BATCH_LEASE_SECONDS = 0
    recover_stale_batches(dispatch.pk)
    cancel(dispatch)

    assert resend_unknown(dispatch) == 0
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.CANCELLED
    assert len(mail.outbox) == 0


def test_a_worker_stopped_by_an_error_still_records_the_call_it_made(
    issue, supporters, locmem, monkeypatch
):
    dispatch = frozen(issue, supporters, 20)
    original, claims = claim_batch, []

    def claim_then_fail(dispatch_id):
        claims.append(dispatch_id)
        if len(claims) == 2:  # the database goes away while the first call is in the air
            raise RuntimeError("database unavailable")
        return original(dispatch_id)

    monkeypatch.setattr(worker, "claim_batch", claim_then_fail)
    with pytest.raises(RuntimeError):
        run_send(dispatch.pk)

    assert len(mail.outbox) == 10
    assert progress(dispatch)["sent"] == 10  # recorded, not left to become unknown


class StopsAtFourth(locmem_backend.EmailBackend):
    """Django's locmem backend whose fourth message of each batch meets ``error`` (class
    attribute, set by the test); the first three go."""

    error: Exception | None = None
    sent_in_batch = 0

    def open(self):
        StopsAtFourth.sent_in_batch = 0
        return super().open()

    def send_messages(self, messages):
        for message in messages:  # counted per message, however they are handed over
            StopsAtFourth.sent_in_batch += 1
            if StopsAtFourth.sent_in_batch == 4 and StopsAtFourth.error is not None:
                error, StopsAtFourth.error = StopsAtFourth.error, None  # once
                raise error
            super().send_messages([message])
        return len(messages)


@pytest.fixture
def stops_at_fourth(settings):
    settings.EMAIL_BACKEND = "tests.newsletter.sending.test_engine.StopsAtFourth"
    settings.NEWSLETTER_BATCH_SIZES = {"django": 10}
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01
    yield StopsAtFourth
    StopsAtFourth.error = None


def test_a_throttle_part_way_through_a_batch_resends_only_the_rest(
    issue, supporters, stops_at_fourth
):
    add_subscribers(supporters, 10)
    stops_at_fourth.error = ProviderError(429)
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)

    run_send(dispatch.pk)

    received = [message.to[0] for message in mail.outbox]
    assert len(received) == 10 and len(set(received)) == 10  # the first three not twice
    assert progress(dispatch)["sent"] == 10


def test_an_address_the_provider_refuses_fails_alone(issue, supporters, stops_at_fourth):
    from anymail.exceptions import AnymailRecipientsRefused

    add_subscribers(supporters, 10)
    stops_at_fourth.error = AnymailRecipientsRefused("Inactive recipient")
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)

    run_send(dispatch.pk)

    counts = progress(dispatch)
    assert (counts["sent"], counts["failed"]) == (9, 1)
    assert len(mail.outbox) == 9


def test_a_connection_lost_part_way_leaves_only_the_rest_unknown(
    issue, supporters, stops_at_fourth
):
    add_subscribers(supporters, 10)
    stops_at_fourth.error = ConnectionResetError("Connection reset by peer")
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)

    run_send(dispatch.pk)

    counts = progress(dispatch)
    assert (counts["sent"], counts["unknown"]) == (3, 7)
