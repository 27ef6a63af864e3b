"""Delivery tracking: the provider's webhook events, applied to Delivery rows idempotently.

Anymail verifies the webhook (basic auth with ``ANYMAIL_WEBHOOK_SECRET``, plus the provider's
signature where it has one, e.g. ``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``) and sends its
``tracking`` signal; :func:`record_event` receives it.

Rules: each provider event is stored once (a repeat changes nothing); each moment of the
timeline (delivered, first opened, first clicked, bounced, soft bounced, complained,
unsubscribed) is set once, the first time; states only move forward (a "delivered" arriving
after a bounce does not undo the bounce). Hard bounces, complaints and provider unsubscribes
suppress the address on every list; soft bounces (:mod:`newsletter.sending.bounces` tells them
apart) only once ``NEWSLETTER_SOFT_BOUNCE_LIMIT`` of them come in a row. Only an event for a
message this site sent suppresses anyone: one for another message id (a provider account
shared with another application) is stored for the record and changes nothing else. Each
event costs a fixed, small number of queries.

An event that cannot be stored is not acknowledged: a database error reaches the webhook view,
which answers 503 so that the provider posts the event again (see ``newsletter.webhook_urls``);
the event and the suppression it causes are written in one transaction, so a retry finds
neither half-done.
"""

from __future__ import annotations

import datetime
from contextlib import nullcontext

from anymail.signals import EventType
from django.db import connections, router, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext

from newsletter import conf
from newsletter.models import Subscription, Suppression, normalise_email
from newsletter.models.dispatch import Batch, Delivery, TrackingEvent
from newsletter.sending.bounces import SOFT, bounce_kind
from newsletter.sending.providers import normalise_message_id

# Event type -> the Delivery timestamp it sets.
TIMELINE_FIELDS = {
    EventType.DELIVERED: "delivered_at",
    EventType.OPENED: "opened_at",
    EventType.CLICKED: "clicked_at",
    EventType.BOUNCED: "bounced_at",
    EventType.COMPLAINED: "complained_at",
    EventType.UNSUBSCRIBED: "unsubscribed_at",
}
SOFT_BOUNCE_FIELD = "soft_bounced_at"
# A "rejected" or "failed" event means the provider did not deliver: recorded as a bounce on
# the delivery, but it does not suppress the address: providers also reject for reasons of the
# sender's own (a domain not verified, a sending limit), and a real hard bounce comes as
# "bounced".
BOUNCE_LIKE = {EventType.REJECTED, EventType.FAILED}
SUPPRESS = {
    EventType.BOUNCED: Suppression.Reason.HARD_BOUNCE,
    EventType.COMPLAINED: Suppression.Reason.COMPLAINT,
    EventType.UNSUBSCRIBED: Suppression.Reason.UNSUBSCRIBED_ALL,
}
# Once one of these is set, "delivered" no longer changes anything.
TERMINAL = ("bounced_at", "complained_at")


def _event_time(event) -> datetime.datetime:
    stamp = getattr(event, "timestamp", None)
    if isinstance(stamp, datetime.datetime):
        return stamp if timezone.is_aware(stamp) else timezone.make_aware(stamp, datetime.UTC)
    return timezone.now()


def apply_event(
    *,
    provider: str,
    event_id: str | None,
    event_type: str,
    message_id: str | None,
    recipient: str | None,
    timestamp: datetime.datetime,
    raw: dict | None = None,
    permanent_bounce: bool = True,
) -> bool:
    """Store one event and update its delivery; return False if it was a repeat or unusable.

    ``permanent_bounce=False`` makes a "bounced" event a soft bounce. Database errors are
    raised, never swallowed: nothing of the event is kept, and the provider's retry applies it.

    One statement on PostgreSQL: the INSERT (``ON CONFLICT DO NOTHING``, the delivery looked
    up inside it) and the timeline UPDATE in one ``WITH``. Elsewhere the INSERT, then the
    UPDATE if the event is new and has a delivery, in one transaction. A repeat is the INSERT
    alone. A new hard bounce, complaint or unsubscribe of a delivery adds the two of
    :func:`_suppress`; a new soft bounce adds the one of :func:`_soft_bounces_in_a_row` (and
    the two of :func:`_suppress` when it is the last one allowed): all in one transaction.
    """
    recipient = normalise_email(recipient or "")
    message_id = normalise_message_id(message_id)
    event_key = event_id or f"{event_type}:{message_id}:{recipient}:{timestamp.isoformat()}"
    soft = event_type == EventType.BOUNCED and not permanent_bounce
    reason = None if soft else SUPPRESS.get(event_type)
    if event_type in BOUNCE_LIKE:
        event_type = EventType.BOUNCED
    linked = bool(message_id and recipient)  # else no delivery to look up
    field = (SOFT_BOUNCE_FIELD if soft else TIMELINE_FIELDS.get(event_type)) if linked else None

    connection = connections[router.db_for_write(TrackingEvent)]
    single = connection.vendor == "postgresql"  # data-modifying WITH: INSERT and UPDATE in one
    event = {
        "provider": provider,
        "event_id": event_key[:255],
        "event_type": event_type,
        "message_id": message_id[:255],
        "recipient": recipient[:254],
        "timestamp": timestamp,
        "raw": raw or {},
        "received_at": timezone.now(),
    }
    insert, params = _insert_sql(connection, event, (message_id, recipient) if linked else None)
    when = _prep(connection, Delivery, field, timestamp) if field else None
    atomic = (linked and (reason or soft)) or (field and not single)
    with transaction.atomic(using=connection.alias) if atomic else nullcontext():
        with connection.cursor() as cursor:
            if field and single:
                delivery = _column(connection, TrackingEvent, "delivery")
                update = _update_sql(connection, field, f"(SELECT {delivery} FROM stored)")
                cursor.execute(
                    f"WITH stored AS ({insert}), moved AS ({update}) SELECT {delivery} FROM stored",
                    [*params, when],
                )
                row = cursor.fetchone()
            else:
                cursor.execute(insert, params)
                row = cursor.fetchone()
                if row is not None and field and row[0] is not None:
                    cursor.execute(_update_sql(connection, field, "%s"), [when, row[0]])
        if row is None:
            return False  # seen before: a provider retry or a duplicate post
        if row[0] is None:
            return True  # no delivery of ours: kept for the record, suppresses no one
        if reason:
            _suppress(recipient, reason)
        elif soft and _soft_bounces_in_a_row(row[0], recipient, limit := _soft_bounce_limit()):
            note = gettext("%(count)d soft bounces in a row.") % {"count": limit}
            _suppress(recipient, Suppression.Reason.HARD_BOUNCE, note)
    return True


def _soft_bounce_limit() -> int:
    return max(1, int(conf.get("NEWSLETTER_SOFT_BOUNCE_LIMIT")))


def _soft_bounces_in_a_row(delivery_id: int, email: str, limit: int) -> bool:
    """Did the address soft-bounce on each of its last ``limit`` sends, none of them delivered,
    opened or clicked? One statement (found by the subscriber's index).

    Sends that went out count, newest first, whether their events have arrived yet or not: a
    send still waiting for its bounce breaks the row until the bounce comes, and then that
    bounce asks again. (Two soft bounces of two sends of the same address arriving at the very
    same moment may both miss the limit; the next soft bounce reaches it.)
    """
    person = Delivery.objects.filter(pk=delivery_id).values("subscriber_id")[:1]
    recent = (
        Delivery.objects.filter(subscriber_id=Subquery(person), email=email)
        .exclude(status__in=(Delivery.Status.SKIPPED, Delivery.Status.FAILED))
        .order_by("-dispatch_id")
        .values_list(SOFT_BOUNCE_FIELD, "delivered_at", "opened_at", "clicked_at")[:limit]
    )
    rows = list(recent)
    return len(rows) == limit and all(soft and not any(seen) for soft, *seen in rows)


def _prep(connection, model, name: str, value):
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _column(connection, model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _insert_sql(connection, event: dict, delivery: tuple[str, str] | None) -> tuple[str, list]:
    """INSERT the event unless stored before, with its delivery (looked up in the same
    statement, see :func:`_lookup_sql`) if given as (message id, address); the statement
    returns a row (the delivery id, or NULL) only when the event is new. The SQL and its
    parameters."""
    quote = connection.ops.quote_name
    columns = [_column(connection, TrackingEvent, name) for name in [*event, "delivery"]]
    unique = [_column(connection, TrackingEvent, name) for name in ("provider", "event_id")]
    sql = (
        f"INSERT INTO {quote(TrackingEvent._meta.db_table)} ({', '.join(columns)})"
        f" VALUES ({', '.join(['%s'] * len(event))},"
        f" {_lookup_sql(connection) if delivery else 'NULL'})"
        f" ON CONFLICT ({', '.join(unique)}) DO NOTHING RETURNING {columns[-1]}"
    )
    params = [_prep(connection, TrackingEvent, name, value) for name, value in event.items()]
    return sql, [*params, *(delivery * 2 if delivery else ())]


def _lookup_sql(connection) -> str:
    """The delivery of a message id and address (parameters: both, twice): the delivery's own
    id (a provider that gives each recipient one), else its batch's (one id for the call, as
    Mailgun's inline merge; the address then picks the one delivery of that dispatch). Both
    use an index: the partial message-id indexes, whose condition SQLite only matches when the
    query repeats it word for word, ``NOT (column = '')``, as Django writes it."""
    quote = connection.ops.quote_name
    d_id, b_id = quote(Delivery._meta.pk.column), quote(Batch._meta.pk.column)
    d_mid = _column(connection, Delivery, "provider_message_id")
    b_mid = _column(connection, Batch, "provider_message_id")
    d_email = _column(connection, Delivery, "email")
    d_batch, d_dispatch = (_column(connection, Delivery, f) for f in ("batch", "dispatch"))
    b_dispatch = _column(connection, Batch, "dispatch")
    deliveries, batches = quote(Delivery._meta.db_table), quote(Batch._meta.db_table)
    own = (
        f"SELECT {d_id} FROM {deliveries} WHERE {d_mid} = %s AND NOT ({d_mid} = '')"
        f" AND {d_email} = %s ORDER BY {d_id} LIMIT 1"
    )
    by_batch = (
        f"SELECT d.{d_id} FROM {batches} b JOIN {deliveries} d"
        f" ON d.{d_dispatch} = b.{b_dispatch} AND d.{d_batch} = b.{b_id}"
        f" WHERE b.{b_mid} = %s AND NOT (b.{b_mid} = '') AND d.{d_email} = %s"
        f" ORDER BY d.{d_id} LIMIT 1"
    )
    return f"COALESCE(({own}), ({by_batch}))"


def _update_sql(connection, field: str, delivery_id: str) -> str:
    """Set one moment of a delivery's timeline: only the first time, and never a "delivered"
    after a bounce or complaint. Parameters: the time, then the delivery id if ``%s``."""
    unset = [field, *TERMINAL] if field == "delivered_at" else [field]
    conditions = "".join(f" AND {_column(connection, Delivery, name)} IS NULL" for name in unset)
    return (
        f"UPDATE {connection.ops.quote_name(Delivery._meta.db_table)}"
        f" SET {_column(connection, Delivery, field)} = %s"
        f" WHERE {connection.ops.quote_name(Delivery._meta.pk.column)} = {delivery_id}{conditions}"
    )


ENDED_HOW = {
    Suppression.Reason.HARD_BOUNCE: Subscription.EndedHow.BOUNCED,
    Suppression.Reason.COMPLAINT: Subscription.EndedHow.COMPLAINT,
    Suppression.Reason.UNSUBSCRIBED_ALL: Subscription.EndedHow.PROVIDER,
}


def _suppress(email: str, reason: str, note: str = "") -> None:
    """Suppress the address on every list (an existing suppression keeps its reason) and end
    its open subscriptions: two statements."""
    Suppression.objects.bulk_create(
        [Suppression(email=email, reason=reason, note=note)], ignore_conflicts=True
    )
    Subscription.objects.filter(subscriber__email=email, status__in=Subscription.OPEN).update(
        status=Subscription.Status.UNSUBSCRIBED,
        ended_at=timezone.now(),
        ended_how=ENDED_HOW[reason],
    )


def record_event(sender, event, esp_name: str, **kwargs) -> None:
    """Anymail's tracking signal: apply the normalised event, a bounce as hard or soft.

    Errors are not caught here: the webhook view answers 503 to a database error (the provider
    retries) and 400 to an event it cannot use.
    """
    kind = bounce_kind(esp_name, event.event_type, event.esp_event)
    raw = {"description": event.description or "", "reject_reason": event.reject_reason}
    if kind:
        raw["bounce"] = kind
    apply_event(
        provider=esp_name.lower(),
        event_id=event.event_id,
        event_type=EventType.BOUNCED if kind else event.event_type,
        message_id=event.message_id,
        recipient=event.recipient,
        timestamp=_event_time(event),
        raw=raw,
        permanent_bounce=kind != SOFT,
    )
