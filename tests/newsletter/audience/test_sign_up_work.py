"""A public sign-up does the same work whoever it names, so its timing tells nothing.

The request validates and queues; the queued task looks the address up. With a task backend
that queues (the database backend, as in production), the form and the JSON API (on both its
paths) make the same database queries for a new, a pending, an active and a suppressed address.
(Times themselves are measured by ``bench/subscribe_timing.py``; a test counts queries.)
"""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from newsletter.audience import subscriptions
from newsletter.models import Subscriber, Subscription, Suppression
from tests.newsletter.conftest import subscribe_form_data

SUBSCRIBE = "/newsletter/subscribe/"
API_PATHS = {"v3": "/api/v3/newsletter/subscribe/", "old": "/api/newsletter/subscribe/"}
CASES = ("new", "pending", "active", "suppressed")


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NEWSLETTER_SUBSCRIBE_RATE = "1000/h"


@pytest.fixture
def addresses(supporters) -> dict[str, str]:
    """One address in each state."""
    consent = subscriptions.ConsentRecord()
    subscriptions.subscribe("pending@example.org", supporters, consent)
    subscriptions.add_manually(
        "active@example.org", supporters, consent, require_confirmation=False
    )
    Suppression.objects.create(email="suppressed@example.org", reason="complaint")
    return {case: f"{case}@example.org" for case in CASES}


def _queries(client, method: str, email: str, supporters) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as captured:
        if method == "form":
            response = client.post(SUBSCRIBE, subscribe_form_data(supporters, email))
        else:
            payload = {"email": email, "list": "supporters", "consent": True}
            response = client.post(
                API_PATHS[method], json.dumps(payload), content_type="application/json"
            )
    sql = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    return len(sql), response.status_code, response.get("Location", response.content.decode())


@pytest.mark.parametrize("method", ["form", *API_PATHS])
def test_every_address_costs_the_request_the_same_queries(
    client, supporters, addresses, queued, method
):
    before = {
        "subscribers": Subscriber.objects.count(),
        "subscriptions": list(Subscription.objects.values_list("pk", "status", "consented_at")),
    }

    _queries(client, method, "first@example.org", supporters)  # first use stores the wording
    seen = {case: _queries(client, method, addresses[case], supporters) for case in CASES}

    assert len(set(seen.values())) == 1, seen  # same queries, same answer, whoever it names
    # Nothing was looked up or written in the request: it is all queued, one task each.
    assert Subscriber.objects.count() == before["subscribers"]
    assert (
        list(Subscription.objects.values_list("pk", "status", "consented_at"))
        == (before["subscriptions"])
    )
    queued_tasks = DBTaskResult.objects.filter(task_path__endswith="record_sign_up")
    assert queued_tasks.count() == len(CASES) + 1


def test_the_queued_sign_up_stores_consent_as_given_then(client, supporters, queued):
    client.post(
        SUBSCRIBE,
        subscribe_form_data(supporters, "ada@example.org"),
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Firefox/140",
    )
    task = DBTaskResult.objects.get(task_path__endswith="record_sign_up")

    task.task.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])  # what a worker runs

    subscription = Subscription.objects.get(subscriber__email="ada@example.org")
    assert subscription.status == Subscription.Status.PENDING
    assert (subscription.ip_address, subscription.user_agent) == ("203.0.113.9", "Firefox/140")
    assert subscription.consent_text is not None
    assert subscription.consented_at == task.enqueued_at or (
        abs((subscription.consented_at - task.enqueued_at).total_seconds()) < 60
    )


def test_a_queue_that_is_down_does_not_lose_the_sign_up(client, supporters, settings, caplog):
    """The ``rq`` backend with Redis unreachable: the sign-up is applied in the request."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6392/0", "SOCKET_TIMEOUT": 1}}

    response = client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))

    assert response.status_code == 302
    assert Subscription.objects.get(subscriber__email="ada@example.org").status == "pending"
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]  # the confirmation went too
    assert "Could not queue a sign-up" in caplog.text
