"""The worker loop: claim a batch, post it, record what happened, until none is left.

Run several workers on one send at once (``newsletter_send --workers``, the task backend's
workers): each claims different batches, and no recipient is ever posted twice.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from newsletter.issues.messages import Content
from newsletter.models import Batch, Dispatch
from newsletter.sending.batches import (
    LinkMaker,
    PreparedBatch,
    claim_batch,
    prepare_batch,
    recover_stale_batches,
    start_posting,
)
from newsletter.sending.outcomes import (
    BatchOutcome,
    TroubleWatch,
    finish_empty,
    pause_send,
    record_outcome,
)
from newsletter.sending.progress import finish_if_done
from newsletter.sending.providers import ErrorKind, Provider, provider_named
from newsletter.sending.shutdown import release, stop_on_signals, stop_requested

logger = logging.getLogger(__name__)


def _waiting_for_backoff(send_id: int) -> datetime.datetime | None:
    return (
        Batch.objects.filter(dispatch_id=send_id, status=Batch.Status.QUEUED)
        .order_by("not_before")
        .values_list("not_before", flat=True)
        .first()
    )


@dataclass
class _InTheAir:
    """A provider call running in the poster thread."""

    prepared: PreparedBatch
    provider: Provider
    call: Future

    def land(self) -> BatchOutcome:
        """Wait for the call, then record its outcome (in the calling thread)."""
        try:
            results = self.call.result()
        except Exception as error:
            return record_outcome(self.prepared, self.provider, error=error)
        return record_outcome(self.prepared, self.provider, results)


def _land_before_leaving(in_the_air: _InTheAir | None) -> None:
    """The worker is stopping on an error: still record the call it made, if it can, rather
    than leave its batch to become unknown."""
    if in_the_air is not None:
        try:
            in_the_air.land()
        except Exception:
            logger.exception("Could not record batch %s", in_the_air.prepared.batch.pk)


class _Worker:
    """One worker's state on one send: its connection, provider and the call in the air."""

    def __init__(self, send: Dispatch, report: Callable[[BatchOutcome], None], poster) -> None:
        self.send_id = send.pk
        self.content = Content.of_send(send)
        self.provider = provider_named(send.provider)
        self.connection = self.provider.connection()
        self.links = LinkMaker()
        self.report = report
        self.poster = poster
        self.in_the_air: _InTheAir | None = None
        self.trouble = TroubleWatch(send.pk)  # pauses the send on repeated throttling

    def claim(self) -> Batch | None:
        """The next batch to send, or None (also when the worker was asked to stop)."""
        return None if stop_requested.is_set() else claim_batch(self.send_id)

    def put_back(self, prepared: PreparedBatch) -> None:
        """Stopping: return a claimed batch to the queue unposted (nobody got it)."""
        release(prepared.batch)
        self.report(BatchOutcome(skipped=prepared.skipped))

    def post(self, prepared: PreparedBatch) -> None:
        """Start the batch's call in the poster thread (or finish it if nobody is left)."""
        if stop_requested.is_set():
            self.put_back(prepared)
        elif not prepared.recipients:
            self.report(finish_empty(prepared))
        elif start_posting(prepared.batch):
            call = self.poster.submit(
                self.provider.send, self.content, prepared.recipients, self.connection
            )
            self.in_the_air = _InTheAir(prepared, self.provider, call)
        else:
            self.report(BatchOutcome(skipped=prepared.skipped))

    def step(self) -> bool:
        """Claim and read the next batch, land the call in the air, post the next one.
        Returns whether there was anything to do."""
        batch = self.claim()
        prepared = prepare_batch(batch, self.links) if batch else None
        if self.in_the_air is not None:
            outcome, self.in_the_air = self.in_the_air.land(), None
            self.trouble.note(outcome)
            self.report(outcome)
        if prepared is not None:
            self.post(prepared)
        return batch is not None or self.in_the_air is not None


READY_TRIES = 4


def _get_ready(worker: _Worker, sleep: Callable[[float], object]) -> bool:
    """Do the provider's step before the first batch (store the send's template). Refused for
    now: try again a few times; refused for good, or for now too long: pause the send with the
    reason (nobody was sent anything) and return False."""
    for attempt in range(1, READY_TRIES + 1):
        try:
            worker.provider.ready(worker.send_id, worker.content, worker.connection)
            return True
        except Exception as error:
            kind = worker.provider.classify(error)
            if kind != ErrorKind.REFUSED or attempt == READY_TRIES or stop_requested.is_set():
                reason = gettext(
                    "The provider did not take this send's template (%(error)s). Nobody was "
                    "sent anything by this worker: fix the cause, then resume."
                ) % {"error": f"{type(error).__name__}: {error}"[:300]}
                pause_send(worker.send_id, reason)
                return False
            sleep(2.0**attempt)
    return False


def run_send(
    send_id: int,
    *,
    on_progress: Callable[[BatchOutcome], None] | None = None,
    sleep: Callable[[float], object] = stop_requested.wait,
) -> None:
    """Send batches of the send until none is left (a worker; run several at once).

    On SIGTERM or SIGINT (in a process's main thread; see :mod:`newsletter.sending.shutdown`)
    the worker claims no new batch, records the call in the air, puts a batch claimed but not
    posted back in the queue and returns, leaving the send ``sending`` for another worker.
    """
    with stop_on_signals():
        _send_until_done(send_id, on_progress, sleep)


def _send_until_done(
    send_id: int,
    on_progress: Callable[[BatchOutcome], None] | None,
    sleep: Callable[[float], object],
) -> None:
    """The worker loop of :func:`run_send`.

    Pipelined: while one batch's provider call is in the air, in a second thread that does no
    database work, this thread claims and reads the next batch; when the call lands it records
    the outcome, then starts the next call. So a worker has at most one batch in flight (and one
    claimed, which goes back to the queue if the worker dies), every call starts after its
    batch is committed in flight (:func:`start_posting`), and a worker that dies leaves at most
    one batch's outcome unknown, as one that sends a batch at a time. Batches another worker
    left past their lease are recovered when the worker starts and whenever it waits.
    """
    send = Dispatch.objects.get(pk=send_id)
    recover_stale_batches(send_id)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsletter-post") as poster:
        worker = _Worker(send, on_progress or (lambda outcome: None), poster)
        if not _get_ready(worker, sleep):
            return
        if worker.provider.reuses_connection:  # one HTTP session / boto3 client for every call
            with contextlib.suppress(Exception):  # not open: each call opens its own
                worker.connection.open()
        try:
            while True:
                if worker.step():
                    continue
                if stop_requested.is_set():  # the call in the air has landed: leave
                    finish_if_done(send_id)
                    return
                next_try = _waiting_for_backoff(send_id)
                status = Dispatch.objects.values_list("status", flat=True).get(pk=send_id)
                if next_try is None or status != Dispatch.Status.SENDING:
                    finish_if_done(send_id)
                    return
                sleep(max(0.05, min(5.0, (next_try - timezone.now()).total_seconds())))
                recover_stale_batches(send_id)
        except BaseException:
            _land_before_leaving(worker.in_the_air)
            raise
        finally:
            with contextlib.suppress(Exception):
                worker.connection.close()
