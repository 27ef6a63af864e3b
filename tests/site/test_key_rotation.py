"""Rotating SECRET_KEY keeps every unsubscribe link already sent working (CASL: 60 days and
more), as long as the old key is kept in SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import pytest
from django.test import Client

from newsletter.audience import subscriptions
from newsletter.audience.tokens import subscriber_token_maker, unsubscribe_url
from newsletter.models import MailingList, Subscriber, Subscription

OLD_KEY = "old-key-that-signed-last-months-newsletter-0123456789abcdef"
NEW_KEY = "new-key-after-rotation-0123456789abcdef-0123456789abcdef"


@pytest.fixture
def ada(db, settings) -> Subscriber:
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    supporters = MailingList.objects.create(name="Supporters", slug="supporters")
    subscriptions.subscribe(
        "ada@example.org", supporters, subscriptions.ConsentRecord(), require_confirmation=False
    )
    return Subscriber.objects.get(email="ada@example.org")


def one_click(url: str):
    """What a mailbox provider does with List-Unsubscribe-Post (RFC 8058)."""
    path = "/" + url.split("/", 3)[3]
    return Client(enforce_csrf_checks=True).post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def is_subscribed(subscriber: Subscriber) -> bool:
    return subscriber.subscriptions.get().status == Subscription.Status.ACTIVE


def test_link_signed_with_the_old_key_unsubscribes_after_rotation(ada, settings):
    link_in_last_months_email = unsubscribe_url(ada)
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]

    response = one_click(link_in_last_months_email)

    assert response.status_code == 200
    assert "unsubscribed" in response.content.decode()
    assert not is_subscribed(ada)


def test_link_made_by_a_send_keeps_working_after_rotation(ada, settings):
    """Sends sign tokens with the fast maker; the fallback accepts those too."""
    token = subscriber_token_maker()(ada.public_id)
    link_in_email = unsubscribe_url(ada).rsplit("/", 2)[0] + f"/{token}/"
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]

    assert one_click(link_in_email).status_code == 200
    assert not is_subscribed(ada)


def test_without_the_fallback_the_old_link_is_refused(ada, settings):
    """Why the old key must stay in SECRET_KEY_FALLBACKS: a rotation alone breaks the links."""
    link = unsubscribe_url(ada)
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = []

    assert one_click(link).status_code != 200
    assert is_subscribed(ada)
