"""Where a send stands: deliveries by status, the delivery funnel, and finishing it."""

from __future__ import annotations

from django.db.models import Count, Exists, Q
from django.utils import timezone

from newsletter.models import Batch, Delivery, Dispatch
from newsletter.sending.stored_templates import release_template

STATUS = Delivery.Status


def progress(send: Dispatch) -> dict[str, int]:
    """Deliveries by status, plus ``remaining`` (not sent yet: queued), in one query."""
    counts = dict(
        Delivery.objects.filter(dispatch_id=send.pk)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    result = {status: counts.get(status, 0) for status in STATUS.values}
    result["remaining"] = result[STATUS.QUEUED]
    result["total"] = sum(counts.values())
    return result


def _funnel_counts() -> dict[str, Count]:
    return {
        "sent": Count("pk", filter=Q(status=STATUS.SENT)),
        "delivered": Count("delivered_at"),
        "opened": Count("opened_at"),
        "clicked": Count("clicked_at"),
        "bounced": Count("bounced_at"),
        "soft_bounced": Count("soft_bounced_at"),
        "complained": Count("complained_at"),
        "unsubscribed": Count("unsubscribed_at"),
    }


def funnel(send: Dispatch) -> dict[str, int]:
    """The delivery funnel: sent, delivered, opened, clicked, bounced (hard bounces and
    provider refusals), soft bounced, complained, unsubscribed: deliveries, in one query."""
    return Delivery.objects.filter(dispatch_id=send.pk).aggregate(**_funnel_counts())


def funnels(send_ids: list[int]) -> dict[int, dict[str, int]]:
    """:func:`funnel` of several sends, in one query (a send without deliveries: all 0)."""
    counts = _funnel_counts()
    rows = (
        Delivery.objects.filter(dispatch_id__in=send_ids)
        .order_by()
        .values("dispatch_id")
        .annotate(**counts)
    )
    found = {row.pop("dispatch_id"): row for row in rows}
    return {pk: found.get(pk, dict.fromkeys(counts, 0)) for pk in send_ids}


def finish_if_done(send_id: int) -> bool:
    """Mark the send sent (or failed) once no batch is queued, claimed or in flight (and
    remove its template stored at the provider, if any).

    The "none open" condition is part of the UPDATE itself, so a re-send queued at the same
    moment cannot be left behind a send marked sent.
    """
    open_batches = Batch.objects.filter(dispatch_id=send_id, status__in=Batch.OPEN)
    if open_batches.exists():
        return False
    counts = progress(Dispatch(pk=send_id))
    status = (
        Dispatch.Status.FAILED if counts["sent"] == 0 and counts["failed"] else Dispatch.Status.SENT
    )
    still_sending = Dispatch.objects.filter(pk=send_id, status=Dispatch.Status.SENDING)
    finished = bool(
        still_sending.exclude(Exists(open_batches)).update(
            status=status, finished_at=timezone.now()
        )
    )
    if finished:
        release_template(send_id)
    return finished
