"""Several worker processes, and a worker killed mid-send (PostgreSQL: row locks, real processes).

Workers are real ``manage.py db_worker`` processes (django-tasks-db) sending through Anymail's
Mailgun backend to the loopback Mailgun server in this test process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from newsletter.models import Delivery, Dispatch
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from tests.newsletter.sending.conftest import add_subscribers
from tests.support.fake_mailgun import FakeMailgun, mailgun_backend

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="several worker processes need a shared server database (run on PostgreSQL)",
    ),
]


def worker_env(server: FakeMailgun, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, **server.environment()}
    env.update(
        DATABASE_URL=url,
        TASKS_BACKEND="database",
        NEWSLETTER_BATCH_SIZE_MAILGUN="100",
        NEWSLETTER_RETRY_BASE_SECONDS="0.01",
    )
    env.update(extra)
    return env


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "-v", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 100}


@pytest.fixture
def mailgun(settings):
    """The loopback Mailgun, without the quick retries of ``sending/conftest.py``."""
    with mailgun_backend(settings) as server:
        yield server


@pytest.mark.parametrize("workers", [2, 4])
def test_parallel_workers_never_send_anyone_twice(
    issue, supporters, mailgun, database_tasks, workers
):
    add_subscribers(supporters, 3_000)
    mailgun.latency = 0.02  # calls overlap, so workers really compete for batches
    dispatch = create_send(issue, [supporters])
    start(dispatch, workers=workers)

    env = worker_env(mailgun)
    processes = [start_worker(env) for _ in range(workers)]
    for process in processes:
        _, stderr = process.communicate(timeout=240)
        assert process.returncode == 0, stderr.decode()[-2000:]

    counts = mailgun.delivery_counts()
    assert len(counts) == 3_000 and set(counts.values()) == {1}
    assert Delivery.objects.filter(status="sent").count() == 3_000
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    claimed_by = set(dispatch.batches.values_list("claim_token", flat=True))
    assert len(claimed_by) == 30  # every batch claimed exactly once


def test_redis_workers_on_several_machines_share_a_send(issue, supporters, mailgun, settings):
    """Scale-out: the RQ backend, tasks in Redis, two ``rqworker`` processes."""
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 100}
    add_subscribers(supporters, 1_000)
    dispatch = create_send(issue, [supporters])
    start(dispatch, workers=2)

    env = worker_env(mailgun, TASKS_BACKEND="rq", REDIS_URL=redis_url)
    command = [sys.executable, "manage.py", "rqworker", "default", "--burst",
               "--job-class", "django_tasks_rq.Job"]  # fmt: skip
    workers = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=240)
        assert worker.returncode == 0, stderr.decode()[-2000:]

    counts = mailgun.delivery_counts()
    assert len(counts) == 1_000 and set(counts.values()) == {1}
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT


def test_a_worker_killed_mid_send_causes_no_duplicate_and_loses_nobody(
    issue, supporters, mailgun, database_tasks
):
    add_subscribers(supporters, 2_000)
    mailgun.latency = 0.2
    dispatch = create_send(issue, [supporters])
    start(dispatch, workers=1)
    env = worker_env(mailgun)

    worker = start_worker(env)
    mailgun.wait_for_deliveries(300, timeout=60)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    time.sleep(0.3)  # let a call that was in the air land at the provider

    # Restart: recover what the dead worker held (it is certainly dead: no lease to wait for),
    # then a fresh worker finishes the queue.
    subprocess.run(
        [sys.executable, "manage.py", "newsletter_resume", str(dispatch.pk)],
        cwd=ROOT, env={**env, "NEWSLETTER_BATCH_LEASE_SECONDS": "0"}, check=True,
        capture_output=True,
    )  # fmt: skip
    restarted = start_worker(env)
    _, stderr = restarted.communicate(timeout=240)
    assert restarted.returncode == 0, stderr.decode()[-2000:]

    counts = mailgun.delivery_counts()
    assert set(counts.values()) == {1}  # nobody twice
    statuses = dict(Delivery.objects.values_list("email", "status"))
    assert set(statuses.values()) <= {"sent", "unknown"}  # every delivery has an ending
    sent = {e for e, s in statuses.items() if s == "sent"}
    unknown = {e for e, s in statuses.items() if s == "unknown"}
    assert sent <= set(counts)  # what we call sent, the provider has
    assert set(counts) - sent <= unknown  # what the provider has beyond that is flagged
    assert len(unknown) <= 100  # at most the one batch that was in flight
    assert len(sent) + len(unknown) == 2_000


TEMPLATE_PROVIDERS = {
    "postmark": ("fake_postmark", "FakePostmark", 100),
    "amazon_ses": ("fake_ses", "FakeSES", 50),
    "brevo": ("fake_brevo", "FakeBrevo", 100),
}


@pytest.mark.parametrize("name", list(TEMPLATE_PROVIDERS))
def test_a_worker_killed_mid_send_through_a_stored_template_sends_nobody_twice(
    issue, supporters, database_tasks, settings, name
):
    """Postmark, SES and Brevo batch through the send's stored template: a worker killed
    mid-send and a fresh one after it (which reuses the template) send nobody twice."""
    import importlib

    module, cls, size = TEMPLATE_PROVIDERS[name]
    fake = getattr(importlib.import_module(f"tests.support.{module}"), cls)
    with fake() as server:
        settings.EMAIL_BACKEND = f"anymail.backends.{name}.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        settings.NEWSLETTER_BATCH_SIZES = {name: size}
        add_subscribers(supporters, 2_000)
        server.latency = 0.2
        dispatch = create_send(issue, [supporters])
        start(dispatch, workers=1)
        env = worker_env(server, **{f"NEWSLETTER_BATCH_SIZE_{name.upper()}": str(size)})

        worker = start_worker(env)
        assert server.wait_for_deliveries(300, timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        time.sleep(0.3)  # let a call that was in the air land at the provider
        subprocess.run(
            [sys.executable, "manage.py", "newsletter_resume", str(dispatch.pk)],
            cwd=ROOT, env={**env, "NEWSLETTER_BATCH_LEASE_SECONDS": "0"}, check=True,
            capture_output=True,
        )  # fmt: skip
        restarted = start_worker(env)
        _, stderr = restarted.communicate(timeout=240)
        assert restarted.returncode == 0, stderr.decode()[-2000:]

        counts = server.delivery_counts()
    methods = [c["method"] if isinstance(c, dict) else c[0] for c in server.template_calls]
    uploads = [method for method in methods if method == "POST"]
    assert set(counts.values()) == {1}  # nobody twice
    assert len(uploads) == 1  # the second worker reused the stored template
    statuses = dict(Delivery.objects.values_list("email", "status"))
    sent = {e for e, s in statuses.items() if s == "sent"}
    unknown = {e for e, s in statuses.items() if s == "unknown"}
    assert sent <= set(counts) and set(counts) - sent <= unknown
    assert len(unknown) <= size and len(sent) + len(unknown) == 2_000
