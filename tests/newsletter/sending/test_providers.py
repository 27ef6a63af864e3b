"""Choosing the provider from the email connection, and reading its errors by type and status."""

from __future__ import annotations

import smtplib
import socket

import pytest
import requests
from anymail.exceptions import AnymailRequestsAPIError
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.backends import locmem

from newsletter.issues.messages import Content
from newsletter.sending.providers import (
    MESSAGE_RETRY_WAIT,
    ErrorKind,
    InlineMergeProvider,
    MessagePerRecipientProvider,
    Provider,
    TemplateBatchProvider,
    provider_for,
)


@pytest.mark.parametrize(
    ("backend", "name", "kind", "max_batch"),
    [
        ("anymail.backends.mailgun.EmailBackend", "mailgun", InlineMergeProvider, 1000),
        ("anymail.backends.sparkpost.EmailBackend", "sparkpost", InlineMergeProvider, 2000),
        ("anymail.backends.brevo.EmailBackend", "brevo", TemplateBatchProvider, 1000),
        ("anymail.backends.postmark.EmailBackend", "postmark", TemplateBatchProvider, 500),
        ("anymail.backends.amazon_ses.EmailBackend", "amazon_ses", TemplateBatchProvider, 50),
        ("anymail.backends.resend.EmailBackend", "resend", MessagePerRecipientProvider, 100),
        (
            "django.core.mail.backends.locmem.EmailBackend",
            "django",
            MessagePerRecipientProvider,
            100,
        ),
    ],
)
def test_the_provider_comes_from_the_connections_esp_name(settings, backend, name, kind, max_batch):
    settings.ANYMAIL = {
        "MAILGUN_API_KEY": "k", "SPARKPOST_API_KEY": "k", "POSTMARK_SERVER_TOKEN": "k",
        "BREVO_API_KEY": "k", "RESEND_API_KEY": "k",
    }  # fmt: skip
    provider = provider_for(get_connection(backend))
    assert (provider.name, type(provider), provider.max_batch) == (name, kind, max_batch)


def test_a_batch_size_setting_overrides_the_providers_limit(settings):
    settings.NEWSLETTER_BATCH_SIZES = {"django": 7}
    assert (
        provider_for(get_connection("django.core.mail.backends.locmem.EmailBackend")).max_batch == 7
    )


class CustomProvider(MessagePerRecipientProvider):
    name = "custom"


def test_a_custom_provider_class_can_be_named_in_settings(settings):
    settings.NEWSLETTER_PROVIDER = "tests.newsletter.sending.test_providers.CustomProvider"
    assert provider_for(get_connection()).name == "custom"


def _api_error(status: int) -> AnymailRequestsAPIError:
    response = requests.Response()
    response.status_code = status
    return AnymailRequestsAPIError("provider said no", response=response)


def _connection_error(host: str, port: int) -> Exception:
    try:
        requests.post(f"http://{host}:{port}/", timeout=2)
    except requests.RequestException as error:
        return error
    raise AssertionError("expected a connection error")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_api_error(429), ErrorKind.REFUSED),
        (_api_error(503), ErrorKind.REFUSED),
        (_api_error(400), ErrorKind.FAILED),
        (_api_error(401), ErrorKind.FAILED),
        (_api_error(200), ErrorKind.UNKNOWN),  # an answer that could not be read: it was taken
        (smtplib.SMTPDataError(451, b"try later"), ErrorKind.REFUSED),
        (smtplib.SMTPDataError(554, b"rejected"), ErrorKind.FAILED),
        (smtplib.SMTPServerDisconnected("gone"), ErrorKind.UNKNOWN),
        (TimeoutError("read timed out"), ErrorKind.UNKNOWN),
    ],
)
def test_errors_are_read_by_type_and_status(error, kind):
    assert Provider().classify(error) == kind


def test_a_connection_that_never_opened_is_refused_not_unknown():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert Provider().classify(_connection_error("127.0.0.1", port)) == ErrorKind.REFUSED


def test_retry_after_reads_the_providers_header():
    error = _api_error(429)
    error.response.headers["Retry-After"] = "30"
    assert Provider().retry_after(error) == 30.0
    assert Provider().retry_after(_api_error(503)) == 0.0


class FlakyConnection(locmem.EmailBackend):
    """Refuses each listed address once (SMTP 451, "try later"), then takes it."""

    def __init__(self, flaky: set[str], clock: list[float]) -> None:
        super().__init__()
        self.flaky, self.clock = set(flaky), clock

    def send_messages(self, messages):
        self.clock[0] += 0.01  # each message takes 10 ms
        address = messages[0].to[0]
        if address in self.flaky:
            self.flaky.discard(address)
            raise smtplib.SMTPDataError(451, b"try later")
        return super().send_messages(messages)


def _per_message(flaky: set[str], readers: int) -> tuple[list, list, dict]:
    clock = [0.0]
    provider = MessagePerRecipientProvider("smtp")
    waits: list[float] = []
    provider.sleep = lambda seconds: (
        waits.append(seconds),
        clock.__setitem__(0, clock[0] + seconds),
    )
    provider.clock = lambda: clock[0]
    content = Content("Hello", "news@example.org", "", "<p>Hi {{name}}</p>", "Hi {{name}}")
    links = {"unsubscribe_url": "https://x.example/u", "preferences_url": "https://x.example/p"}
    recipients = {f"r{i}@example.org": {"name": f"R{i}", **links} for i in range(readers)}
    mail.outbox = []
    results = provider.send(content, recipients, FlakyConnection(flaky, clock))
    return waits, mail.outbox, results


def test_a_few_refused_messages_are_retried_without_holding_up_the_batch():
    # 2 of 200 refused once, early in the pass: by the pass's end their wait has passed.
    waits, outbox, results = _per_message({"r1@example.org", "r5@example.org"}, 200)
    assert len(results) == 200 and len(outbox) == 200
    assert sorted(m.to[0] for m in outbox) == sorted(results)  # everyone once
    assert sum(waits) == 0


def test_a_refusal_at_the_end_of_a_pass_waits_out_the_rest_of_its_wait():
    waits, outbox, _ = _per_message({"r8@example.org"}, 10)  # one message after it
    assert len(outbox) == 10
    assert waits == [
        pytest.approx(MESSAGE_RETRY_WAIT - 0.01)
    ]  # refused 10 ms before the pass ended: the rest of its wait


def test_when_most_messages_are_refused_the_waits_grow():
    waits, outbox, _ = _per_message({f"r{i}@example.org" for i in range(4)}, 4)
    assert len(outbox) == 4
    assert waits[0] > MESSAGE_RETRY_WAIT  # the provider is in trouble: a longer wait
