"""Workers stop cleanly on SIGTERM and Ctrl-C, with real processes and real signals.

A send runs in a real process (``manage.py newsletter_send --wait``, or ``make worker``, which
runs ``db_worker``) through Anymail's Mailgun backend to the loopback Mailgun server in this
test process, slowed down so that the send takes several seconds. The signal arrives mid-send:
the process must exit, leave no batch in flight or claimed (nobody's outcome unknown), and
``newsletter_resume --wait`` must then deliver the rest, everyone exactly once.

On PostgreSQL the processes use the test database. On SQLite (an in-memory test database that no
other process can open) the test copies it to a file for them, and copies the file back after.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from newsletter.models import Batch, Delivery, Dispatch
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from tests.newsletter.sending.conftest import add_subscribers
from tests.newsletter.sending.test_workers import (  # noqa: F401 (fixtures)
    ROOT,
    database_tasks,
    mailgun,
)
from tests.support.fake_mailgun import FakeMailgun

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The processes run the host project's manage.py and `make worker` (site/ settings).
    pytest.mark.skipif(
        not apps.is_installed("hostsite"), reason="drives the host project's manage.py"
    ),
]

READERS = 1_000  # 10 batches of 100
LATENCY = 0.3  # seconds per provider call: the send takes several seconds
SAFETY_TIMEOUT = 120  # seconds; a process still running then has not stopped


@contextlib.contextmanager
def shared_database() -> Iterator[str]:
    """A DATABASE_URL other processes can use for the test database (see the module doc)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        server = f"{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        yield f"postgres://{server}/{db['NAME']}"
        return
    connection.ensure_connection()
    memory = connection.connection
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shared.sqlite3"
        with contextlib.closing(sqlite3.connect(path)) as file:
            memory.backup(file)
        try:
            yield f"sqlite:///{path}"
        finally:
            with contextlib.closing(sqlite3.connect(path)) as file:
                file.backup(memory)


def child_env(server: FakeMailgun, database_url: str) -> dict[str, str]:
    env = {**os.environ, **server.environment()}
    env.pop("DEBUG", None)
    env.update(
        DATABASE_URL=database_url,
        TASKS_BACKEND="database",
        NEWSLETTER_BATCH_SIZE_MAILGUN="100",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def stop_mid_send(process: subprocess.Popen, server: FakeMailgun, signum: int) -> str:
    """Once a few batches are out, send ``signum`` to the process; its output once it exited."""
    assert server.wait_for_deliveries(200, timeout=SAFETY_TIMEOUT), "the send never started"
    assert process.poll() is None, "the send finished before the signal: slow the server down"
    process.send_signal(signum)
    try:
        output, _ = process.communicate(timeout=SAFETY_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return output


def resume(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "newsletter_resume", "--wait"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SAFETY_TIMEOUT,
    )  # fmt: skip


def assert_stopped_cleanly(server: FakeMailgun) -> Dispatch:
    """After the stop: nothing held, nothing unknown, nobody twice, and the send not over."""
    send = Dispatch.objects.get()
    assert send.status == Dispatch.Status.SENDING  # left for another worker to carry on
    held = Batch.objects.filter(status__in=[Batch.Status.IN_FLIGHT, Batch.Status.CLAIMED])
    assert not held.exists()
    assert not Batch.objects.filter(status=Batch.Status.UNKNOWN).exists()
    counts = server.delivery_counts()
    assert set(counts.values()) == {1}
    sent = set(Delivery.objects.filter(status="sent").values_list("email", flat=True))
    assert sent == set(counts)  # every call that went out was recorded
    assert 0 < len(sent) < READERS
    return send


def assert_everyone_once(server: FakeMailgun) -> None:
    counts = server.delivery_counts()
    assert len(counts) == READERS and set(counts.values()) == {1}
    assert Delivery.objects.filter(status="sent").count() == READERS
    assert Dispatch.objects.get().status == Dispatch.Status.SENT


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 128 + 15), (signal.SIGINT, 128 + 2)]
)
def test_newsletter_send_stops_on_a_signal_and_resume_sends_the_rest_once(
    issue,
    supporters,
    mailgun,  # noqa: F811
    signum,
    status,
):
    add_subscribers(supporters, READERS)
    mailgun.latency = LATENCY
    with shared_database() as url:
        env = child_env(mailgun, url)
        sender = manage("newsletter_send", str(issue.pk), "--list", "supporters", "--wait",
                        env=env, start_new_session=True)  # fmt: skip
        output = stop_mid_send(sender, mailgun, signum)
    assert sender.returncode == status, output[-2000:]
    assert "finishing the batch in hand" in output
    assert_stopped_cleanly(mailgun)

    with shared_database() as url:
        resumed = resume(child_env(mailgun, url))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_everyone_once(mailgun)


def test_sigterm_to_make_worker_reaches_db_worker_which_stops_cleanly(
    issue,
    supporters,
    mailgun,  # noqa: F811
    database_tasks,  # noqa: F811
):
    add_subscribers(supporters, READERS)
    mailgun.latency = LATENCY
    start(create_send(issue, [supporters]), workers=1)  # a task for the worker
    with shared_database() as url:
        # -o: never reinstall the virtualenv from the test, whatever the stamp's age
        make = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "worker",
             f"PY={sys.executable}"],
            cwd=ROOT, env=child_env(mailgun, url), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        output = stop_mid_send(make, mailgun, signal.SIGTERM)  # to make only, as systemd does
        with pytest.raises(ProcessLookupError):  # db_worker is gone too, not left behind
            os.killpg(make.pid, 0)
    assert "shutting down gracefully" in output, output[-2000:]
    assert_stopped_cleanly(mailgun)

    with shared_database() as url:
        resumed = resume(child_env(mailgun, url))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_everyone_once(mailgun)
