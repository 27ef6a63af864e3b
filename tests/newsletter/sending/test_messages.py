"""What every bulk message carries, on both provider paths: escaped merge values in the HTML,
List-Id, Feedback-ID, a Message-ID on the sending domain, List-Unsubscribe (with a mailto:
when configured) and each provider's own options."""

from __future__ import annotations

import html

import pytest
from django.core import mail

from newsletter.models import Dispatch, MailingList, Subscriber
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from tests.newsletter.issues.conftest import make_issue
from tests.newsletter.sending.conftest import add_subscribers
from tests.support.fake_mailgun import FakeMailgun

pytestmark = pytest.mark.django_db

ODD_NAME = '<b>Ada</b> & "co"'
ESCAPED = html.escape(ODD_NAME)  # &lt;b&gt;Ada&lt;/b&gt; &amp; &quot;co&quot;
ADA = "ada@example.org"


@pytest.fixture
def greeting_issue(archive, newsletter_settings):
    """A published issue that greets each reader by name (sender: news@example.org)."""
    return make_issue(archive, [("intro", "<p>Dear [[name]], welcome.</p>")], slug="greeting")


@pytest.fixture
def audience(supporters):
    """Ada, whose name needs escaping in HTML, and two ordinary readers."""
    add_subscribers(supporters, 1, prefix="ada")
    Subscriber.objects.filter(email="ada0@example.org").update(email=ADA, name=ODD_NAME)
    add_subscribers(supporters, 2)
    return supporters


@pytest.fixture
def anymail_test(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    # The shape of one message per reader (Postmark's, SES's, as any backend without
    # batching); batching through stored templates is tested against the loopback providers.
    settings.NEWSLETTER_TEMPLATE_BATCHING = False


def send_with(provider: str, issue, lists) -> Dispatch:
    """Send ``issue`` to ``lists`` as if through ``provider`` (Anymail's test backend)."""
    dispatch = create_send(issue, lists)
    dispatch.provider = provider
    dispatch.save()
    start(dispatch)
    return dispatch


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


# --- 16b: merge values are escaped in the HTML on every path ---------------------------------


def test_inline_merge_for_mailgun_gives_the_html_escaped_values(
    greeting_issue, audience, anymail_test
):
    send_with("mailgun", greeting_issue, [audience])

    (message,) = mail.outbox  # one call for the batch
    params = message.anymail_test_params
    assert params["merge_data"][ADA]["name"] == ODD_NAME  # for the text part
    assert params["merge_data"][ADA]["name_html"] == ESCAPED  # for the HTML part
    assert "Dear %recipient.name_html%," in html_of(message)
    assert "%recipient.name%" not in html_of(message)
    assert "Dear %recipient.name%," in message.body
    # Links need no escaping: the HTML uses them as they are (not sent twice).
    assert "%recipient.unsubscribe_url%" in html_of(message)
    assert "unsubscribe_url_html" not in params["merge_data"][ADA]


def test_sparkpost_escapes_by_itself_so_it_gets_the_plain_values(
    greeting_issue, audience, anymail_test
):
    send_with("sparkpost", greeting_issue, [audience])

    (message,) = mail.outbox
    params = message.anymail_test_params
    assert "Dear {{name}}," in html_of(message)  # SparkPost escapes {{...}} in HTML parts
    assert set(params["merge_data"][ADA]) == {"name", "unsubscribe_url", "preferences_url"}
    assert params["merge_data"][ADA]["name"] == ODD_NAME


def test_one_message_per_reader_escapes_the_html_too(greeting_issue, audience, anymail_test):
    send_with("resend", greeting_issue, [audience])  # Anymail's Resend backend cannot merge

    (message,) = [m for m in mail.outbox if m.to == [ADA]]
    assert f"Dear {ESCAPED}," in html_of(message)
    assert ODD_NAME not in html_of(message)
    assert f"Dear {ODD_NAME}," in message.body


def test_through_mailgun_over_http_the_reader_gets_their_name_escaped(
    greeting_issue, audience, settings
):
    with FakeMailgun() as server:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = server.anymail_settings(domain="example.org")
        dispatch = send_with("mailgun", greeting_issue, [audience])

        (ada,) = server.delivered_to(ADA)
        (call,) = server.calls
    assert f"Dear {ESCAPED}," in ada["html"]
    assert ODD_NAME not in ada["html"]
    assert f"Dear {ODD_NAME}," in ada["text"]
    assert "%recipient" not in ada["html"] and "%recipient" not in ada["text"]
    # The bulk headers (names are case-insensitive) and Mailgun's options travel with the call.
    headers = {name.lower(): value for name, value in ada["headers"].items()}
    assert headers["list-id"] == "Supporters <supporters.listid.example.org>"
    assert headers["feedback-id"] == f"{dispatch.pk}:supporters:example.org:newsletter"
    assert ada["variables"]["newsletter_send"] == str(dispatch.pk)
    assert call["fields"]["o:tag"] == ["newsletter", f"newsletter-send-{dispatch.pk}"]


# --- 17: the headers and options of every bulk message ----------------------------------------


def test_inline_merge_batch_carries_list_id_feedback_id_and_mailgun_options(
    greeting_issue, audience, anymail_test
):
    dispatch = send_with("mailgun", greeting_issue, [audience])

    params = mail.outbox[0].anymail_test_params
    headers = params["extra_headers"]
    assert headers["List-Id"] == "Supporters <supporters.listid.example.org>"
    assert headers["Feedback-ID"] == f"{dispatch.pk}:supporters:example.org:newsletter"
    assert "Message-ID" not in headers  # one batch, many messages: Mailgun gives each its own
    assert params["metadata"] == {
        "newsletter_send": str(dispatch.pk),
        "newsletter_list": "supporters",
    }
    assert params["tags"] == ["newsletter", f"newsletter-send-{dispatch.pk}"]
    unsubscribe = params["merge_headers"][ADA]["List-Unsubscribe"]
    assert unsubscribe == f"<{params['merge_data'][ADA]['unsubscribe_url']}>"


def test_one_message_per_reader_carries_the_headers_and_a_message_id_on_the_sending_domain(
    greeting_issue, audience, anymail_test
):
    dispatch = send_with("postmark", greeting_issue, [audience])

    assert len(mail.outbox) == 3
    message_ids = set()
    for message in mail.outbox:
        headers = message.anymail_test_params["extra_headers"]
        assert headers["List-Id"] == "Supporters <supporters.listid.example.org>"
        assert headers["Feedback-ID"] == f"{dispatch.pk}:supporters:example.org:newsletter"
        assert headers["Message-ID"].endswith("@example.org>")
        message_ids.add(headers["Message-ID"])
        params = message.anymail_test_params
        assert params["MessageStream"] == "broadcast"  # Postmark's broadcast stream
        assert params["metadata"]["newsletter_send"] == str(dispatch.pk)
        assert "tags" not in params
    assert len(message_ids) == 3


def test_django_backends_get_the_message_id_on_the_sending_domain(
    greeting_issue, audience, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_with("django", greeting_issue, [audience])

    mime = mail.outbox[0].message()
    assert mime["Message-ID"].endswith("@example.org>")
    assert mime["List-Id"] == "Supporters <supporters.listid.example.org>"


def test_the_provider_options_follow_the_settings(greeting_issue, audience, anymail_test, settings):
    settings.NEWSLETTER_POSTMARK_STREAM = "newsletters"
    settings.NEWSLETTER_SES_CONFIGURATION_SET = "newsletter-events"
    settings.NEWSLETTER_FEEDBACK_ID_SENDER = "council"

    postmark = send_with("postmark", greeting_issue, [audience])
    assert {m.anymail_test_params["MessageStream"] for m in mail.outbox} == {"newsletters"}
    mail.outbox.clear()
    ses = send_with("amazon_ses", make_issue_copy(greeting_issue), [audience])

    params = mail.outbox[0].anymail_test_params
    assert params["ConfigurationSetName"] == "newsletter-events"
    assert params["extra_headers"]["Feedback-ID"] == f"{ses.pk}:supporters:example.org:council"
    assert postmark.pk != ses.pk


def make_issue_copy(issue):
    """Another published issue like ``issue`` (an issue reaches each reader once)."""
    return make_issue(issue.get_parent(), [("intro", "<p>Dear [[name]].</p>")], slug="again")


def test_a_mailto_unsubscribe_goes_beside_the_https_one_when_configured(
    greeting_issue, audience, anymail_test, settings
):
    settings.NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@example.org"
    send_with("mailgun", greeting_issue, [audience])
    params = mail.outbox[0].anymail_test_params
    link = params["merge_data"][ADA]["unsubscribe_url"]
    assert params["merge_headers"][ADA]["List-Unsubscribe"] == (
        f"<{link}>, <mailto:unsubscribe@example.org?subject=unsubscribe>"
    )
    assert params["merge_headers"][ADA]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    mail.outbox.clear()
    send_with("postmark", make_issue_copy(greeting_issue), [audience])
    headers = next(m for m in mail.outbox if m.to == [ADA]).extra_headers
    assert headers["List-Unsubscribe"].startswith("<http")
    assert headers["List-Unsubscribe"].endswith(
        ", <mailto:unsubscribe@example.org?subject=unsubscribe>"
    )


def test_a_send_to_several_lists_is_listed_under_the_first_by_name(
    greeting_issue, audience, anymail_test
):
    volunteers = MailingList.objects.create(name="Allies, friends & co", slug="allies")
    add_subscribers(volunteers, 2, prefix="ally")

    dispatch = send_with("mailgun", greeting_issue, [audience, volunteers])

    headers = mail.outbox[0].anymail_test_params["extra_headers"]
    assert headers["List-Id"] == '"Allies, friends & co" <allies.listid.example.org>'
    assert headers["Feedback-ID"] == f"{dispatch.pk}:allies:example.org:newsletter"
