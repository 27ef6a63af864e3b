"""The confirmation email identifies the sender with the newsletter settings (CASL)."""

from __future__ import annotations

import pytest
from django.core import mail

from newsletter.audience import subscriptions
from newsletter.models import MailingList

pytestmark = pytest.mark.django_db


def test_confirmation_email_uses_the_newsletter_settings(newsletter_settings):
    supporters = MailingList.objects.create(name="Supporters", slug="supporters", is_public=True)

    subscriptions.subscribe("new@example.org", supporters, subscriptions.ConsentRecord())

    message = mail.outbox[0]
    assert message.from_email == "Example Council <news@example.org>"  # as issues are
    for part in (message.body, message.alternatives[0][0]):
        assert "Example Council" in part
        assert "1 Example Street" in part
        assert "info@example.org" in part
