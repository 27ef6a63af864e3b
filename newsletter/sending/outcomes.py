"""Outcomes: what a provider call did, written on its batch and each delivery.

Accepted -> sent (with the provider's message id). Refused for now (HTTP 429/5xx, a connection
that never opened) -> queued again with backoff, honouring ``Retry-After``. Refused for good
(other 4xx) -> failed. Anything where the provider may have taken the message (connection
dropped after sending, an unreadable answer) -> **unknown**, never re-sent automatically. A
worker writes an outcome only while it still holds its batch (:func:`batches.held`).

Sustained provider trouble pauses the whole send (:func:`pause_send`, the reason in
``Dispatch.last_error``) rather than letting each batch retry or fail on its own: bad
credentials (HTTP 401/403, an SMTP login refused) at once, the batch going back to the queue
(nobody got it), and ``NEWSLETTER_PAUSE_AFTER_THROTTLES`` calls in a row throttled (HTTP 429),
counted across batches by each worker (:class:`TroubleWatch`). Resuming clears the reason.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from newsletter import conf
from newsletter.models import Batch, Delivery, Dispatch
from newsletter.sending import sql
from newsletter.sending.batches import RECORDABLE, PreparedBatch, finish_batch, held
from newsletter.sending.providers import (
    REJECTED,
    ErrorKind,
    PartialSend,
    Provider,
    Results,
    normalise_message_id,
    status_code_of,
)

logger = logging.getLogger(__name__)

STATUS = Delivery.Status
MAX_ATTEMPTS = 8
# HTTP statuses that mean our credentials (API key, sending domain) were refused.
AUTH_STATUSES = (401, 403)
# Deliveries an outcome may still change: waiting, or unknown through lease recovery.
UNDECIDED = (STATUS.QUEUED, STATUS.UNKNOWN)


@dataclass
class BatchOutcome:
    """What one batch came to, for progress reports."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry: bool = False
    unknown: bool = False
    throttled: bool = False  # the provider answered HTTP 429
    paused: bool = False  # this outcome paused the whole send


def finish_empty(prepared: PreparedBatch) -> BatchOutcome:
    """A batch whose recipients all left during the send: nothing to post."""
    now = timezone.now()
    finish_batch(prepared.batch, Batch.Status.SENT, within=(Batch.Status.CLAIMED,), sent_at=now)
    return BatchOutcome(skipped=prepared.skipped)


def record_outcome(
    prepared: PreparedBatch,
    provider: Provider,
    results: Results | None = None,
    error: BaseException | None = None,
    *,
    then_in_flight: Batch | None = None,
) -> BatchOutcome:
    """Write what the provider call did: each recipient's result, or the batch's error.

    ``then_in_flight``: the worker's next batch, claimed and read. When the provider accepted
    everyone (the usual case) on PostgreSQL, the statement that records this outcome also
    commits that batch in flight (its ``status`` says so, as after
    :func:`newsletter.sending.batches.start_posting`, which would have come next): one round
    trip less between two calls, and still one batch in flight at a time. Otherwise it is left
    claimed.
    """
    batch, outcome = prepared.batch, BatchOutcome(skipped=prepared.skipped)
    if isinstance(error, PartialSend):
        return _record_partial(prepared, provider, error, outcome)
    if error is not None:
        return _record_error(batch, provider, error, outcome)
    now = timezone.now()
    call_id = _one_call_id(results or {})
    if call_id is not None:  # the usual case: everyone accepted under one id for the call
        outcome.sent = len(results or {})
        held_it, flying = _mark_batch_sent(batch, call_id, now, then_in_flight)
    else:
        accepted, rejected = _split_results(results or {})
        message_ids = set(accepted.values())
        outcome.sent, outcome.failed = len(accepted), len(rejected)
        if len(message_ids) == 1 and not rejected:  # one id, under several statuses
            call_id = message_ids.pop() or ""
            held_it, flying = _mark_batch_sent(batch, call_id, now, then_in_flight)
        else:
            held_it, flying = _mark_batch_and_each(
                batch, prepared.delivery_ids, accepted, rejected, now, then_in_flight
            )
    if flying and then_in_flight is not None:
        then_in_flight.status = Batch.Status.IN_FLIGHT
    return outcome if held_it else BatchOutcome()  # not held: whoever holds it records it


def _one_call_id(results: Results) -> str | None:
    """The message id if the provider gave every recipient the same accepted status and id
    (an inline-merge call), else None. (One pass over the distinct results, without building
    :func:`_split_results`' per-address maps: the next batch waits for this to go.)"""
    try:
        distinct = set(results.values())
    except TypeError:  # (a custom provider's unhashable results: the general way)
        return None
    if len(distinct) != 1:
        return None
    status, message_id = distinct.pop()
    return None if status in REJECTED else normalise_message_id(message_id)


def _split_results(results: Results) -> tuple[dict[str, str], list[str]]:
    """({accepted address: message id}, [rejected addresses]) from a call's results."""
    accepted = {
        address: normalise_message_id(message_id)
        for address, (status, message_id) in results.items()
        if status not in REJECTED
    }
    return accepted, [address for address in results if address not in accepted]


def _mark_batch_and_each(
    batch: Batch,
    delivery_ids: dict[str, int],
    accepted: dict[str, str],
    rejected: list[str],
    now: datetime.datetime,
    then_in_flight: Batch | None = None,
) -> tuple[bool, bool]:
    """Mark the batch sent and each recipient's delivery: accepted ones sent with their
    message id, rejected ones failed; only if this worker still holds the batch. ONE statement
    on PostgreSQL (the next batch's call waits for it), with ``then_in_flight`` (see
    :func:`record_outcome`), else a transaction. Returns (held, next batch in flight)."""
    if db_connection.vendor == "postgresql":
        pairs = [(delivery_ids[a], message_id or "") for a, message_id in accepted.items()]
        failed = [delivery_ids[a] for a in rejected]
        return sql.mark_batch_and_each_delivery(
            batch, pairs, failed, now, RECORDABLE, UNDECIDED, then_in_flight
        )
    with transaction.atomic():
        if not finish_batch(batch, Batch.Status.SENT, sent_at=now):
            return False, False
        _mark_each(batch, delivery_ids, accepted, rejected, now)
    return True, False


def _mark_each(
    batch: Batch,
    delivery_ids: dict[str, int],
    accepted: dict[str, str],
    rejected: list[str],
    now: datetime.datetime,
) -> None:
    """Mark each recipient's delivery: accepted ones sent with their message id, rejected ones
    failed. (The caller holds the batch, in a transaction.)"""
    if rejected:
        Delivery.objects.filter(
            pk__in=[delivery_ids[a] for a in rejected], status__in=UNDECIDED
        ).update(
            status=STATUS.FAILED, attempts=batch.attempts, last_error="Rejected by the provider"
        )
    if accepted:
        pairs = [(delivery_ids[a], message_id or "") for a, message_id in accepted.items()]
        sql.mark_sent_with_ids(pairs, now, batch.attempts)


def _mark_batch_sent(
    batch: Batch, call_id: str, now: datetime.datetime, then_in_flight: Batch | None = None
) -> tuple[bool, bool]:
    """The provider took everyone in the batch under one message id (inline merge).

    The id goes on the batch; the batch's deliveries still undecided are exactly the accepted
    ones, so one UPDATE by batch that changes no indexed column (a HOT update on PostgreSQL),
    made only if the batch is still held by this worker. On PostgreSQL both are ONE statement,
    with ``then_in_flight`` (see :func:`record_outcome`); elsewhere two in a transaction.
    Returns (held, next batch in flight).
    """
    if db_connection.vendor == "postgresql":
        return sql.mark_batch_and_deliveries_sent(
            batch, call_id, now, RECORDABLE, UNDECIDED, then_in_flight
        )
    with transaction.atomic():
        if not finish_batch(batch, Batch.Status.SENT, sent_at=now, provider_message_id=call_id):
            return False, False
        Delivery.objects.filter(batch_id=batch.pk, status__in=UNDECIDED).update(
            status=STATUS.SENT, sent_at=now, attempts=batch.attempts
        )
    return True, False


def _record_partial(
    prepared: PreparedBatch, provider: Provider, partial: PartialSend, outcome: BatchOutcome
) -> BatchOutcome:
    """Messages went one by one and something stopped them part-way: record each message that
    went, then let the error decide for the rest alone (retry, fail or unknown)."""
    batch = prepared.batch
    accepted, rejected = _split_results(partial.results)
    with transaction.atomic():
        if not held(batch).select_for_update().exists():
            return BatchOutcome()
        _mark_each(batch, prepared.delivery_ids, accepted, rejected, timezone.now())
        rest = _record_error(batch, provider, partial.error, outcome)
    rest.sent += len(accepted)
    rest.failed += len(rejected)
    return rest


def _record_error(
    batch: Batch, provider: Provider, error: BaseException, outcome: BatchOutcome
) -> BatchOutcome:
    """What the error means decides: failed for good, retry later, or outcome unknown."""
    message = f"{type(error).__name__}: {error}"[:2000]
    if is_auth_error(error):
        return _pause_for_credentials(batch, message, outcome)
    kind = provider.classify(error)
    if kind == ErrorKind.FAILED:
        return fail_batch(batch, message, outcome)
    if kind == ErrorKind.REFUSED:
        outcome.throttled = status_code_of(error) == 429
        return _retry_later(batch, provider.retry_after(error), message, outcome)
    logger.warning("Batch %s outcome unknown: %s", batch.pk, message)
    with transaction.atomic():
        if finish_batch(batch, Batch.Status.UNKNOWN, message):
            Delivery.objects.filter(batch_id=batch.pk, status__in=UNDECIDED).update(
                status=STATUS.UNKNOWN, attempts=batch.attempts, last_error=message[:500]
            )
            outcome.unknown = True
    return outcome


def is_auth_error(error: BaseException) -> bool:
    """Did the provider refuse our credentials (HTTP 401/403, an SMTP login refused)? Then
    no call of this send can succeed until someone fixes them."""
    return status_code_of(error) in AUTH_STATUSES or isinstance(
        error, smtplib.SMTPAuthenticationError
    )


def pause_send(send_id: int, reason: str) -> bool:
    """Pause a sending send on provider trouble, ``reason`` shown to the operator until they
    resume it. Returns whether it paused it (False: already paused, cancelled or finished)."""
    paused = bool(
        Dispatch.objects.filter(pk=send_id, status=Dispatch.Status.SENDING).update(
            status=Dispatch.Status.PAUSED, last_error=reason
        )
    )
    if paused:
        logger.warning("Send %s paused: %s", send_id, reason)
    return paused


def _pause_for_credentials(batch: Batch, message: str, outcome: BatchOutcome) -> BatchOutcome:
    """Credentials refused: nobody got the batch, so it goes back to the queue (this claim not
    counted as an attempt), and the send pauses until someone fixes them and resumes."""
    with transaction.atomic():
        if finish_batch(
            batch,
            Batch.Status.QUEUED,
            message,
            not_before=None,
            claim_token="",
            attempts=F("attempts") - 1,
        ):
            Delivery.objects.filter(batch_id=batch.pk, status=STATUS.UNKNOWN).update(
                status=STATUS.QUEUED
            )
            outcome.retry = True
        reason = gettext(
            "The provider refused our credentials (%(error)s). Nobody in the waiting batches "
            "was sent anything: fix the API key or sending domain, then resume."
        ) % {"error": message[:300]}
        outcome.paused = pause_send(batch.dispatch_id, reason)
    return outcome


class TroubleWatch:
    """One worker's count of provider calls throttled in a row (HTTP 429), across batches: at
    ``NEWSLETTER_PAUSE_AFTER_THROTTLES`` (0: never) it pauses the send. Any other outcome of
    a call starts the count again."""

    def __init__(self, send_id: int) -> None:
        self.send_id = send_id
        self.in_a_row = 0

    def note(self, outcome: BatchOutcome) -> None:
        """Count a landed call's outcome; pause the send when throttled too often in a row."""
        if not outcome.throttled:
            self.in_a_row = 0
            return
        self.in_a_row += 1
        limit = int(conf.get("NEWSLETTER_PAUSE_AFTER_THROTTLES"))
        if limit and self.in_a_row >= limit:
            reason = gettext(
                "The provider throttled %(count)d calls in a row (HTTP 429, too many requests). "
                "Nobody in the waiting batches was sent anything: resume when its sending limit "
                "allows (check your plan's rate)."
            ) % {"count": self.in_a_row}
            outcome.paused = pause_send(self.send_id, reason)
            self.in_a_row = 0


def fail_batch(batch: Batch, message: str, outcome: BatchOutcome) -> BatchOutcome:
    """The provider refused the batch for good (or the send was cancelled): its undecided
    deliveries failed."""
    with transaction.atomic():
        if finish_batch(batch, Batch.Status.FAILED, message):
            outcome.failed = Delivery.objects.filter(
                batch_id=batch.pk, status__in=UNDECIDED
            ).update(status=STATUS.FAILED, attempts=batch.attempts, last_error=message[:500])
    return outcome


def backoff_seconds(attempts: int) -> float:
    """Seconds before retry number ``attempts``: doubling from the base, at most 5 minutes."""
    base = float(conf.get("NEWSLETTER_RETRY_BASE_SECONDS"))
    return min(base * (2 ** max(0, attempts - 1)), 300.0)


def _retry_later(
    batch: Batch, asked_wait: float, message: str, outcome: BatchOutcome
) -> BatchOutcome:
    """The provider did not take the batch: queue it again after a backoff, or give up (also
    when the send was cancelled meanwhile: nobody would claim it again)."""
    if batch.attempts >= MAX_ATTEMPTS:
        return fail_batch(batch, message, outcome)
    status = Dispatch.objects.values_list("status", flat=True).get(pk=batch.dispatch_id)
    if status == Dispatch.Status.CANCELLED:
        return fail_batch(batch, "Cancelled", outcome)
    wait = max(asked_wait, backoff_seconds(batch.attempts))
    with transaction.atomic():
        if finish_batch(
            batch,
            Batch.Status.QUEUED,
            message,
            not_before=timezone.now() + datetime.timedelta(seconds=wait),
            claim_token="",
        ):
            # Nobody got it: deliveries lease recovery marked unknown meanwhile wait again.
            Delivery.objects.filter(batch_id=batch.pk, status=STATUS.UNKNOWN).update(
                status=STATUS.QUEUED
            )
            outcome.retry = True
    return outcome
