"""What an operator (or a command) does to a send: start, pause, resume, cancel, re-send
unknown batches, and recover after a worker died."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from newsletter.models import Batch, Delivery, Dispatch
from newsletter.sending.batches import recover_stale_batches
from newsletter.sending.freeze import freeze
from newsletter.sending.progress import finish_if_done
from newsletter.sending.stored_templates import release_template
from newsletter.sending.tasks import send_batches

STATUS = Delivery.Status


def start(send: Dispatch, workers: int = 1, *, include_previous_recipients: bool = False) -> int:
    """Freeze the send and queue ``workers`` background tasks to send it. People an earlier
    send of the issue reached are left out unless ``include_previous_recipients``."""
    total = freeze(send, include_previous_recipients=include_previous_recipients)
    if total:
        for _ in range(max(1, workers)):
            send_batches.enqueue(send.pk)
    return total


def set_paused(send: Dispatch, paused: bool) -> bool:
    """Pause a sending send (batches in flight finish) or resume a paused one. Either clears
    the reason a send paused itself (``last_error``, see :func:`outcomes.pause_send`)."""
    old, new = (
        (Dispatch.Status.SENDING, Dispatch.Status.PAUSED)
        if paused
        else (Dispatch.Status.PAUSED, Dispatch.Status.SENDING)
    )
    changed = bool(
        Dispatch.objects.filter(pk=send.pk, status=old).update(status=new, last_error="")
    )
    if changed and not paused:
        send_batches.enqueue(send.pk)
    return changed


def cancel(send: Dispatch) -> int:
    """Stop a send: queued deliveries are never sent. Returns how many were dropped."""
    with transaction.atomic():
        Dispatch.objects.filter(pk=send.pk).exclude(status__in=Dispatch.FINISHED).update(
            status=Dispatch.Status.CANCELLED, finished_at=timezone.now()
        )
        Batch.objects.filter(
            dispatch=send, status__in=[Batch.Status.QUEUED, Batch.Status.CLAIMED]
        ).update(status=Batch.Status.FAILED, last_error="Cancelled")
        # Deliveries of a batch in flight stay queued: that call's outcome decides them.
        dropped = (
            Delivery.objects.filter(dispatch=send, status=STATUS.QUEUED)
            .exclude(batch__status=Batch.Status.IN_FLIGHT)
            .update(status=STATUS.FAILED, last_error="Cancelled")
        )
    release_template(send.pk)  # a call in flight was made with it already
    return dropped


def resend_unknown(send: Dispatch) -> int:
    """Queue the unknown batches again: an explicit decision that a duplicate is acceptable."""
    with transaction.atomic():
        batches = Batch.objects.filter(dispatch=send, status=Batch.Status.UNKNOWN)
        ids = list(batches.select_for_update().values_list("pk", flat=True))
        resumable = (Dispatch.Status.SENDING, Dispatch.Status.SENT, Dispatch.Status.FAILED)
        if not ids or not Dispatch.objects.filter(pk=send.pk, status__in=resumable).update(
            status=Dispatch.Status.SENDING, finished_at=None
        ):
            return 0  # nothing unknown, or cancelled or paused meanwhile: nothing is re-sent
        Batch.objects.filter(pk__in=ids).update(
            status=Batch.Status.QUEUED, not_before=None, claim_token=""
        )
        count = Delivery.objects.filter(batch_id__in=ids, status=STATUS.UNKNOWN).update(
            status=STATUS.QUEUED
        )
    send_batches.enqueue(send.pk)
    return count


def recover(send: Dispatch, *, restart: bool = True) -> tuple[int, bool]:
    """After a worker died: batches past their lease become unknown (in flight) or queued
    again (claimed, never posted); with ``restart`` a worker is queued for what is queued.
    Returns (batches now unknown, whether a worker was queued)."""
    _requeued, unknown = recover_stale_batches(send.pk)
    queued = Batch.objects.filter(dispatch=send, status=Batch.Status.QUEUED).exists()
    sending = Dispatch.objects.filter(pk=send.pk, status=Dispatch.Status.SENDING).exists()
    if restart and queued and sending:
        send_batches.enqueue(send.pk)
    finish_if_done(send.pk)
    return unknown, queued
