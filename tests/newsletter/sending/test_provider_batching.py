"""Postmark, Amazon SES and Brevo at batch scale: each send stored as a template at the
provider, one call per batch, over real HTTP to the loopback provider servers (Anymail's real
backends; boto3 for SES). Every provider passes the same engine tests."""

from __future__ import annotations

import importlib
import math

import pytest

from newsletter.audience.tokens import unsubscribe_url
from newsletter.models import Batch, Delivery, Dispatch, Subscriber
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from newsletter.sending.providers import MAX_SPLIT_CALLS, MessagePerRecipientProvider
from tests.newsletter.issues.conftest import make_issue
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db

# name -> (fake module, fake class, Anymail backend, recipients per call)
PROVIDERS = {
    "postmark": ("fake_postmark", "FakePostmark", "postmark", 500),
    "amazon_ses": ("fake_ses", "FakeSES", "amazon_ses", 50),
    "brevo": ("fake_brevo", "FakeBrevo", "brevo", 1000),
}


@pytest.fixture(params=list(PROVIDERS))
def provider(request, settings):
    """A loopback provider server, with Anymail's real backend for it pointed at it."""
    module, cls, backend, limit = PROVIDERS[request.param]
    fake = getattr(importlib.import_module(f"tests.support.{module}"), cls)
    with fake() as server:
        settings.EMAIL_BACKEND = f"anymail.backends.{backend}.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01
        server.key, server.limit = request.param, limit
        yield server


def links() -> dict[str, str]:
    return {s.email: unsubscribe_url(s) for s in Subscriber.objects.all()}


def assert_everyone_once_with_their_own_headers(server, count: int) -> None:
    counts = server.delivery_counts()
    assert len(counts) == count and set(counts.values()) == {1}
    own = links()
    for message in server.sent:
        assert message.headers["List-Unsubscribe"] == f"<{own[message.to]}>"
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert own[message.to] in message.html
    assert not server.missing  # every variable of the template had its value


def test_ten_thousand_readers_get_one_message_each_in_one_call_per_batch(
    provider, issue, supporters
):
    add_subscribers(supporters, 10_000)
    dispatch = create_send(issue, [supporters])

    start(dispatch)

    assert_everyone_once_with_their_own_headers(provider, 10_000)
    assert provider.send_call_count == math.ceil(10_000 / provider.limit)
    sample = provider.delivered_to("reader42@example.org")[0]
    assert "[[unsubscribe_url]]" not in sample.html and "lit0" not in sample.html
    if provider.key != "brevo":  # Brevo templates have no text part of their own
        assert links()["reader42@example.org"] in sample.text
    delivery = Delivery.objects.select_related("batch").get(email="reader42@example.org")
    assert delivery.message_id == sample.message_id.strip("<>")  # events map to the delivery
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    assert provider.templates == {}  # stored once, removed when the send finished
    assert dispatch.provider_template == ""


def test_a_send_under_ten_percent_faults_reaches_everyone_once_in_few_calls(
    provider, issue, supporters
):
    add_subscribers(supporters, 3_000)
    provider.fail_ratio(0.1, statuses=(500, 503), seed=11)

    start(create_send(issue, [supporters]))

    assert_everyone_once_with_their_own_headers(provider, 3_000)
    assert provider.send_call_count <= math.ceil(3_000 / provider.limit) * 2 + 5


def test_failures_and_throttling_are_retried_until_everyone_has_it_once(
    provider, issue, supporters, settings
):
    settings.NEWSLETTER_BATCH_SIZES = {provider.key: 50}
    add_subscribers(supporters, 2_000)
    provider.fail_ratio(0.2, statuses=(500, 429), seed=7)

    start(create_send(issue, [supporters]))

    counts = provider.delivery_counts()
    assert len(counts) == 2_000 and set(counts.values()) == {1}
    assert any(call["status"] in (429, 500) for call in provider.send_calls)  # faults happened
    assert Delivery.objects.filter(status="sent").count() == 2_000


def test_an_address_the_provider_refuses_fails_alone(provider, issue, supporters):
    add_subscribers(supporters, 30)
    provider.refuse("reader7@example.org")

    start(create_send(issue, [supporters]))

    counts = provider.delivery_counts()
    assert len(counts) == 29 and "reader7@example.org" not in counts
    statuses = dict(Delivery.objects.values_list("email", "status"))
    assert statuses.pop("reader7@example.org") == "failed"
    assert set(statuses.values()) == {"sent"}
    assert provider.send_call_count <= 1 + MAX_SPLIT_CALLS


def test_the_template_language_leaves_the_content_as_written(
    provider, archive, supporters, newsletter_settings
):
    body = [("intro", "<p>Dear [[name]]. {{ braces }}, {% percent %} and {# hash #} stay.</p>")]
    issue = make_issue(archive, body, slug="braces")
    add_subscribers(supporters, 3)
    Subscriber.objects.filter(email="reader1@example.org").update(name="Tom & <Jerry>")

    start(create_send(issue, [supporters]))

    (tom,) = provider.delivered_to("reader1@example.org")
    assert "{{ braces }}, {% percent %} and {# hash #} stay." in tom.html
    assert "Dear Tom &amp; &lt;Jerry&gt;." in tom.html
    if provider.key != "brevo":
        assert "Dear Tom & <Jerry>." in tom.text
        assert "{{ braces }}" in tom.text


def test_a_restarted_worker_reuses_the_stored_template(provider, issue, supporters, settings):
    settings.NEWSLETTER_KEEP_PROVIDER_TEMPLATES = True
    add_subscribers(supporters, 5)
    dispatch = create_send(issue, [supporters])
    start(dispatch)
    dispatch.refresh_from_db()
    kept = dispatch.provider_template
    assert kept and len(provider.templates) == 1  # kept when the setting says so

    from newsletter.issues.messages import Content
    from newsletter.sending.providers import provider_named

    again = provider_named(dispatch.provider)
    again.ready(dispatch.pk, Content.of_send(dispatch), again.connection())
    assert again.template_id == kept and len(provider.templates) == 1


def test_credentials_the_provider_refuses_pause_the_send_before_anyone_gets_it(
    provider, issue, supporters, settings
):
    if provider.key == "amazon_ses":
        bad = {"AMAZON_SES_CLIENT_PARAMS": {**provider.client_params(), "aws_access_key_id": "NO"}}
    else:
        bad = {"POSTMARK_SERVER_TOKEN": "wrong", "BREVO_API_KEY": "wrong"}
    settings.ANYMAIL = {**settings.ANYMAIL, **bad}
    add_subscribers(supporters, 5)
    dispatch = create_send(issue, [supporters])

    start(dispatch)

    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.PAUSED
    assert "template" in dispatch.last_error
    assert provider.delivery_counts() == {}
    assert Delivery.objects.filter(status="queued").count() == 5


def test_without_template_batching_one_message_per_reader_survives_call_faults(
    issue, supporters, settings, monkeypatch
):
    """The message-per-recipient path (plain SMTP, Resend, or batching turned off): a call
    refused for now is tried again for that message alone, so 10% faults do not send the rest
    of the batch to the backoff queue."""
    from tests.support.fake_postmark import FakePostmark

    waits: list[float] = []
    monkeypatch.setattr(MessagePerRecipientProvider, "sleep", staticmethod(waits.append))
    settings.NEWSLETTER_TEMPLATE_BATCHING = False
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01
    add_subscribers(supporters, 3_000)
    with FakePostmark() as server:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        server.fail_ratio(0.1, statuses=(500,), seed=5)
        dispatch = create_send(issue, [supporters])

        start(dispatch)

        counts = server.delivery_counts()
    assert len(counts) == 3_000 and set(counts.values()) == {1}
    assert waits and len(waits) <= 3 * 6  # faults happened; a few short waits per batch at most
    batches = list(Batch.objects.filter(dispatch=dispatch).values_list("attempts", flat=True))
    assert sum(batches) <= len(batches) + 1  # almost no batch went back to the queue


def test_a_dropped_answer_is_unknown_and_never_sent_again_by_itself(
    provider, issue, supporters, settings
):
    """The provider took the batch but the answer never came: those readers are *unknown*, and
    nothing (not the engine, not boto3's own retries) sends them again."""
    settings.NEWSLETTER_BATCH_SIZES = {provider.key: 10}
    add_subscribers(supporters, 30)
    provider.drop_next(1)

    start(create_send(issue, [supporters]))

    counts = provider.delivery_counts()
    assert len(counts) == 30 and set(counts.values()) == {1}
    statuses = list(Delivery.objects.values_list("status", flat=True))
    assert statuses.count("unknown") == 10 and statuses.count("sent") == 20
    assert provider.send_call_count == 3
