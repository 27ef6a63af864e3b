"""The worker loop: claim a batch, post it, record what happened, until none is left.

Run several workers on one send at once (``newsletter_send --workers``, the task backend's
workers): each claims different batches, and no recipient is ever posted twice.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from newsletter.issues.messages import Content
from newsletter.models import Batch, Dispatch
from newsletter.sending.batches import (
    LinkMaker,
    PreparedBatch,
    RecipientQuery,
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
from newsletter.sending.providers import (
    ErrorKind,
    InlineMergeProvider,
    MessagePerRecipientProvider,
    Provider,
    Results,
    TemplateBatchProvider,
    provider_named,
)
from newsletter.sending.shutdown import release, stop_on_signals, stop_requested

logger = logging.getLogger(__name__)

# This app's providers, which make every request through the connection they are given: their
# calls can be handed to the poster thread early, held at a gate (a NEWSLETTER_PROVIDER of the
# project's own is started only once its batch is in flight, as it always was).
GATED_PROVIDERS = (InlineMergeProvider, TemplateBatchProvider, MessagePerRecipientProvider)


def _waiting_for_backoff(send_id: int) -> datetime.datetime | None:
    return (
        Batch.objects.filter(dispatch_id=send_id, status=Batch.Status.QUEUED)
        .order_by("not_before")
        .values_list("not_before", flat=True)
        .first()
    )


class NotPosted(Exception):
    """A call handed to the poster thread whose batch was not to be posted after all (the
    worker stopped, the send paused): raised before any request reached the provider."""


class _Gate:
    """Holds the requests of a call handed to the poster thread before its batch is committed
    in flight, until the worker says go (the batch is in flight) or not (nothing is sent: the
    call raises :class:`NotPosted`). Meanwhile the poster builds the request."""

    current = threading.local()  # .gate: the gate of the call this thread is making

    def __init__(self) -> None:
        self._decided = threading.Event()
        self._go = False

    def decide(self, go: bool) -> None:
        """Let the call's requests go, or not. Only the first decision counts."""
        if not self._decided.is_set():
            self._go = go
            self._decided.set()

    def wait(self) -> None:
        """Until decided; then return if the call may go, else raise :class:`NotPosted`."""
        self._decided.wait()
        if not self._go:
            raise NotPosted("the batch was not committed in flight")


def _gate_requests(connection) -> bool:
    """Make each request ``connection`` sends wait for the gate of the call its thread is
    making, if any. Anymail's backends send every request to the provider through
    ``post_to_esp``, once its payload is built; other connections can't be gated (False)."""
    post = getattr(connection, "post_to_esp", None)
    if not callable(post):
        return False

    def post_when_let_go(payload, message):
        gate = getattr(_Gate.current, "gate", None)
        if gate is not None:
            gate.wait()
        return post(payload, message)

    connection.post_to_esp = post_when_let_go
    return True


def _call(gate: _Gate | None, provider: Provider, content: Content, recipients, connection):
    """In the poster thread: the provider's send, its requests held at ``gate`` (if any)."""
    _Gate.current.gate = gate
    try:
        return provider.send(content, recipients, connection)
    finally:
        _Gate.current.gate = None


@dataclass
class _Handed:
    """A call handed to the poster thread early, held at its gate."""

    gate: _Gate
    call: Future[Results]


@dataclass
class _InTheAir:
    """A provider call running in the poster thread."""

    prepared: PreparedBatch
    provider: Provider
    call: Future

    def land(self, then_in_flight: Batch | None = None) -> BatchOutcome:
        """Wait for the call, then record its outcome (in the calling thread), committing
        ``then_in_flight`` in flight with it where it can (see :func:`record_outcome`)."""
        try:
            results = self.call.result()
        except Exception as error:
            return record_outcome(self.prepared, self.provider, error=error)
        return record_outcome(self.prepared, self.provider, results, then_in_flight=then_in_flight)


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
        # The send's content by version (language): each batch is in one of them.
        self.contents = Content.versions_of_send(send)
        # The versions some batch is in: only those need a template stored at the provider.
        batches = Batch.objects.filter(dispatch_id=send.pk)
        self.languages = set(batches.values_list("language", flat=True).distinct())
        self.provider = provider_named(send.provider)
        self.connection = self.provider.connection()
        # Calls may be handed over early (see :meth:`hand_over`)?
        self.gated = type(self.provider) in GATED_PROVIDERS and _gate_requests(self.connection)
        self.links = LinkMaker()
        self.recipients = RecipientQuery(send.pk)
        self.report = report
        self.poster = poster
        self.in_the_air: _InTheAir | None = None
        self.trouble = TroubleWatch(send.pk)  # pauses the send on repeated throttling

    def content_of(self, prepared: PreparedBatch) -> Content:
        """What the batch's readers get: the send's version in their language, else its own."""
        return self.contents.get(prepared.batch.language, self.contents[""])

    def claim(self) -> Batch | None:
        """The next batch to send, or None (also when the worker was asked to stop)."""
        return None if stop_requested.is_set() else claim_batch(self.send_id)

    def put_back(self, prepared: PreparedBatch) -> None:
        """Stopping: return a claimed batch to the queue unposted (nobody got it)."""
        release(prepared.batch)
        self.report(BatchOutcome(skipped=prepared.skipped))

    def hand_over(self, prepared: PreparedBatch) -> _Handed | None:
        """Hand a claimed batch's call to the poster thread now, its requests held at a gate
        until :meth:`post` has committed the batch in flight: the poster builds the request
        (queued behind the call in the air) while this thread records that call. None when
        the connection can't be gated or there is nobody to post to."""
        if not self.gated or not prepared.recipients or stop_requested.is_set():
            return None
        gate = _Gate()
        call = self.poster.submit(
            _call,
            gate,
            self.provider,
            self.content_of(prepared),
            prepared.recipients,
            self.connection,
        )
        return _Handed(gate, call)

    def post(self, prepared: PreparedBatch, handed: _Handed | None = None) -> None:
        """Commit the batch in flight (unless it already is: committed with the outcome of the
        call before) and let its call go (start it in the poster thread if it was not handed
        over), or finish it if nobody is left. A handed-over call that is not let go here is
        refused by the caller (:meth:`step`)."""
        if prepared.batch.status != Batch.Status.IN_FLIGHT:
            if stop_requested.is_set():
                return self.put_back(prepared)
            if not prepared.recipients:
                return self.report(finish_empty(prepared))
            if not start_posting(prepared.batch):
                return self.report(BatchOutcome(skipped=prepared.skipped))
        if handed is None:
            call = self.poster.submit(
                _call,
                None,
                self.provider,
                self.content_of(prepared),
                prepared.recipients,
                self.connection,
            )
        else:
            handed.gate.decide(True)
            call = handed.call
        self.in_the_air = _InTheAir(prepared, self.provider, call)

    def step(self) -> bool:
        """Claim and read the next batch and hand its call over, land the call in the air,
        commit the next batch in flight and let its call go, then report the landed call's
        outcome (the provider is not kept waiting for the report). Returns whether there was
        anything to do.

        The order keeps one batch in flight: the next batch's request waits at its gate until
        the call before has landed and been recorded and the next batch is committed in
        flight; only its payload is built before."""
        batch = self.claim()
        prepared = prepare_batch(batch, self.links, self.recipients) if batch else None
        handed = self.hand_over(prepared) if prepared is not None else None
        landed = None
        try:
            if self.in_the_air is not None:
                # The next batch goes in flight with the outcome when everyone was accepted.
                ready = bool(prepared and prepared.recipients) and not stop_requested.is_set()
                landed = self.in_the_air.land(prepared.batch if ready else None)
                self.in_the_air = None
                self.trouble.note(landed)  # may pause the send: then the next is not posted
            if prepared is not None:
                self.post(prepared, handed)
        finally:
            if handed is not None:
                handed.gate.decide(False)  # not let go (stopping, paused, an error): refused
        if landed is not None:
            self.report(landed)
        return batch is not None or self.in_the_air is not None


READY_TRIES = 4


def _get_ready(worker: _Worker, sleep: Callable[[float], object]) -> bool:
    """Do the provider's step before the first batch (store the send's template). Refused for
    now: try again a few times; refused for good, or for now too long: pause the send with the
    reason (nobody was sent anything) and return False."""
    for attempt in range(1, READY_TRIES + 1):
        try:
            for version, content in worker.contents.items():
                if version in worker.languages:
                    worker.provider.ready(worker.send_id, content, worker.connection)
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
    with stop_on_signals(), _older_objects_set_aside(), _quick_thread_switches():
        _send_until_done(send_id, on_progress, sleep)


# While a worker sends, the poster thread builds requests (CPU) as this thread talks to the
# database (waits): each time a query returns, this thread needs the interpreter lock back, and
# Python's default switch interval (5 ms) could keep it waiting that long, once per statement.
SWITCH_INTERVAL_SECONDS = 0.0005


@contextlib.contextmanager
def _quick_thread_switches() -> Iterator[None]:
    """Let a thread that waited on the database or the network run again within 0.5 ms
    (instead of 5) while the other thread computes; the interval is restored afterwards."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@contextlib.contextmanager
def _older_objects_set_aside() -> Iterator[None]:
    """While a worker sends, the cyclic garbage collector's full passes leave out the objects
    that existed before (Django's, the site's modules': most of the process's), which they
    would otherwise walk through a few times per 100,000 recipients, holding up both threads.
    Only when they are collected changes: afterwards they are looked at again as before, unless
    the process had frozen its start-up objects (``manage.py`` does): then what survives a
    collection is frozen again, so the process's exit does not walk them all (0.4 s)."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if frozen_before:
            gc.collect()
            gc.freeze()


def _send_until_done(
    send_id: int,
    on_progress: Callable[[BatchOutcome], None] | None,
    sleep: Callable[[float], object],
) -> None:
    """The worker loop of :func:`run_send`.

    Pipelined: while one batch's provider call is in the air, in a second thread that does no
    database work, this thread claims and reads the next batch and hands its call over (an
    Anymail connection: the poster builds its request next, held at a gate); when the call in
    the air lands it records the outcome, then commits the next batch in flight and lets its
    call go. So a worker has at most one batch in flight (and one claimed, which goes back to
    the queue if the worker dies), no request reaches the provider before its batch is
    committed in flight (:func:`start_posting`), and a worker that dies leaves at most one
    batch's outcome unknown, as one that sends a batch at a time. Batches another worker left
    past their lease are recovered when the worker starts and whenever it waits.
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
