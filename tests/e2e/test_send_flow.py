"""An editor with the send permission sends an issue from the admin and watches the progress bar.

On PostgreSQL a real ``db_worker`` process sends through the loopback Mailgun server while the
page is open, so the bar moves without a reload. On SQLite (one in-memory database that another
process cannot share) the send completes during the confirm request and the page shows the
finished state.
"""

from __future__ import annotations

import os
import re

import pytest
from django.contrib.auth.models import Group

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


def test_send_from_the_admin_with_a_live_progress_bar(
    live_server,
    page,
    artifacts,
    django_user_model,
    settings,
    issue,  # noqa: F811
    supporters,  # noqa: F811
):
    add_subscribers(supporters, RECIPIENTS)
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(Group.objects.get(name="Newsletter senders"))
    with FakeMailgun() as mailgun:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = mailgun.anymail_settings()
        settings.NEWSLETTER_BATCH_SIZES = {"mailgun": 50}
        if ON_POSTGRES:
            settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
            mailgun.latency = 0.25

        page.goto(live_server.url + "/admin/login/")
        page.get_by_label("Username").fill("sender")
        page.get_by_label("Password").fill("pw-sender-1")
        page.get_by_role("button", name="Sign in").click()
        page.goto(live_server.url + f"/admin/newsletter/issues/{issue.pk}/send/")
        page.get_by_label(re.compile("Supporters")).check()
        page.get_by_role("button", name="Review").click()
        review = page.locator("#send-review").inner_text()
        assert f"{RECIPIENTS} recipients" in review
        page.screenshot(path=str(artifacts / "send-review.png"))
        page.get_by_role("button", name=f"Send to {RECIPIENTS} recipients").click()
        page.wait_for_url(re.compile(r"/admin/newsletter/sends/\d+/$"))
        progress = page.locator("#dispatch-progress")

        if ON_POSTGRES:
            from tests.newsletter.sending.test_workers import start_worker, worker_env

            assert progress.locator('[data-field="sent"]').inner_text() == "0"
            worker = start_worker(worker_env(mailgun, NEWSLETTER_BATCH_SIZE_MAILGUN="50"))
            page.wait_for_function(
                "Number(document.querySelector('[data-field=\"sent\"]').textContent) > 0"
            )
            page.screenshot(path=str(artifacts / "send-progress-moving.png"))
            worker.communicate(timeout=120)

        page.wait_for_function(
            "document.querySelector('[data-field=\"status_label\"]').textContent === 'Sent'",
            timeout=60_000,
        )
        assert progress.locator('[data-field="sent"]').inner_text() == str(RECIPIENTS)
        assert page.locator('progress[data-field="bar"]').get_attribute("value") in ("100", "100.0")
        page.screenshot(path=str(artifacts / "send-progress-done.png"), full_page=True)
        assert len(mailgun.delivery_counts()) == RECIPIENTS
    assert Delivery.objects.filter(status="sent").count() == RECIPIENTS
