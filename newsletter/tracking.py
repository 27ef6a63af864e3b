"""Delivery tracking: the provider's webhook events, applied to Delivery rows idempotently.

Anymail verifies the webhook (basic auth with ``ANYMAIL_WEBHOOK_SECRET``, plus the provider's
signature where it has one, e.g. ``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``) and sends its
``tracking`` signal; :func:`record_event` receives it.

Rules: each provider event is stored once (a repeat changes nothing); each moment of the
timeline (delivered, first opened, first clicked, bounced, complained, unsubscribed) is set
once, the first time; states only move forward (a "delivered" arriving after a bounce does
not undo the bounce). Hard bounces, complaints and provider unsubscribes suppress the address
on every list. Each event costs a fixed, small number of queries.
"""

from __future__ import annotations

import datetime
import logging

from anymail.signals import EventType, tracking
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from newsletter.models import Subscription, Suppression, normalise_email
from newsletter.models.dispatch import Delivery, TrackingEvent

logger = logging.getLogger(__name__)

# Event type -> the Delivery timestamp it sets.
TIMELINE_FIELDS = {
    EventType.DELIVERED: "delivered_at",
    EventType.OPENED: "opened_at",
    EventType.CLICKED: "clicked_at",
    EventType.BOUNCED: "bounced_at",
    EventType.COMPLAINED: "complained_at",
    EventType.UNSUBSCRIBED: "unsubscribed_at",
}
# A "rejected" or "failed" event means the provider did not deliver: treat as a bounce.
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
    """Store one event and update its delivery; return False if it was a repeat or unusable."""
    from newsletter.dispatch import normalise_message_id

    recipient = normalise_email(recipient or "")
    message_id = normalise_message_id(message_id)
    event_key = event_id or f"{event_type}:{message_id}:{recipient}:{timestamp.isoformat()}"
    if event_type in BOUNCE_LIKE:
        event_type = EventType.BOUNCED
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = TrackingEvent.objects.create(
                    provider=provider,
                    event_id=event_key[:255],
                    event_type=event_type,
                    message_id=(message_id or "")[:255],
                    recipient=recipient[:254],
                    timestamp=timestamp,
                    raw=raw or {},
                )
        except IntegrityError:
            return False  # seen before: a provider retry or a duplicate post

        field = TIMELINE_FIELDS.get(event_type)
        if field and message_id and recipient:
            deliveries = Delivery.objects.filter(provider_message_id=message_id, email=recipient)
            update = deliveries.filter(**{f"{field}__isnull": True})
            if field == "delivered_at":
                update = update.filter(*[Q(**{f"{name}__isnull": True}) for name in TERMINAL])
            update.update(**{field: timestamp})
            delivery_id = deliveries.values_list("pk", flat=True).first()
            if delivery_id:
                TrackingEvent.objects.filter(pk=stored.pk).update(delivery_id=delivery_id)
        reason = SUPPRESS.get(event_type)
        if reason and recipient and (event_type != EventType.BOUNCED or permanent_bounce):
            _suppress(recipient, reason)
    return True


ENDED_HOW = {
    Suppression.Reason.HARD_BOUNCE: Subscription.EndedHow.BOUNCED,
    Suppression.Reason.COMPLAINT: Subscription.EndedHow.COMPLAINT,
    Suppression.Reason.UNSUBSCRIBED_ALL: Subscription.EndedHow.PROVIDER,
}


def _suppress(email: str, reason: str) -> None:
    """Suppress the address on every list and end its open subscriptions (two queries)."""
    Suppression.objects.get_or_create(email=email, defaults={"reason": reason})
    Subscription.objects.filter(subscriber__email=email, status__in=Subscription.OPEN).update(
        status=Subscription.Status.UNSUBSCRIBED,
        ended_at=timezone.now(),
        ended_how=ENDED_HOW[reason],
    )


@receiver(tracking)
def record_event(sender, event, esp_name: str, **kwargs) -> None:
    """Anymail's tracking signal: apply the normalised event (never raise to the provider)."""
    try:
        apply_event(
            provider=esp_name.lower(),
            event_id=event.event_id,
            event_type=event.event_type,
            message_id=event.message_id,
            recipient=event.recipient,
            timestamp=_event_time(event),
            raw={"description": event.description or "", "reject_reason": event.reject_reason},
            permanent_bounce=event.event_type != EventType.DEFERRED,
        )
    except Exception:  # a bad event must not make the provider retry forever
        logger.exception("Could not apply %s tracking event %s", esp_name, event.event_id)
