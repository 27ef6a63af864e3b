"""Choosing the provider from the email connection, and reading its errors by type and status."""

from __future__ import annotations

import smtplib
import socket

import pytest
import requests
from anymail.exceptions import AnymailRequestsAPIError
from django.core.mail import get_connection

from newsletter.sending.providers import (
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
