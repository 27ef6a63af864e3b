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
of the engine's poster thread, which run alongside: ``payload`` (Anymail builds the request),
``gate`` (a request built early waits for its batch to be committed in flight) and ``http``
(the POST and the provider's answer). ``marks`` holds moments (``perf_counter``):
``loop_start`` when the worker first claims a batch, ``loop_end`` when it first finds none
left (it looks for batches waiting for a retry, then finishes the send); between them is the
sending loop (``*_cpu``: the command thread's CPU time then). ``cpu`` holds the CPU seconds
each thread used in its timed steps. The file holds ``{"main": {step: seconds}, "alongside":
{step: seconds}, "cpu": {thread: seconds}, "marks": {name: seconds}}``.
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
marks: dict[str, float] = {}
_local = threading.local()


def timed(owner, attribute: str, step: str, mark: str = "") -> None:
    """Replace ``owner.attribute`` with a wrapper adding its own time (minus nested timed
    steps) to ``spent[step]``; with ``mark``, the moment of its first call goes in
    ``marks[mark]``."""
    original = getattr(owner, attribute, None)
    if original is None:
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        active = _local.__dict__.setdefault("active", [])
        thread = "main" if threading.current_thread() is threading.main_thread() else "alongside"
        outermost = not active
        active.append(step)
        started, cpu = time.perf_counter(), time.thread_time()
        if mark and mark not in marks:
            marks[mark], marks[f"{mark}_cpu"] = started, cpu
        try:
            return original(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - started
            active.pop()
            spent[thread][step] += elapsed
            if outermost:  # the CPU this thread used in its timed steps
                spent["cpu"][thread] += time.thread_time() - cpu
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
    timed(worker, "claim_batch", "claim", mark="loop_start")
    timed(worker, "recover_stale_batches", "claim")
    timed(worker, "prepare_batch", "recipients")
    timed(batches, "_recipients", "recipients")  # (the engine before RecipientQuery)
    timed(getattr(batches, "RecipientQuery", None), "rows", "recipients")
    timed(batches.LinkMaker, "values", "links")  # per recipient
    timed(batches.LinkMaker, "values_of", "links")  # per batch
    timed(worker, "start_posting", "mark")
    timed(Future, "result", "wait")  # the worker waits for the call in the air
    timed(worker, "record_outcome", "record")
    timed(worker, "finish_empty", "record")
    # what the POST leaves is building the payload
    timed(providers.InlineMergeProvider, "send", "payload")
    timed(providers.MessagePerRecipientProvider, "send", "payload")
    timed(AnymailRequestsBackend, "post_to_esp", "http")
    timed(getattr(worker, "_Gate", None), "wait", "gate")  # a request held until in flight
    timed(command, "progress", "progress")
    timed(command, "finish_if_done", "finish")
    timed(worker, "finish_if_done", "finish", mark="loop_end")
    timed(worker, "_waiting_for_backoff", "finish", mark="loop_end")
    try:
        execute_from_command_line(["manage.py", "newsletter_send", *sys.argv[1:]])
    finally:
        with open(os.environ["BENCH_PHASES_OUT"], "w") as out:
            steps = {thread: dict(steps) for thread, steps in spent.items()}
            json.dump({**steps, "marks": marks}, out)


if __name__ == "__main__":
    main()
