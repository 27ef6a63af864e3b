"""Where ``newsletter_send --wait`` spends its time: the command with its engine steps timed.

Runs ``manage.py newsletter_send ARGS...`` in this process, unchanged, after wrapping the engine
functions it goes through with timers (a few ``perf_counter`` calls per batch), and writes the
seconds spent in each step to the JSON file named by ``BENCH_PHASES_OUT``. ``bench.send`` runs it
when ``send_floor_ratio`` misses its target, to say why::

    BENCH_PHASES_OUT=phases.json python -m bench.send_phases ISSUE --list SLUG --wait

Steps of the command's thread: ``render`` (create_dispatch), ``freeze``, ``claim``,
``recipients`` (read the batch), ``links`` (signed links), ``mark`` (commit "in flight"),
``wait`` (for the provider call in the air), ``record`` (writing outcomes), ``progress`` (the
command's progress line), ``finish``; what is left of the wall time is process start-up. Steps
of the engine's poster thread, which run alongside: ``payload`` (Anymail builds the request)
and ``http`` (the POST and the provider's answer). The file holds
``{"main": {step: seconds}, "alongside": {step: seconds}}``.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import sys
import threading
import time

spent: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
_local = threading.local()


def timed(owner, attribute: str, step: str) -> None:
    """Replace ``owner.attribute`` with a wrapper adding its own time (minus nested timed
    steps) to ``spent[step]``."""
    original = getattr(owner, attribute, None)
    if original is None:
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        active = _local.__dict__.setdefault("active", [])
        thread = "main" if threading.current_thread() is threading.main_thread() else "alongside"
        active.append(step)
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - started
            active.pop()
            spent[thread][step] += elapsed
            if active:  # count it once: take it out of the enclosing step
                spent[thread][active[-1]] -= elapsed

    setattr(owner, attribute, wrapper)


def main() -> None:
    import django

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "site"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")
    django.setup()
    from concurrent.futures import Future

    from anymail.backends.base_requests import AnymailRequestsBackend
    from django.core.management import execute_from_command_line

    from newsletter.management.commands import newsletter_send as command
    from newsletter.sending import batches, providers, worker

    # Wrapped where they are called (each module imports the names it uses).
    timed(command, "create_send", "render")
    timed(command, "freeze", "freeze")
    timed(worker, "claim_batch", "claim")
    timed(worker, "recover_stale_batches", "claim")
    timed(worker, "prepare_batch", "recipients")
    timed(batches, "_recipients", "recipients")
    timed(batches.LinkMaker, "values", "links")
    timed(worker, "start_posting", "mark")
    timed(Future, "result", "wait")  # the worker waits for the call in the air
    timed(worker, "record_outcome", "record")
    timed(worker, "finish_empty", "record")
    # what the POST leaves is building the payload
    timed(providers.InlineMergeProvider, "send", "payload")
    timed(providers.MessagePerRecipientProvider, "send", "payload")
    timed(AnymailRequestsBackend, "post_to_esp", "http")
    timed(command, "progress", "progress")
    timed(command, "finish_if_done", "finish")
    timed(worker, "finish_if_done", "finish")
    timed(worker, "_waiting_for_backoff", "finish")
    try:
        execute_from_command_line(["manage.py", "newsletter_send", *sys.argv[1:]])
    finally:
        with open(os.environ["BENCH_PHASES_OUT"], "w") as out:
            json.dump({thread: dict(steps) for thread, steps in spent.items()}, out)


if __name__ == "__main__":
    main()
