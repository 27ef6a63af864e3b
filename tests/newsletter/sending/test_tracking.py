"""Mailgun tracking webhooks: authenticated, idempotent, forward-only, suppressing, never a 500."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import time
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Batch, Delivery, Subscription, Suppression, TrackingEvent
from newsletter.sending.control import start
from newsletter.sending.freeze import audience_of, create_send
from newsletter.sending.progress import funnel
from newsletter.sending.tracking import apply_event
from tests.newsletter.sending.conftest import SECRET, SIGNING_KEY, add_subscribers
from tests.support.fake_mailgun import FakeMailgun

pytestmark = pytest.mark.django_db
URL = "/anymail/mailgun/tracking/"


def payload(
    event: str, delivery: Delivery, *, event_id: str | None = None, when: float = 0, **extra
):
    token = event_id or uuid.uuid4().hex
    timestamp = str(int(when or time.time()))
    signature = hmac.new(SIGNING_KEY.encode(), (timestamp + token).encode(), hashlib.sha256)
    data = {
        "event": event,
        "timestamp": float(timestamp),
        "id": uuid.uuid4().hex,
        "recipient": delivery.email,
        "message": {"headers": {"message-id": delivery.message_id.strip("<>")}},
        **extra,
    }
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()},
        "event-data": data,
    }


def post(client, body, auth: str | None = SECRET, raw: bytes | None = None):
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(
        URL,
        raw if raw is not None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_the_url_is_mounted_under_anymail():
    assert reverse("anymail:mailgun_tracking_webhook") == URL


@pytest.mark.parametrize("auth", [None, "hook:wrong", "nonsense"])
def test_unauthenticated_posts_get_401_and_change_nothing(client, sent, auth):
    delivery = sent["reader0@example.org"]
    response = post(client, payload("delivered", delivery), auth=auth)
    assert response.status_code == 401
    assert TrackingEvent.objects.count() == 0
    delivery.refresh_from_db()
    assert delivery.delivered_at is None


def test_a_forged_signature_is_refused(client, sent):
    body = payload("complained", sent["reader0@example.org"])
    body["signature"]["signature"] = "0" * 64
    assert post(client, body).status_code == 400
    assert not Suppression.objects.exists()


def test_events_fill_the_timeline_once(client, sent):
    delivery = sent["reader0@example.org"]
    for event in ("delivered", "opened", "clicked", "opened"):
        assert post(client, payload(event, delivery)).status_code == 200
    delivery.refresh_from_db()
    assert delivery.delivered_at and delivery.opened_at and delivery.clicked_at
    first_open = delivery.opened_at
    post(client, payload("opened", delivery, when=time.time() + 3600))
    delivery.refresh_from_db()
    assert delivery.opened_at == first_open  # the first open is kept
    counts = funnel(delivery.dispatch)
    assert counts["delivered"] == 1 and counts["opened"] == 1 and counts["clicked"] == 1


def test_a_repeated_event_changes_nothing(client, sent):
    delivery = sent["reader1@example.org"]
    body = payload("delivered", delivery, event_id="same-token")
    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200
    assert TrackingEvent.objects.count() == 1


def test_a_late_delivered_never_undoes_a_bounce_and_the_bounce_suppresses(client, sent):
    delivery = sent["reader2@example.org"]
    failed = payload(
        "failed", delivery, severity="permanent", reason="bounce",
        **{"delivery-status": {"code": 550, "message": "No such user"}},
    )  # fmt: skip
    assert post(client, failed).status_code == 200
    assert post(client, payload("delivered", delivery, when=time.time() - 60)).status_code == 200

    delivery.refresh_from_db()
    assert delivery.bounced_at is not None and delivery.delivered_at is None
    assert Suppression.objects.get(email="reader2@example.org").reason == "hard_bounce"
    assert not Subscription.objects.filter(
        subscriber__email="reader2@example.org", status="active"
    ).exists()


def test_a_temporary_failure_does_not_suppress(client, sent):
    delivery = sent["reader1@example.org"]
    body = payload("failed", delivery, severity="temporary", reason="generic")
    assert post(client, body).status_code == 200
    assert not Suppression.objects.exists()


@pytest.mark.parametrize(
    ("event", "reason"), [("complained", "complaint"), ("unsubscribed", "unsubscribed_all")]
)
def test_complaints_and_provider_unsubscribes_suppress_on_every_list(client, sent, event, reason):
    delivery = sent["reader0@example.org"]
    assert post(client, payload(event, delivery)).status_code == 200
    assert Suppression.objects.get(email="reader0@example.org").reason == reason
    assert audience_of(delivery.dispatch.mailing_lists.all()).count() == 2


@pytest.mark.parametrize(
    "raw",
    [
        b"not json at all",
        b"{}",
        b'{"signature": {}}',
        json.dumps({"signature": {"timestamp": "1", "token": "t", "signature": "x"}}).encode(),
        b"[1, 2, 3]",
        b"\xff\xfe\x00",
    ],
)
def test_malformed_payloads_get_400_never_500(client, sent, raw):
    response = post(client, None, raw=raw)
    assert response.status_code == 400
    assert TrackingEvent.objects.count() == 0


def test_a_well_signed_event_with_missing_fields_is_not_a_server_error(client, sent):
    body = payload("delivered", sent["reader0@example.org"])
    body["event-data"] = {"event": "delivered"}  # no recipient, no message, no timestamp
    assert post(client, body).status_code in (200, 400)


def apply(delivery: Delivery, event_type: str, event_id: str | None = None, **extra) -> bool:
    """Apply one event for the delivery directly (what the webhook's signal handler does)."""
    return apply_event(
        provider=extra.pop("provider", "mailgun"),
        event_id=uuid.uuid4().hex if event_id is None else event_id,
        event_type=event_type,
        message_id=extra.pop("message_id", delivery.message_id),
        recipient=extra.pop("recipient", delivery.email),
        timestamp=extra.pop("timestamp", timezone.now()),
        **extra,
    )


# Statements per event, counting the SAVEPOINT and RELEASE of a transaction (BEGIN and COMMIT
# outside a test): PostgreSQL stores the event and sets the timeline in one statement; SQLite
# takes an INSERT and an UPDATE in a transaction. A suppressing event adds two statements.
# A new complaint also checks its send's complaint rate (one query: newsletter.insights).
COST = {
    "postgresql": {"new": 1, "repeat": 1, "untimed": 1, "complaint": 6, "repeat complaint": 3},
    "sqlite": {"new": 4, "repeat": 3, "untimed": 1, "complaint": 7, "repeat complaint": 3},
}


def test_each_event_costs_a_fixed_number_of_statements(sent, django_assert_num_queries):
    cost = COST[connection.vendor]
    delivery = sent["reader0@example.org"]
    for event_type in ("delivered", "opened", "clicked"):
        with django_assert_num_queries(cost["new"]):
            assert apply(delivery, event_type, event_id=f"{event_type}-1")
        with django_assert_num_queries(cost["repeat"]):
            assert not apply(delivery, event_type, event_id=f"{event_type}-1")
    with django_assert_num_queries(cost["untimed"]):  # no timeline moment: the INSERT alone
        assert apply(delivery, "deferred")
    with django_assert_num_queries(cost["complaint"]):
        assert apply(delivery, "complained", event_id="complaint-1")
    with django_assert_num_queries(cost["repeat complaint"]):
        assert not apply(delivery, "complained", event_id="complaint-1")
    delivery.refresh_from_db()
    assert delivery.delivered_at and delivery.opened_at and delivery.clicked_at
    assert delivery.complained_at and Suppression.objects.filter(email=delivery.email).exists()


def test_a_webhook_post_costs_no_more_than_its_event(client, sent, django_assert_num_queries):
    delivery = sent["reader1@example.org"]
    body = payload("delivered", delivery)
    with django_assert_num_queries(COST[connection.vendor]["new"]):
        assert post(client, body).status_code == 200
    with django_assert_num_queries(COST[connection.vendor]["repeat"]):
        assert post(client, body).status_code == 200


def test_each_event_is_linked_to_its_delivery_and_stored_once(sent):
    delivery = sent["reader0@example.org"]
    when = timezone.now() - datetime.timedelta(minutes=3)
    assert apply(delivery, "opened", event_id="ev-1", timestamp=when, raw={"ip": "192.0.2.1"})
    assert not apply(delivery, "opened", event_id="ev-1")
    assert not apply(delivery, "clicked", event_id="ev-1")  # the id decides, not the type
    assert apply(delivery, "opened", event_id="ev-1", provider="other")  # ids are per provider
    stored = TrackingEvent.objects.get(provider="mailgun", event_id="ev-1")
    assert (stored.delivery, stored.event_type, stored.recipient) == (
        delivery,
        "opened",
        delivery.email,
    )
    assert (stored.timestamp, stored.raw) == (when, {"ip": "192.0.2.1"})
    delivery.refresh_from_db()
    assert delivery.opened_at == when and delivery.clicked_at is None


def test_an_event_without_an_id_is_stored_once(sent):
    delivery = sent["reader0@example.org"]
    when = timezone.now()
    assert apply(delivery, "delivered", event_id="", timestamp=when)
    assert not apply(delivery, "delivered", event_id="", timestamp=when)
    assert TrackingEvent.objects.count() == 1


def test_message_ids_and_addresses_are_matched_normalised(sent):
    delivery = sent["reader0@example.org"]
    assert apply(
        delivery,
        "delivered",
        message_id=f" <{delivery.provider_message_id}> ",
        recipient=" Reader0@Example.ORG ",
    )
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None
    assert TrackingEvent.objects.get().delivery == delivery


def test_a_call_s_message_id_on_the_batch_finds_the_event_s_recipient(sent):
    """Mailgun's inline merge gives the whole call one id, kept on the batch: the address
    picks the delivery."""
    dispatch = sent["reader0@example.org"].dispatch
    Delivery.objects.filter(dispatch=dispatch).update(provider_message_id="")
    Batch.objects.filter(dispatch=dispatch).update(provider_message_id="call-1@mg.example.org")
    target = Delivery.objects.select_related("batch").get(email="reader1@example.org")
    assert target.message_id == "call-1@mg.example.org"
    assert apply(target, "opened")
    assert apply(target, "opened", message_id="call-2@mg.example.org")  # another call: no one
    opened = Delivery.objects.filter(opened_at__isnull=False)
    assert list(opened.values_list("email", flat=True)) == ["reader1@example.org"]
    assert [e.delivery for e in TrackingEvent.objects.order_by("pk")] == [target, None]


@pytest.fixture
def mailgun_sent(issue, supporters, settings):
    """A dispatch sent through Anymail's Mailgun backend to the loopback Mailgun server: one
    call, its message id on the batch."""
    with FakeMailgun() as server:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = {
            **server.anymail_settings(),
            "WEBHOOK_SECRET": SECRET,
            "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
        }
        add_subscribers(supporters, 3)
        start(create_send(issue, [supporters]))
        assert server.accepted_calls == 1
    deliveries = Delivery.objects.select_related("batch")
    return {d.email: d for d in deliveries}


def test_mailgun_events_are_applied_to_the_deliveries_of_the_call(
    client, mailgun_sent, django_assert_num_queries
):
    delivery = mailgun_sent["reader2@example.org"]
    assert delivery.provider_message_id == "" and delivery.batch.provider_message_id
    body = payload("delivered", delivery)
    with django_assert_num_queries(COST[connection.vendor]["new"]):
        assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200
    assert post(client, payload("opened", delivery)).status_code == 200
    applied = Delivery.objects.filter(delivered_at__isnull=False, opened_at__isnull=False)
    assert list(applied.values_list("email", flat=True)) == ["reader2@example.org"]
    assert set(TrackingEvent.objects.values_list("delivery", flat=True)) == {delivery.pk}
    assert TrackingEvent.objects.count() == 2


def test_an_event_for_an_unknown_message_is_stored_without_a_delivery(sent):
    delivery = sent["reader0@example.org"]
    assert apply(delivery, "delivered", message_id="someone-else@mg.example.org")
    assert apply(delivery, "opened", recipient="stranger@example.org")
    assert apply(delivery, "clicked", message_id=None)
    assert TrackingEvent.objects.filter(delivery__isnull=True).count() == 3
    assert not Delivery.objects.filter(delivered_at__isnull=False).exists()
    assert not Delivery.objects.filter(opened_at__isnull=False).exists()


def test_each_moment_is_set_the_first_time_only(sent):
    delivery = sent["reader2@example.org"]
    first = timezone.now() - datetime.timedelta(hours=1)
    for event_type in ("delivered", "opened", "clicked", "unsubscribed", "complained"):
        assert apply(delivery, event_type, timestamp=first)
        assert apply(delivery, event_type, timestamp=first + datetime.timedelta(minutes=5))
    delivery.refresh_from_db()
    for field in ("delivered_at", "opened_at", "clicked_at", "unsubscribed_at", "complained_at"):
        assert getattr(delivery, field) == first, field


@pytest.mark.parametrize("terminal", ["bounced", "complained", "rejected"])
def test_a_late_delivered_never_undoes_a_bounce_or_complaint(sent, terminal):
    delivery = sent["reader1@example.org"]
    assert apply(delivery, terminal)
    assert apply(delivery, "delivered")
    delivery.refresh_from_db()
    assert delivery.delivered_at is None
    assert (delivery.bounced_at or delivery.complained_at) is not None


def test_a_repeated_complaint_changes_nothing(sent):
    """A provider retry after the person subscribed again does not end the new subscription."""
    delivery = sent["reader0@example.org"]
    assert apply(delivery, "complained", event_id="complaint-1")
    Suppression.objects.all().delete()
    Subscription.objects.update(status=Subscription.Status.ACTIVE, ended_at=None, ended_how="")
    assert not apply(delivery, "complained", event_id="complaint-1")
    assert not Suppression.objects.exists()
    assert not Subscription.objects.exclude(status=Subscription.Status.ACTIVE).exists()


def test_an_existing_suppression_keeps_its_reason(sent):
    Suppression.objects.create(email="reader0@example.org", reason=Suppression.Reason.MANUAL)
    assert apply(sent["reader0@example.org"], "bounced")
    assert Suppression.objects.get().reason == Suppression.Reason.MANUAL
    assert not Subscription.objects.filter(
        subscriber__email="reader0@example.org", status__in=Subscription.OPEN
    ).exists()


def test_a_temporary_bounce_does_not_suppress(sent):
    """A soft bounce is a moment of its own: not a (hard) bounce, and it suppresses no one."""
    delivery = sent["reader0@example.org"]
    assert apply(delivery, "bounced", permanent_bounce=False)
    delivery.refresh_from_db()
    assert delivery.soft_bounced_at is not None and delivery.bounced_at is None
    assert not Suppression.objects.exists()


def test_a_provider_rejection_marks_the_delivery_but_does_not_suppress_the_address(sent):
    """Providers also reject for the sender's own reasons (an unverified domain, a limit): the
    reader did nothing, so they stay subscribed; a real hard bounce arrives as "bounced"."""
    delivery = sent["reader1@example.org"]
    assert apply(delivery, "rejected")
    delivery.refresh_from_db()
    assert delivery.bounced_at is not None
    assert not Suppression.objects.filter(email=delivery.email).exists()
    assert Subscription.objects.filter(subscriber__email=delivery.email, status="active").exists()
