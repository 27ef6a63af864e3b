"""What the links in emails do, shared by the HTML pages (:mod:`newsletter.audience.views`) and
the JSON API (:mod:`newsletter.headless.audience`): find the subscription or subscriber a
signed token names, confirm, unsubscribe and save preferences.

A token that is forged, tampered with, expired or names nothing raises
:class:`~newsletter.audience.tokens.InvalidToken` (or its subclass ``ExpiredToken``); callers
answer 400 and change nothing.
"""

from __future__ import annotations

from django.http import HttpRequest

from newsletter.audience import subscriptions
from newsletter.audience.client_address import client_details
from newsletter.audience.consent import current_consent
from newsletter.audience.tokens import InvalidToken, read_confirmation_token, read_subscriber_token
from newsletter.models import MailingList, Subscriber, Subscription


def subscription_for(token: str) -> Subscription:
    """The subscription a confirmation token names, or ``InvalidToken`` / ``ExpiredToken``."""
    public_id = read_confirmation_token(token)
    subscription = (
        Subscription.objects.select_related("subscriber", "mailing_list")
        .filter(public_id=public_id)
        .first()
    )
    if subscription is None:
        raise InvalidToken
    return subscription


def subscriber_for(token: str) -> Subscriber:
    """The subscriber an unsubscribe or preferences token names, or ``InvalidToken``."""
    subscriber = Subscriber.objects.filter(public_id=read_subscriber_token(token)).first()
    if subscriber is None:
        raise InvalidToken
    return subscriber


def can_confirm(subscription: Subscription) -> bool:
    """An ended subscription's old link never reactivates it (a new sign-up is needed)."""
    return subscription.status != Subscription.Status.UNSUBSCRIBED


def confirm_by_link(request: HttpRequest, subscription: Subscription) -> None:
    """Activate a pending subscription, recording the confirming click's address and browser."""
    subscriptions.confirm(subscription, **client_details(request))


def unsubscribe_by_link(
    request: HttpRequest, subscriber: Subscriber, mailing_list: MailingList | None
) -> None:
    """The unsubscribe link's POST (RFC 8058 one-click when the body says so): leave
    ``mailing_list``, or everything without one. At once, idempotent, no confirmation."""
    if request.POST.get("List-Unsubscribe") == "One-Click":
        how = Subscription.EndedHow.ONE_CLICK
    elif mailing_list is not None:
        how = Subscription.EndedHow.UNSUBSCRIBE_PAGE
    else:
        how = Subscription.EndedHow.EVERYTHING
    subscriptions.unsubscribe(subscriber, mailing_list, how=how)


def save_preferences(
    request: HttpRequest, subscriber: Subscriber, wanted: set[MailingList], language: str
) -> list[MailingList]:
    """Apply the preference centre: lists left end at once, lists asked for start pending
    (consent given with the current wording); returns the lists now awaiting confirmation."""
    return subscriptions.update_preferences(
        subscriber,
        wanted,
        language,
        subscriptions.ConsentRecord(
            source=Subscription.Source.PREFERENCES,
            consent_text=current_consent(subscriber.language),
            **client_details(request),
        ),
    )
