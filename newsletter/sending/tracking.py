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

A new event of a delivery also keeps the send's insight up to date: a click with a URL counts
on its link's :class:`~newsletter.models.LinkClick` row (grouped by
:func:`newsletter.insights.clicks.link_key`), an open or click clears the reader's sunset flag
(they are reading again), and a complaint asks :func:`newsletter.insights.complaints.check_send`
whether the send must pause. A repeated event does none of this, so nothing counts twice.

An event that cannot be stored is not acknowledged: a database error reaches the webhook view,
which answers 503 so that the provider posts the event again (see ``newsletter.webhook_urls``);
the event and the suppression it causes are written in one transaction, so a retry finds
neither half-done.
"""

from __future__ import annotations

import datetime
from contextlib import nullcontext
from dataclasses import dataclass

from anymail.signals import EventType
from django.db import connections, router, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext

from newsletter import conf
from newsletter.insights import complaints
from newsletter.insights.clicks import URL_MAX, count_click_sql, link_key
from newsletter.models import Subscriber, Subscription, Suppression, normalise_email
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
# A reader who opens or clicks is no longer inactive (the sunset policy's flag is cleared).
ENGAGED = {EventType.OPENED, EventType.CLICKED}


@dataclass(frozen=True)
class FollowUp:
    """What a new event of a delivery does beyond its timeline: count a click on its link
    (``link``: the link's key), clear the reader's sunset flag (``engaged``), check the send's
    complaint rate (``complaint``)."""

    link: str | None = None
    engaged: bool = False
    complaint: bool = False


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
    click_url: str | None = None,
) -> bool:
    """Store one event and update its delivery; return False if it was a repeat or unusable.

    ``permanent_bounce=False`` makes a "bounced" event a soft bounce; ``click_url`` is the link
    a click event followed (kept in the event's ``raw["url"]`` and counted per link). Database
    errors are raised, never swallowed: nothing of the event is kept, and the provider's retry
    applies it.

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
    clicked = event_type == EventType.CLICKED and bool(click_url)
    if clicked:
        raw = {**(raw or {}), "url": click_url[:URL_MAX]}
    follow = FollowUp(
        link=link_key(click_url) if clicked and linked else None,
        engaged=linked and event_type in ENGAGED,
        complaint=linked and reason == Suppression.Reason.COMPLAINT,
    )

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
    returning = _returning(connection, follow, apart=not (field and single))
    insert, params = _insert_sql(
        connection, event, (message_id, recipient) if linked else None, returning
    )
    when = _prep(connection, Delivery, field, timestamp) if field else None
    atomic = (linked and (reason or soft)) or (field and not single)
    with transaction.atomic(using=connection.alias) if atomic else nullcontext():
        with connection.cursor() as cursor:
            if field and single:
                sql, more = _single_sql(connection, insert, field, follow, when)
                cursor.execute(sql, [*params, when, *more])
                row = cursor.fetchone()
            else:
                cursor.execute(insert, params)
                row = cursor.fetchone()
                if row is not None and field and row[0] is not None:
                    cursor.execute(_update_sql(connection, field, "%s"), [when, row[0]])
                    _follow_up_apart(cursor, connection, follow, row, when)
        if row is None:
            return False  # seen before: a provider retry or a duplicate post
        if row[0] is None:
            return True  # no delivery of ours: kept for the record, suppresses no one
        if reason:
            _suppress(recipient, reason)
        elif soft and _soft_bounces_in_a_row(row[0], recipient, limit := _soft_bounce_limit()):
            note = gettext("%(count)d soft bounces in a row.") % {"count": limit}
            _suppress(recipient, Suppression.Reason.HARD_BOUNCE, note)
        if follow.complaint:
            complaints.check_send(row[1])
    return True


def _delivery_sql(connection, column: str, delivery: str) -> str:
    """A column of the delivery whose id is ``delivery`` (an SQL expression)."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {_column(connection, Delivery, column)} FROM {quote(Delivery._meta.db_table)}"
        f" WHERE {quote(Delivery._meta.pk.column)} = {delivery}"
    )


def _returning(connection, follow: FollowUp, apart: bool) -> list[str]:
    """What the INSERT returns beyond the delivery id (a subquery each, on the delivery found):
    the send of a complaint; apart from a single statement, the reader of an open or click if
    the sunset policy flagged them (else NULL)."""
    quote = connection.ops.quote_name
    delivery = (
        f"{quote(TrackingEvent._meta.db_table)}.{_column(connection, TrackingEvent, 'delivery')}"
    )
    if follow.complaint:
        return [f"({_delivery_sql(connection, 'dispatch', delivery)})"]
    if follow.engaged and apart:
        person = _delivery_sql(connection, "subscriber", delivery)
        pk = quote(Subscriber._meta.pk.column)
        return [
            f"(SELECT {pk} FROM {quote(Subscriber._meta.db_table)} WHERE {pk} = ({person})"
            f" AND {_column(connection, Subscriber, 'sunset_at')} IS NOT NULL)"
        ]
    return []


def _single_sql(connection, insert: str, field: str, follow: FollowUp, when) -> tuple[str, list]:
    """PostgreSQL: the INSERT, the timeline UPDATE and the :class:`FollowUp` in one ``WITH``;
    the SQL and its parameters after the INSERT's and the time's."""
    delivery = f"(SELECT {_column(connection, TrackingEvent, 'delivery')} FROM stored)"
    parts = [f"stored AS ({insert})", f"moved AS ({_update_sql(connection, field, delivery)})"]
    params: list = []
    if follow.engaged:
        quote = connection.ops.quote_name
        sunset = _column(connection, Subscriber, "sunset_at")
        parts.append(
            f"woken AS (UPDATE {quote(Subscriber._meta.db_table)} SET {sunset} = NULL"
            f" WHERE {quote(Subscriber._meta.pk.column)}"
            f" = ({_delivery_sql(connection, 'subscriber', delivery)}) AND {sunset} IS NOT NULL)"
        )
    if follow.link:
        parts.append(f"counted AS ({count_click_sql(connection).format(delivery=delivery)})")
        params += [follow.link, when, when]
    return f"WITH {', '.join(parts)} SELECT * FROM stored", params


def _follow_up_apart(cursor, connection, follow: FollowUp, row: tuple, when) -> None:
    """Elsewhere than PostgreSQL: count the click, clear the sunset flag of a flagged reader."""
    if follow.link:
        cursor.execute(
            count_click_sql(connection).format(delivery="%s"), [follow.link, when, when, row[0]]
        )
    if follow.engaged and row[1] is not None:
        Subscriber.objects.using(connection.alias).filter(
            pk=row[1], sunset_at__isnull=False
        ).update(sunset_at=None)


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


def _insert_sql(
    connection, event: dict, delivery: tuple[str, str] | None, returning: list[str] = ()
) -> tuple[str, list]:
    """INSERT the event unless stored before, with its delivery (looked up in the same
    statement, see :func:`_lookup_sql`) if given as (message id, address); the statement
    returns a row (the delivery id, or NULL, then the ``returning`` expressions) only when the
    event is new. The SQL and its parameters."""
    quote = connection.ops.quote_name
    columns = [_column(connection, TrackingEvent, name) for name in [*event, "delivery"]]
    unique = [_column(connection, TrackingEvent, name) for name in ("provider", "event_id")]
    sql = (
        f"INSERT INTO {quote(TrackingEvent._meta.db_table)} ({', '.join(columns)})"
        f" VALUES ({', '.join(['%s'] * len(event))},"
        f" {_lookup_sql(connection) if delivery else 'NULL'})"
        f" ON CONFLICT ({', '.join(unique)}) DO NOTHING"
        f" RETURNING {', '.join([columns[-1], *returning])}"
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
        click_url=getattr(event, "click_url", None),
    )
