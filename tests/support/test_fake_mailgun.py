"""The fake Mailgun server, driven through Anymail's real Mailgun backend and Django's mail API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from anymail.exceptions import AnymailRequestsAPIError
from anymail.message import AnymailMessage
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail

from tests.support.fake_mailgun import MAX_BATCH_RECIPIENTS, FakeMailgun

PROJECT_DIR = Path(__file__).resolve().parents[2]
FROM = "Newsletter <news@mg.example.org>"


@pytest.fixture
def mailgun():
    with FakeMailgun() as server:
        yield server


@pytest.fixture
def mailgun_backend(settings, mailgun):
    """Django sends through Anymail's real Mailgun backend to the fake server."""
    settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
    settings.ANYMAIL = mailgun.anymail_settings()
    return mailgun


def raw_post(server, data, auth=("api", "key-test"), domain="mg.example.org"):
    return requests.post(server.messages_url(domain), data=data, auth=auth, timeout=30)


def simple_form(to="ada@example.com", **extra):
    return {"from": "news@mg.example.org", "to": to, "subject": "Hi", "text": "Body", **extra}


# -- (a) one simple message -------------------------------------------------------------------


def test_simple_message_is_delivered_with_the_id_anymail_reports(mailgun_backend):
    server = mailgun_backend
    message = EmailMultiAlternatives(
        subject="Spring issue",
        body="Plain body\nsecond line",
        from_email=FROM,
        to=["Ada Lovelace <ada@example.com>"],
        headers={"X-Campaign": "spring"},
    )
    message.attach_alternative("<p>HTML body</p>", "text/html")

    assert message.send() == 1

    [delivery] = server.deliveries
    assert delivery["to"] == "ada@example.com"
    assert delivery["kind"] == "to"
    assert delivery["subject"] == "Spring issue"
    assert delivery["text"] == "Plain body\nsecond line"
    assert delivery["html"] == "<p>HTML body</p>"
    assert delivery["headers"] == {"X-Campaign": "spring"}
    assert delivery["batch"] is False

    [call] = server.calls
    assert call["status"] == 200
    assert call["encoding"] == "urlencoded"
    assert call["from"] == FROM
    assert call["fields"]["to"] == ["Ada Lovelace <ada@example.com>"]
    assert call["response"]["message"] == "Queued. Thank you."
    assert message.anymail_status.message_id == call["response"]["id"] == delivery["message_id"]
    assert message.anymail_status.status == {"queued"}
    assert server.accepted_calls == 1
    assert server.delivered_to("ADA@example.com") == [delivery]


def test_attachments_use_multipart_and_keep_the_text_exact(mailgun_backend):
    server = mailgun_backend
    message = EmailMultiAlternatives(
        subject="Grüße", body="Zeile 1\nZeile 2\r\nEnde\n", from_email=FROM, to=["a@example.com"]
    )
    message.attach("report.csv", "a,b\n1,2\n", "text/csv")
    message.send()

    [call] = server.calls
    assert call["encoding"] == "multipart"
    assert call["attachments"] == [
        {"field": "attachment", "filename": "report.csv", "content_type": "text/csv", "size": 8}
    ]
    [delivery] = server.deliveries
    assert delivery["subject"] == "Grüße"
    assert delivery["text"] == "Zeile 1\nZeile 2\r\nEnde\n"


def test_several_to_addresses_without_recipient_variables_are_one_plain_message(mailgun_backend):
    server = mailgun_backend
    send_mail("Hello", "Hi %recipient.name%", FROM, ["a@example.com", "b@example.com"])

    assert server.delivery_counts() == {"a@example.com": 1, "b@example.com": 1}
    # Not a batch send: nothing is merged.
    assert {d["text"] for d in server.deliveries} == {"Hi %recipient.name%"}
    assert {d["batch"] for d in server.deliveries} == {False}


# -- (b) batch with merge_data and merge_headers ------------------------------------------------


def test_batch_send_merges_each_recipients_data_and_headers(mailgun_backend):
    server = mailgun_backend
    people = {"alice@example.com": "Alice", "bob@example.com": "Bob", "carol@example.com": None}
    message = AnymailMessage(
        subject="Issue 12 for %recipient.name%",
        body="Hi %recipient.name%, unsubscribe: %recipient.unsubscribe_url%",
        from_email=FROM,
        to=["Alice A <alice@example.com>", "bob@example.com", "carol@example.com"],
        merge_global_data={"name": "friend"},
        merge_data={
            addr: {"unsubscribe_url": f"https://x/u/{addr[0]}", **({"name": name} if name else {})}
            for addr, name in people.items()
        },
        merge_headers={addr: {"List-Unsubscribe": f"<https://x/u/{addr[0]}>"} for addr in people},
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        metadata={"issue": "12"},
        merge_metadata={addr: {"subscriber": addr[0]} for addr in people},
    )
    message.attach_alternative('<a href="%recipient.unsubscribe_url%">Unsubscribe</a>', "text/html")

    assert message.send() == 1

    # What Anymail's Mailgun backend sent:
    [call] = server.calls
    assert call["batch"] is True
    assert call["fields"]["h:List-Unsubscribe"] == ["%recipient.h:List-Unsubscribe%"]
    assert call["fields"]["v:subscriber"] == ["%recipient.v:subscriber%"]
    assert call["fields"]["v:issue"] == ["12"]
    assert call["recipient_variables"]["carol@example.com"] == {
        "name": "friend",
        "unsubscribe_url": "https://x/u/c",
        "h:List-Unsubscribe": "<https://x/u/c>",
        "v:subscriber": "c",
    }

    # What each recipient received:
    assert server.delivery_counts() == {addr: 1 for addr in people}
    for addr, name in people.items():
        [delivery] = server.delivered_to(addr)
        key = addr[0]
        expected_name = name or "friend"
        assert delivery["subject"] == f"Issue 12 for {expected_name}"
        assert delivery["text"] == f"Hi {expected_name}, unsubscribe: https://x/u/{key}"
        assert delivery["html"] == f'<a href="https://x/u/{key}">Unsubscribe</a>'
        assert delivery["headers"] == {
            "List-Unsubscribe": f"<https://x/u/{key}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        assert delivery["variables"] == {"issue": "12", "subscriber": key}
        status = message.anymail_status.recipients[addr]
        assert status.status == "queued"
        assert status.message_id == call["message_id"]


# -- (c), (d), (e): faults ----------------------------------------------------------------------


def test_server_error_raises_and_delivers_nothing(mailgun_backend):
    server = mailgun_backend
    server.fail_next(1, status=500)

    with pytest.raises(AnymailRequestsAPIError) as caught:
        send_mail("Hello", "Body", FROM, ["a@example.com"])

    assert caught.value.status_code == 500
    assert caught.value.response.json() == {"message": "Internal Server Error"}
    assert server.deliveries == []
    assert [(c["status"], c["fault"]) for c in server.calls] == [(500, "fail")]
    assert server.accepted_calls == 0

    # The fault is used up: the retry goes through.
    send_mail("Hello", "Body", FROM, ["a@example.com"])
    assert server.delivery_counts() == {"a@example.com": 1}


def test_throttle_answers_429_with_retry_after(mailgun_backend):
    server = mailgun_backend
    server.throttle_next(1, retry_after=3)

    with pytest.raises(AnymailRequestsAPIError) as caught:
        send_mail("Hello", "Body", FROM, ["a@example.com"])

    assert caught.value.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "3"
    assert server.deliveries == []
    assert server.calls[0]["fault"] == "throttle"


def test_scheduled_faults_apply_in_order(mailgun):
    mailgun.fail_next(2, status=503)
    mailgun.throttle_next(1)
    assert mailgun.pending_faults == 3

    statuses = [raw_post(mailgun, simple_form()).status_code for _ in range(4)]

    assert statuses == [503, 503, 429, 200]
    assert mailgun.pending_faults == 0


def test_dropped_connection_after_acceptance(mailgun_backend):
    server = mailgun_backend
    server.drop_next(1)

    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        send_mail("Hello", "Body", FROM, ["a@example.com"])

    # Anymail re-raises requests errors as a class that is both AnymailRequestsAPIError and the
    # original requests exception type; there is no HTTP response.
    error = caught.value
    assert isinstance(error, AnymailRequestsAPIError)
    assert isinstance(error.__cause__, requests.exceptions.ConnectionError)
    assert not isinstance(error, requests.exceptions.Timeout)
    assert error.response is None
    assert error.status_code is None

    # ...but the provider had accepted it.
    assert server.delivery_counts() == {"a@example.com": 1}
    assert server.accepted_calls == 1
    assert server.calls[0]["fault"] == "drop"

    # The server keeps working.
    send_mail("Again", "Body", FROM, ["a@example.com"])
    assert server.delivery_counts() == {"a@example.com": 2}


def test_fail_ratio_is_deterministic_for_a_seed():
    def run(seed, ratio=0.3, calls=40):
        with FakeMailgun() as server:
            server.fail_ratio(ratio, statuses=(500, 429), seed=seed)
            statuses = [raw_post(server, simple_form()).status_code for _ in range(calls)]
            return statuses, server.accepted_calls, server.total_deliveries

    first, accepted, delivered = run(seed=7)
    assert first == run(seed=7)[0]
    assert set(first) <= {200, 429, 500}
    assert 0 < first.count(200) < len(first)
    assert accepted == delivered == first.count(200)
    assert run(seed=7, ratio=0.0)[0] == [200] * 40
    assert set(run(seed=7, ratio=1.0)[0]) <= {429, 500}


# -- (f) auth, validation, routing --------------------------------------------------------------


def test_wrong_api_key_is_401(settings, mailgun):
    settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
    settings.ANYMAIL = {**mailgun.anymail_settings(), "MAILGUN_API_KEY": "key-wrong"}

    with pytest.raises(AnymailRequestsAPIError) as caught:
        send_mail("Hello", "Body", FROM, ["a@example.com"])

    assert caught.value.status_code == 401
    assert mailgun.calls[0]["auth_ok"] is False
    assert mailgun.deliveries == []


def test_missing_auth_is_401_json(mailgun):
    response = raw_post(mailgun, simple_form(), auth=None)
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid private key"}
    assert raw_post(mailgun, simple_form(), auth=("user", "key-test")).status_code == 401


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"from": "news@mg.example.org", "subject": "Hi", "text": "x"},
            "'to' parameter is missing",
        ),
        ({"to": "a@example.com", "subject": "Hi", "text": "x"}, "'from' parameter is missing"),
        (simple_form(to="not an address"), "'to' parameter is not a valid address"),
        ({"from": "news@mg.example.org", "to": "a@example.com"}, "Need at least one of"),
        (
            simple_form(**{"recipient-variables": "{not json"}),
            "recipient-variables parameter is not a valid JSON",
        ),
    ],
)
def test_invalid_calls_are_400(mailgun, form, message):
    response = raw_post(mailgun, form)

    assert response.status_code == 400
    assert response.json()["message"].startswith(message)
    assert mailgun.deliveries == []
    assert mailgun.calls[0]["error"] == response.json()["message"]


def test_unknown_sender_domain_is_404_when_domains_are_listed(settings):
    with FakeMailgun(domains=["mg.example.org"]) as server:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = server.anymail_settings(domain="other.example.org")
        with pytest.raises(AnymailRequestsAPIError, match="Unknown sender domain") as caught:
            send_mail("Hello", "Body", FROM, ["a@example.com"])
        assert caught.value.status_code == 404


def test_health_and_stats(mailgun):
    assert requests.get(mailgun.health_url, timeout=30).json() == {"status": "ok"}
    raw_post(mailgun, simple_form(to=["a@example.com", "b@example.com"]))
    stats = requests.get(f"{mailgun.url}/fake/stats", timeout=30).json()
    assert stats == {"calls": 1, "accepted_calls": 1, "deliveries": 2}
    counts = requests.get(f"{mailgun.url}/fake/counts", timeout=30).json()
    assert counts == {"a@example.com": 1, "b@example.com": 1}
    assert requests.get(f"{mailgun.url}/v3/nope", timeout=30).status_code == 404


# -- (g) latency ------------------------------------------------------------------------------


def test_latency_is_applied_and_recorded(mailgun_backend):
    server = mailgun_backend
    server.latency = 0.05
    send_mail("Hello", "Body", FROM, ["a@example.com"])
    assert server.calls[-1]["latency"] == 0.05

    server.reset()
    assert server.latency == 0.0
    assert server.calls == []
    assert server.delivery_counts() == {}


# -- (h) big batches ----------------------------------------------------------------------------


def test_thousand_recipient_batch_in_one_call(mailgun_backend):
    server = mailgun_backend
    recipients = [f"user{i}@example.com" for i in range(MAX_BATCH_RECIPIENTS)]
    message = AnymailMessage(
        subject="Hello %recipient.name%",
        body="Your token: %recipient.token%",
        from_email=FROM,
        to=recipients,
        merge_data={
            addr: {"name": f"User {i}", "token": f"t{i}"} for i, addr in enumerate(recipients)
        },
    )
    message.attach_alternative("<p>%recipient.token%</p>", "text/html")
    message.send()

    assert server.accepted_calls == 1
    counts = server.delivery_counts()
    assert len(counts) == MAX_BATCH_RECIPIENTS
    assert set(counts.values()) == {1}
    deliveries = server.deliveries
    assert [d["text"] for d in deliveries] == [f"Your token: t{i}" for i in range(len(recipients))]
    assert server.delivered_to("user537@example.com")[0]["html"] == "<p>t537</p>"
    # Compact storage: a delivery is a slotted reference to its call, not a copy of the bodies.
    assert not hasattr(deliveries[0], "__dict__")
    assert deliveries[0].call is deliveries[-1].call


def test_more_than_a_thousand_recipients_is_400(mailgun_backend):
    server = mailgun_backend
    recipients = [f"user{i}@example.com" for i in range(MAX_BATCH_RECIPIENTS + 1)]
    message = AnymailMessage(
        subject="Hi",
        body="%recipient.n%",
        from_email=FROM,
        to=recipients,
        merge_data={addr: {"n": "1"} for addr in recipients},
    )

    with pytest.raises(AnymailRequestsAPIError) as caught:
        message.send()

    assert caught.value.status_code == 400
    assert "Too many recipients" in caught.value.response.json()["message"]
    assert server.deliveries == []


# -- concurrency and other processes ------------------------------------------------------------


def test_concurrent_senders_are_all_recorded(mailgun_backend):
    server = mailgun_backend

    def send_batch(worker):
        connection = get_connection()
        messages = [
            EmailMultiAlternatives(f"m{n}", "Body", FROM, [f"w{worker}@example.com"])
            for n in range(25)
        ]
        return connection.send_messages(messages)

    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = list(pool.map(send_batch, range(8)))

    assert sent == [25] * 8
    assert server.accepted_calls == 200
    assert server.delivery_counts() == {f"w{worker}@example.com": 25 for worker in range(8)}
    assert sorted(c["index"] for c in server.calls) == list(range(200))
    assert server.errors == []


WORKER_SCRIPT = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from django.core.mail import send_mail
    worker = sys.argv[1]
    for n in range(5):
        send_mail(f"m{n}", "Body", "news@mg.example.org", [f"proc{worker}@example.com"])
    print("sent")
    """
)


def test_worker_processes_send_through_project_settings(mailgun):
    """Other processes reach the server over HTTP; server.environment() configures the project."""
    env = {
        **os.environ,
        **mailgun.environment(),
        "DJANGO_SETTINGS_MODULE": "hostsite.settings",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), str(PROJECT_DIR / "site")]),
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, str(n)],
            env=env,
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert out.strip() == "sent"

    assert mailgun.delivery_counts() == {f"proc{n}@example.com": 5 for n in range(3)}
    assert all(c["domain"] == "mg.example.org" for c in mailgun.calls)


def test_stopped_server_refuses_connections_and_can_restart(mailgun):
    session = requests.Session()
    assert session.post(mailgun.messages_url(), data=simple_form(), auth=("api", "key-test"))
    port = mailgun.port
    mailgun.stop()

    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(mailgun.messages_url(), data=simple_form(), auth=("api", "key-test"))

    mailgun.start()
    assert mailgun.port == port
    assert raw_post(mailgun, simple_form()).json()["message"] == "Queued. Thank you."
    assert mailgun.accepted_calls == 2


def test_recipient_variables_json_is_kept_once(mailgun):
    variables = {"a@example.com": {"n": 1}, "b@example.com": {"n": True}}
    form = simple_form(to=["a@example.com", "b@example.com"], text="n=%recipient.n%")
    raw_post(mailgun, {**form, "recipient-variables": json.dumps(variables)})

    assert [d["text"] for d in mailgun.deliveries] == ["n=1", "n=true"]
    assert mailgun.calls[0]["recipient_variables"] == variables
