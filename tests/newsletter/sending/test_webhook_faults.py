"""Webhook events that cannot be stored are not acknowledged; events for messages this site never
sent are stored for the record and suppress no one."""

from __future__ import annotations

import pytest
from django.db import DataError, OperationalError, connection

from newsletter.models import Delivery, Subscription, Suppression, TrackingEvent
from tests.newsletter.sending.test_tracking import (
    payload,
    post,
)


def still_subscribed(email: str) -> bool:
    open_ones = Subscription.objects.filter(subscriber__email=email, status__in=Subscription.OPEN)
    return open_ones.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_event_the_database_cannot_store_gets_503_and_its_retry_is_stored_once(client, sent):
    """The events table is missing while the complaint arrives (a real database error): the
    provider is told to retry; the retry, once the table is back, is stored and suppresses."""
    delivery = sent["reader0@example.org"]
    complaint = payload("complained", delivery)
    table = connection.ops.quote_name(TrackingEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO newsletter_events_away")
    try:
        assert post(client, complaint).status_code == 503
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE newsletter_events_away RENAME TO {table}")
    assert not Suppression.objects.exists() and still_subscribed(delivery.email)

    assert post(client, complaint).status_code == 200  # the provider's retry
    assert post(client, complaint).status_code == 200  # and a repeat of it
    assert TrackingEvent.objects.filter(event_type="complained").count() == 1
    assert Suppression.objects.get(email=delivery.email).reason == "complaint"
    assert not still_subscribed(delivery.email)


def fail_when(words: str, error: Exception):
    """A database wrapper that raises ``error`` instead of running a statement with ``words``."""

    def wrapper(execute, sql, params, many, context):
        if words in sql:
            raise error
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.django_db
def test_a_suppression_that_fails_takes_its_event_with_it_so_the_retry_suppresses(client, sent):
    """The connection drops after the complaint is stored but before the address is suppressed:
    nothing of it is kept, so the retry is not taken for a repeat and does suppress."""
    delivery = sent["reader1@example.org"]
    complaint = payload("complained", delivery)
    suppressions = connection.ops.quote_name(Suppression._meta.db_table)
    lost = OperationalError("server closed the connection unexpectedly")
    with connection.execute_wrapper(fail_when(f"INTO {suppressions}", lost)):
        assert post(client, complaint).status_code == 503
    assert not TrackingEvent.objects.exists() and not Suppression.objects.exists()
    delivery.refresh_from_db()
    assert delivery.complained_at is None

    assert post(client, complaint).status_code == 200
    assert TrackingEvent.objects.count() == 1
    assert Suppression.objects.filter(email=delivery.email).exists()
    delivery.refresh_from_db()
    assert delivery.complained_at is not None


@pytest.mark.django_db
def test_values_the_database_refuses_get_400_not_endless_retries(client, sent):
    events = connection.ops.quote_name(TrackingEvent._meta.db_table)
    refused = DataError("invalid byte sequence for encoding UTF8: 0x00")
    with connection.execute_wrapper(fail_when(f"INTO {events}", refused)):
        response = post(client, payload("delivered", sent["reader0@example.org"]))
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("event", ["complained", "unsubscribed", "failed"])
def test_an_event_for_a_message_this_site_never_sent_suppresses_no_one(client, sent, event):
    """A provider account shared with another application: its events reach this webhook too."""
    ours = sent["reader2@example.org"]
    theirs = Delivery(email=ours.email, provider_message_id="their-42@mg.example.net")
    extra = {"severity": "permanent", "reason": "bounce"} if event == "failed" else {}
    assert post(client, payload(event, theirs, **extra)).status_code == 200

    stored = TrackingEvent.objects.get()
    assert (stored.delivery, stored.recipient) == (None, ours.email)
    assert not Suppression.objects.exists() and still_subscribed(ours.email)
    ours.refresh_from_db()
    assert not (ours.bounced_at or ours.complained_at or ours.unsubscribed_at)
