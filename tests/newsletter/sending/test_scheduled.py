"""A send scheduled for a time ("At a time" in the send form), end to end with the database
task backend: the form queues ``start_scheduled`` with ``run_after``, a real ``db_worker`` runs it
when it is due and not before, the audience is frozen then (not when it was scheduled), and
everyone gets the issue exactly once.

On PostgreSQL the worker is a ``manage.py db_worker`` process, started (and polling) before the
send is scheduled, sending through the loopback Mailgun server in this process. On SQLite (an
in-memory test database no other process can open) the same command runs in this process.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import threading

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsletter.models import Delivery, Dispatch, Suppression
from tests.newsletter.sending.conftest import add_subscribers
from tests.newsletter.sending.test_workers import (  # noqa: F401 (fixtures)
    ROOT,
    database_tasks,
    mailgun,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ON_POSTGRES = os.environ.get("DATABASE_URL", "").split(":")[0] in ("postgres", "postgresql")
LEAD_SECONDS = 4  # how far ahead the send is scheduled
WORKER_ARGS = ["--max-tasks", "1", "--interval", "0.1", "--no-startup-delay", "--no-reload"]


class WorkerProcess:
    """``manage.py db_worker`` that runs one task then exits; ``started`` once it polls."""

    def __init__(self, env: dict[str, str]):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", *WORKER_ARGS, "-v", "1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.started = threading.Event()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)
            if "Starting worker" in line:  # logged just before its first look at the queue
                self.started.set()

    def wait(self, timeout: float) -> str:
        self.process.wait(timeout=timeout)
        return "".join(self.log)[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def run_worker_here(timeout: int) -> None:
    """The same command in this process (SQLite), with an alarm in case the task never runs."""

    def too_long(signum, frame):
        raise TimeoutError(f"db_worker ran no task in {timeout} s")

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous_alarm = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(timeout)
    try:
        call_command("db_worker", *WORKER_ARGS, verbosity=0)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous_alarm)
        for sig, handler in handlers.items():  # db_worker installs its own
            signal.signal(sig, handler)


@pytest.fixture
def sender(django_user_model, roles):
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"])
    return user


def test_a_scheduled_send_waits_for_its_time_then_reaches_everyone_once(
    client,
    sender,
    issue,
    supporters,
    mailgun,  # noqa: F811
    database_tasks,  # noqa: F811
):
    add_subscribers(supporters, 250)  # three batches of 100
    worker = None
    if ON_POSTGRES:  # already polling the queue when the send is scheduled
        worker = WorkerProcess(worker_env(mailgun))
        assert worker.started.wait(timeout=60), "".join(worker.log)[-2000:]
    try:
        # Schedule through the send form, a few seconds from now, in the site's time zone.
        at = timezone.localtime() + datetime.timedelta(seconds=LEAD_SECONDS)
        client.force_login(sender)
        response = client.post(
            reverse("newsletter_sending:new", args=[issue.pk]),
            {
                "lists": [supporters.pk],
                "when": "later",
                "scheduled_for": at.strftime("%Y-%m-%dT%H:%M:%S"),
                "confirm": "1",
            },
        )
        dispatch = Dispatch.objects.get()
        assert response.status_code == 302, response.content.decode()[-2000:]

        # Right after scheduling: queued for the time, nothing frozen, nothing sent.
        task = DBTaskResult.objects.get()
        assert task.task_path == "newsletter.sending.tasks.start_scheduled"
        assert task.status == "READY" and task.run_after == dispatch.scheduled_for
        assert dispatch.scheduled_for == at.replace(microsecond=0)
        assert dispatch.status == Dispatch.Status.SCHEDULED
        assert not dispatch.deliveries.exists() and not dispatch.batches.exists()
        assert mailgun.calls == []
        state = client.get(reverse("newsletter_sending:progress", args=[dispatch.pk])).json()
        assert state["status"] == "scheduled" and state["actions"] == ["cancel"]

        # The audience is taken at the send time: a newcomer is in, a suppressed address out.
        add_subscribers(supporters, 1, prefix="newcomer")
        Suppression.objects.create(email="reader0@example.org", reason="complaint")

        if worker:
            log = worker.wait(timeout=120)
            assert worker.process.returncode == 0, log
        else:
            run_worker_here(timeout=120)
    finally:
        if worker:
            worker.stop()

    task.refresh_from_db()
    dispatch.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.traceback
    assert task.started_at >= task.run_after  # the worker did not take it early
    calls = mailgun.calls
    assert calls and min(call["time"] for call in calls) >= dispatch.scheduled_for.timestamp()
    assert dispatch.started_at >= dispatch.scheduled_for

    expected = {f"reader{n}@example.org" for n in range(1, 250)} | {"newcomer0@example.org"}
    counts = mailgun.delivery_counts()
    assert set(counts) == expected and set(counts.values()) == {1}  # everyone, once
    assert dispatch.status == Dispatch.Status.SENT and dispatch.total == 250
    assert Delivery.objects.filter(dispatch=dispatch, status="sent").count() == 250
