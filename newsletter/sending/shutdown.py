"""Stopping a worker cleanly on SIGTERM or SIGINT (systemd, Kubernetes, Ctrl-C).

While :func:`newsletter.sending.worker.run_send` runs in the main thread of a process,
:func:`stop_on_signals` installs handlers that only *ask* the worker to stop
(:data:`stop_requested`): it claims no new batch, lands the call in the air and records its
outcome, puts a batch it claimed but has not posted back in the queue, and returns, leaving the
send ``sending`` for another worker or ``newsletter_resume``.

The handlers cooperate with whatever was installed before them. A handler of Python code (such
as ``db_worker``'s, which then takes no further task and exits after this one) is called too, on
every signal. When there was none (``newsletter_send --wait``, ``newsletter_resume --wait``), the
default action is put off until the worker is out of the loop: the process then exits with
status 128 + the signal's number; a second signal stops it at once.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType

from django.db.models import F

from newsletter.models import Batch
from newsletter.sending.batches import held

logger = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)
Handler = Callable[[int, FrameType | None], object] | int | None


class StopRequest:
    """A flag set from a signal handler, read by the worker loop between batches.

    Not a :class:`threading.Event`: setting one takes a lock, which a handler running in the
    thread that holds it would wait for forever. Assigning an attribute is safe anywhere.
    """

    def __init__(self) -> None:
        self.signum: int | None = None

    def set(self, signum: int = signal.SIGTERM) -> None:
        """Ask the worker to stop (the signal's number says why)."""
        self.signum = signum

    def clear(self) -> None:
        self.signum = None

    def is_set(self) -> bool:
        return self.signum is not None

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking early (within 0.1 s) once a stop is asked for."""
        deadline = time.monotonic() + seconds
        while not self.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(0.1, left))
        return self.is_set()


#: Set when the process was asked to stop; checked by the worker loop between batches.
stop_requested = StopRequest()


def _chains_to(previous: Handler) -> bool:
    """Whether ``previous`` is a handler of Python code to call as well (not a default)."""
    return callable(previous) and previous is not signal.default_int_handler


class _Handlers:
    """Our handlers for SIGTERM and SIGINT, and the ones they replaced."""

    def __init__(self) -> None:
        self.previous: dict[int, Handler] = {}
        self.received: int | None = None  # the last signal this handled

    def install(self) -> None:
        for signum in SIGNALS:
            previous = signal.getsignal(signum)
            if previous is signal.SIG_IGN:
                continue  # the process was told to ignore it (nohup, a background job)
            self.previous[signum] = previous
            signal.signal(signum, self.handle)

    def restore(self) -> None:
        for signum, previous in self.previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """First signal: ask the loop to stop. Chain to a previous Python handler; with none,
        a second signal stops at once, as the default would have."""
        again = self.received is not None
        self.received = signum
        stop_requested.set(signum)
        previous = self.previous.get(signum)
        if _chains_to(previous):
            previous(signum, frame)  # type: ignore[operator]
        elif again:
            raise SystemExit(128 + signum)
        else:
            logger.warning(
                "Received %s: finishing the batch in hand, then stopping (again to force).",
                signal.strsignal(signum),
            )

    def deferred_exit(self) -> None:
        """After the loop: the default action put off, if no other handler took the signal."""
        signum = self.received
        if signum is not None and not _chains_to(self.previous.get(signum)):
            raise SystemExit(128 + signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Handle SIGTERM and SIGINT as a request to stop while the block runs (main thread only;
    elsewhere nothing is installed and :data:`stop_requested` is only set by hand)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop_requested
        return
    stop_requested.clear()
    handlers = _Handlers()
    handlers.install()
    try:
        yield stop_requested
    finally:
        handlers.restore()
        stop_requested.clear()
    handlers.deferred_exit()


def release(batch: Batch) -> bool:
    """Put a batch this worker claimed but never posted back in the queue; whether it did."""
    return bool(
        held(batch, [Batch.Status.CLAIMED]).update(
            status=Batch.Status.QUEUED, claim_token="", attempts=F("attempts") - 1
        )
    )
