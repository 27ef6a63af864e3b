"""A dependency that may be down (a cache server): one warning when it fails, one when it
answers again, and a pause between tries so that a server that hangs does not slow every call.

Used by the subscribe rate limiter, the render cache and the host project's fallback cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class Outage:
    """Whether a dependency is known to be down; safe to share between threads.

    ``down`` is logged (with ``%s`` replaced by the error) when calls start failing, ``up``
    when one succeeds again; while down, :meth:`skip` says not to try for ``retry_seconds``.
    """

    def __init__(
        self,
        down: str,
        up: str,
        *,
        retry_seconds: float = 0.0,
        log: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.down_message, self.up_message = down, up
        self.retry_seconds = retry_seconds
        self.log = log or logging.getLogger(__name__)
        self.clock = clock
        self.down = False
        self.retry_at = 0.0
        self._lock = threading.Lock()

    def skip(self) -> bool:
        """True while the dependency is down and it is not yet time to try it again."""
        return self.down and self.clock() < self.retry_at

    def failed(self, error: BaseException) -> None:
        """A call failed: warn if this starts an outage, and wait before the next try."""
        with self._lock:
            self.retry_at = self.clock() + self.retry_seconds
            if self.down:
                return
            self.down = True
        self.log.warning(self.down_message, f"{type(error).__name__}: {error}")

    def answered(self) -> None:
        """A call succeeded: warn once if this ends an outage."""
        if not self.down:
            return
        with self._lock:
            was_down, self.down = self.down, False
        if was_down:
            self.log.warning(self.up_message)

    def reset(self) -> None:
        """Forget any outage (tests)."""
        with self._lock:
            self.down = False
            self.retry_at = 0.0


def enqueue_or_call(task, *args, what: str, log: logging.Logger, **kwargs) -> None:
    """Queue ``task`` with these arguments; if the queue can't take it (Redis down with the
    ``rq`` backend), run it here instead, with a warning naming ``what`` ("a sign-up"): the
    work is not lost to an outage of the queue (its timing then is not uniform)."""
    try:
        task.enqueue(*args, **kwargs)
    except Exception:  # any backend's connection error: do the work now
        log.warning("Could not queue %s; doing it in the request", what, exc_info=True)
        task.call(*args, **kwargs)
