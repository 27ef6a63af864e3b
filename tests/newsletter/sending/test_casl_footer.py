"""A send or a test send whose CASL footer (organisation, postal address, contact email) lacks a
field is refused, naming the field, before anything is frozen or posted."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from newsletter.issues.test_sends import IncompleteFooter, send_test
from newsletter.models import Dispatch
from newsletter.sender import sender_identity
from newsletter.sending.freeze import SendError, create_send
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_postal_address(newsletter_settings, settings):
    newsletter_settings.mailing_address = ""
    newsletter_settings.save()
    settings.NEWSLETTER_POSTAL_ADDRESS = ""
    return newsletter_settings


@pytest.fixture
def sender(django_user_model, roles):
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"])
    return user


def test_the_send_command_is_refused_naming_the_postal_address(
    issue, supporters, mailgun, no_postal_address
):
    add_subscribers(supporters, 3)

    with pytest.raises(CommandError, match="postal address"):
        call_command("newsletter_send", "latest", "--list", "supporters", "--wait")

    assert not Dispatch.objects.exists()  # nothing frozen
    assert mailgun.calls == []  # nothing posted


@pytest.mark.parametrize(
    ("emptied", "named"),
    [
        (
            {"organisation_name": "", "sender_name": ""},
            "organisation name",
        ),
        ({"contact_email": ""}, "contact email"),
    ],
)
def test_each_missing_field_is_named(
    issue, supporters, newsletter_settings, settings, emptied, named
):
    for name, value in emptied.items():
        setattr(newsletter_settings, name, value)
    newsletter_settings.save()
    # No fallback fills them either.
    settings.NEWSLETTER_SENDER_NAME = ""
    settings.WAGTAIL_SITE_NAME = ""
    settings.NEWSLETTER_CONTACT_EMAIL = ""
    settings.DEFAULT_FROM_EMAIL = ""

    with pytest.raises(SendError, match=named) as refused:
        create_send(issue, [supporters])

    assert "postal address" not in str(refused.value)
    assert not Dispatch.objects.exists()


def test_a_fallback_setting_completes_the_footer(
    issue, supporters, no_postal_address, settings, mailgun
):
    settings.NEWSLETTER_POSTAL_ADDRESS = "2 Fallback Road, Ottawa ON"
    add_subscribers(supporters, 2)

    out = StringIO()
    call_command("newsletter_send", "latest", "--list", "supporters", "--wait", stdout=out)

    assert "2 sent, 0 failed" in out.getvalue()
    assert "2 Fallback Road" in mailgun.deliveries[0]["text"]


def test_the_admin_send_is_refused_with_the_reason(
    client, sender, issue, supporters, no_postal_address, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add_subscribers(supporters, 2)
    client.force_login(sender)

    response = client.post(
        reverse("newsletter_sending:new", args=[issue.pk]),
        {"lists": [supporters.pk], "when": "now", "confirm": "1"},
    )

    assert "postal address" in response.content.decode()
    assert not Dispatch.objects.exists() and mail.outbox == []


def test_a_test_send_is_refused_naming_the_missing_field(issue, no_postal_address):
    with pytest.raises(IncompleteFooter, match="postal address"):
        send_test(issue, ["comms@example.org"])
    assert mail.outbox == []


def test_the_test_send_form_shows_the_refusal(client, superuser, issue, no_postal_address):
    client.force_login(superuser)

    response = client.post(
        reverse("newsletter_issues:test_send", args=[issue.pk]),
        {"recipients": "comms@example.org"},
    )

    assert response.status_code == 200
    assert "postal address" in response.content.decode()
    assert mail.outbox == []


def test_a_complete_identity_misses_nothing(newsletter_settings):
    assert sender_identity().missing_casl_fields() == []
