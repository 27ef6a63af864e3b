"""``manage.py newsletter_render``: html, text and the complete message as eml."""

from __future__ import annotations

import email
from email import policy

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_eml_is_the_complete_message_one_recipient_receives(issue, tmp_path):
    out = tmp_path / "latest.eml"
    call_command("newsletter_render", "latest", "--format", "eml", "--output", str(out))

    message = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    assert message["Subject"] == "March: wins and letters"
    assert message["From"] == "Example Council <news@example.org>"
    assert message["To"] == "reader@example.org"
    assert message["Reply-To"] == "reply@example.org"
    unsubscribe = str(message["List-Unsubscribe"]).strip()  # long headers are folded
    assert unsubscribe.startswith("<http") and "/newsletter/unsubscribe/" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "March: wins and letters" in text and "<" not in text.split("\n")[0]
    assert html.lstrip().startswith("<!doctype html>")
    link = unsubscribe.strip("<>")
    assert link in text and link in html  # the visible link is the header's link


def test_eml_for_a_subscriber_uses_their_own_links(issue, tmp_path):
    from newsletter.audience.tokens import unsubscribe_url
    from newsletter.models import Subscriber

    subscriber = Subscriber.objects.create(email="amira@example.org", name="Amira")
    out = tmp_path / "amira.eml"
    call_command(
        "newsletter_render", str(issue.pk), "--format", "eml", "-o", str(out),
        "--recipient", "Amira@Example.org",
    )  # fmt: skip
    message = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    assert str(message["List-Unsubscribe"]).strip() == f"<{unsubscribe_url(subscriber)}>"


def test_html_and_text_by_slug(issue, tmp_path):
    html_file, text_file = tmp_path / "i.html", tmp_path / "i.txt"
    call_command("newsletter_render", "march", "--format", "html", "-o", str(html_file))
    call_command("newsletter_render", "march", "--format", "text", "-o", str(text_file))
    assert html_file.read_text().startswith("<!doctype html>")
    assert "Unsubscribe:\nhttp" in text_file.read_text()


def test_unknown_issue_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No newsletter issue matches “nope”"):
        call_command("newsletter_render", "nope")
