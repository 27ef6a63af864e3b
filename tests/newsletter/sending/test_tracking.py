"""Mailgun tracking webhooks: authenticated, idempotent, forward-only, suppressing, never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from django.urls import reverse

from newsletter import dispatch as engine
from newsletter.models import Delivery, Subscription, Suppression, TrackingEvent
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db
SIGNING_KEY = "webhook-signing-key"
SECRET = "hook:s3cret"
URL = "/anymail/mailgun/tracking/"


@pytest.fixture
def sent(issue, supporters, settings):
    """A dispatch sent through Anymail's test backend (message id per recipient)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    add_subscribers(supporters, 3)
    dispatch = engine.create_dispatch(issue, [supporters])
    engine.start(dispatch)
    return {d.email: d for d in Delivery.objects.filter(dispatch=dispatch)}


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
        "message": {"headers": {"message-id": delivery.provider_message_id.strip("<>")}},
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
    funnel = engine.funnel(delivery.dispatch)
    assert funnel["delivered"] == 1 and funnel["opened"] == 1 and funnel["clicked"] == 1


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
    assert engine.audience_of(delivery.dispatch.mailing_lists.all()).count() == 2


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
