"""An editor with the send permission sends an issue from the admin and watches the progress bar.

The confirm request only queues the send (the database task backend), so the progress page opens
on "Sending" with Pause and Cancel offered. Then a worker sends it while the page stays open, and
the page follows without a reload: the bar moves, the status turns to "Sent", Pause and Cancel
disappear. On PostgreSQL the worker is a real ``db_worker`` process sending through the loopback
Mailgun server. On SQLite (one in-memory database that another process cannot share, and that the
live server's thread shares with the test's) it is ``db_worker --batch`` run in the test's thread
while the page's requests are held in the browser.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from newsletter.models import Delivery
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)
from tests.newsletter.sending.conftest import add_subscribers, supporters  # noqa: F401
from tests.support.fake_mailgun import FakeMailgun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres:", "postgresql:"))
RECIPIENTS = 600


class RequestGate:
    """Hold the page's requests in the browser while closed (Playwright routing).

    With SQLite's in-memory test database the live server's thread uses this thread's database
    connection, which two threads must not use at once. While the gate is closed, this thread
    has the database to itself: the page's progress poll waits in the browser (it polls one
    request at a time), and goes on when the gate opens.
    """

    def __init__(self, page):
        self.page = page
        self.open = True
        self.held = []
        page.route("**/*", self._route)

    def _route(self, route) -> None:
        if self.open:
            route.continue_()
        else:
            self.held.append(route)

    @contextlib.contextmanager
    def closed(self):
        self.open = False
        deadline = time.monotonic() + 15
        while not any("progress.json" in route.request.url for route in self.held):
            assert time.monotonic() < deadline, "the progress page stopped polling"
            self.page.wait_for_timeout(50)  # lets Playwright deliver the page's requests
        try:
            yield
        finally:
            self.open = True
            for route in self.held:
                route.continue_()
            self.held.clear()


def run_db_worker_here() -> None:
    """``manage.py db_worker --batch`` in this process (it installs signal handlers: restore)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_send_from_the_admin_with_a_live_progress_bar(
    live_server,
    page,
    artifacts,
    django_user_model,
    settings,
    roles,
    issue,  # noqa: F811
    supporters,  # noqa: F811
):
    add_subscribers(supporters, RECIPIENTS)
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"])
    with FakeMailgun() as mailgun:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = mailgun.anymail_settings()
        settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 50}
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        gate = None if ON_POSTGRES else RequestGate(page)

        page.goto(live_server.url + "/admin/login/")
        page.get_by_label("Username").fill("sender")
        page.get_by_label("Password").fill("pw-sender-1")
        page.get_by_role("button", name="Sign in").click()
        page.goto(live_server.url + reverse("newsletter_sending:new", args=[issue.pk]))
        page.get_by_label(re.compile("Supporters")).check()
        page.get_by_role("button", name="Review").click()
        review = page.locator("#send-review").inner_text()
        assert f"{RECIPIENTS} recipients" in review
        page.screenshot(path=str(artifacts / "send-review.png"))
        page.get_by_role("button", name=f"Send to {RECIPIENTS} recipients").click()
        page.wait_for_url(re.compile(r"/admin/newsletter/sends/\d+/$"))
        progress = page.locator("#send-progress")
        actions = page.locator("#send-actions")
        pause = actions.get_by_role("button", name="Pause")
        cancel = actions.get_by_role("button", name="Cancel the rest")

        # Queued, not sent yet: the actions of a running send are offered.
        assert progress.locator('[data-field="status_label"]').inner_text() == "Sending"
        assert progress.locator('[data-field="sent"]').inner_text() == "0"
        assert pause.is_visible() and cancel.is_visible()
        assert actions.get_by_role("button", name="Resume").is_hidden()
        assert actions.get_by_role("button", name=re.compile("Re-send")).is_hidden()
        page.evaluate("window.sameDocument = true")  # gone if the page reloads

        if ON_POSTGRES:
            from tests.newsletter.sending.test_workers import start_worker, worker_env

            mailgun.latency = 0.25
            worker = start_worker(worker_env(mailgun, NEWSLETTER_BATCH_SIZE_MAILGUN="50"))
            page.wait_for_function(
                "Number(document.querySelector('[data-field=\"sent\"]').textContent) > 0"
            )
            page.screenshot(path=str(artifacts / "send-progress-moving.png"))
            worker.communicate(timeout=120)
        else:
            with gate.closed():
                run_db_worker_here()

        page.wait_for_function(
            "document.querySelector('[data-field=\"status_label\"]').textContent === 'Sent'",
            timeout=60_000,
        )
        # The same poll that turned the status to "Sent" hid the actions; no reload.
        assert pause.is_hidden() and cancel.is_hidden()
        assert actions.locator("form[data-action]:not([hidden])").count() == 0
        assert page.evaluate("window.sameDocument === true")
        assert progress.locator('[data-field="sent"]').inner_text() == str(RECIPIENTS)
        assert page.locator('progress[data-field="bar"]').get_attribute("value") in ("100", "100.0")
        page.screenshot(path=str(artifacts / "send-progress-done.png"), full_page=True)
        assert len(mailgun.delivery_counts()) == RECIPIENTS
    assert Delivery.objects.filter(status="sent").count() == RECIPIENTS
