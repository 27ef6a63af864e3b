"""Webhook benchmark (PostgreSQL): Mailgun tracking events over HTTP, applied to Delivery rows.

Builds a fresh database with the demo content, sends the demo issue to 2,000 subscribers through
the engine (Anymail's Mailgun backend to the loopback Mailgun server), then serves the site with
gunicorn (2 sync workers) and posts one signed Mailgun ``event-data`` webhook per event to
``/anymail/mailgun/tracking/`` (basic auth and Mailgun's HMAC signature, both checked): a
"delivered" then an "opened" event per delivery, 4,000 events from 4 client threads. The
figure is events per second from the first post to the last answer; afterwards every delivery
must have its ``delivered_at`` and ``opened_at`` and every event its TrackingEvent row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import threading
import time
from urllib.parse import urlsplit

from bench import harness
from bench.harness import Result, check, log, skipped

RECIPIENTS = 2_000
EVENTS = ("delivered", "opened")
CLIENTS = 4
WORKERS = 2
SECRET = "bench:webhook-secret"
SIGNING_KEY = "bench-signing-key"
PATH = "/anymail/mailgun/tracking/"
FIGURE = ("webhook_events_per_s", "events/s", ">=", 400)
FIGURES = [FIGURE]


def send_demo_issue(server) -> list[tuple[str, str]]:
    """Send the demo issue to RECIPIENTS subscribers; their (email, provider message id)."""
    from django.test import override_settings
    from django.utils import timezone

    from newsletter.audience.bulk_insert import insert_ignoring_conflicts
    from newsletter.models import (
        Delivery,
        MailingList,
        NewsletterIssuePage,
        Subscriber,
        Subscription,
    )
    from newsletter.models.audience import new_public_id
    from newsletter.sending.freeze import create_send, freeze
    from newsletter.sending.worker import run_send

    insert_ignoring_conflicts(
        Subscriber,
        {"language": "en"},
        [
            {"email": f"reader{n}@example.org", "name": f"Reader {n}"}
            | {"public_id": new_public_id()}
            for n in range(RECIPIENTS)
        ],
    )
    mailing_list = MailingList.objects.create(name="Webhook bench", slug="bench-webhooks")
    insert_ignoring_conflicts(
        Subscription,
        {
            "mailing_list_id": mailing_list.pk,
            "status": Subscription.Status.ACTIVE,
            "consent_type": Subscription.ConsentType.EXPRESS,
            "source": Subscription.Source.IMPORT,
            "consented_at": timezone.now(),
        },
        [
            {"public_id": new_public_id(), "subscriber_id": pk}
            for pk in Subscriber.objects.filter(email__startswith="reader").values_list(
                "pk", flat=True
            )
        ],
    )
    issue = NewsletterIssuePage.objects.get(slug="spring-2024-wins-and-the-open-letter")
    with override_settings(**server.django_settings()):
        dispatch = create_send(issue, [mailing_list])
        freeze(dispatch, include_previous_recipients=True)
        run_send(dispatch.pk)
    sent = Delivery.objects.filter(dispatch=dispatch, status="sent").select_related("batch")
    rows = [(delivery.email, delivery.message_id) for delivery in sent]
    if len(rows) != RECIPIENTS or not all(mid for _email, mid in rows):
        raise RuntimeError(f"only {len(rows)} deliveries sent with a message id")
    return rows


def event_body(event: str, email: str, message_id: str) -> bytes:
    """A Mailgun tracking webhook as Mailgun posts it (JSON with a signature block)."""
    token = secrets.token_hex(25)
    timestamp = str(int(time.time()))
    signature = hmac.new(
        SIGNING_KEY.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    data = {
        "event": event,
        "timestamp": time.time(),
        "id": secrets.token_urlsafe(16),
        "recipient": email,
        "recipient-domain": email.split("@")[1],
        "message": {"headers": {"message-id": message_id.strip("<>"), "to": email}},
        "tags": [],
        "user-variables": {},
        "log-level": "info",
    }
    if event == "delivered":
        data["delivery-status"] = {"code": 250, "message": "OK", "description": ""}
    return json.dumps(
        {"signature": {"timestamp": timestamp, "token": token, "signature": signature},
         "event-data": data}
    ).encode()  # fmt: skip


def post_all(base: str, bodies: list[bytes]) -> tuple[float, int]:
    """Post every body from CLIENTS threads; (seconds, failures)."""
    parts = urlsplit(base)
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    shares = [bodies[n::CLIENTS] for n in range(CLIENTS)]
    failures = [0] * CLIENTS

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        for body in shares[n]:
            headers = {"Content-Type": "application/json", "Authorization": auth}
            try:
                connection.request("POST", PATH, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures[n] += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                failures[n] += 1
                connection.close()
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(failures)


def run() -> list[Result]:
    from tests.support.fake_mailgun import FakeMailgun

    if harness.postgres_server() is None:
        return [skipped(*FIGURE, "needs PostgreSQL (DATABASE_URL)")]
    with FakeMailgun() as server, harness.database(require_postgres=True) as url:
        harness.setup_django(url)
        log(f"webhooks: demo content, and a send to {RECIPIENTS:,} subscribers")
        harness.load_demo_content()
        deliveries = send_demo_issue(server)
        bodies = [event_body(event, *row) for event in EVENTS for row in deliveries]
        from django.db import connection

        connection.close()
        env = harness.child_env(
            url,
            ANYMAIL_WEBHOOK_SECRET=SECRET,
            ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY=SIGNING_KEY,
            **server.environment(),
        )
        with harness.gunicorn(env, workers=WORKERS) as base:
            log(f"webhooks: posting {len(bodies):,} events")
            seconds, failures = post_all(base, bodies)
        if failures:
            raise RuntimeError(f"{failures} webhook posts failed")

        from newsletter.models import Delivery, TrackingEvent

        applied = Delivery.objects.filter(
            delivered_at__isnull=False, opened_at__isnull=False
        ).count()
        stored = TrackingEvent.objects.count()
        if applied != RECIPIENTS or stored != len(bodies):
            raise RuntimeError(f"{applied} deliveries updated, {stored} events stored")
        connection.close()
    name, unit, op, target = FIGURE
    return [
        check(
            name, len(bodies) / seconds, unit, op, target,
            f"{len(bodies):,} events ({', '.join(EVENTS)}) in {seconds:.1f} s, {CLIENTS} "
            f"clients, gunicorn {WORKERS} sync workers; all applied",
        )
    ]  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    harness.main(run)
