"""Consent given with a supporter action or a sign-on, whose own signed link proved the address."""

from __future__ import annotations

import datetime

from django.core import mail
from django.utils import timezone

from newsletter.audience import subscriptions
from newsletter.audience.consent import current_consent
from newsletter.models import Subscriber, Subscription, Suppression

Source = Subscription.Source


def consent(**fields) -> subscriptions.ConsentRecord:
    values = dict(
        source=Source.ACTION,
        source_detail="https://example.org/en/news/write-to-the-ministers/",
        ip_address="203.0.113.7",
        user_agent="Form browser",
        consent_text=current_consent("en"),
        consented_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    values.update(fields)
    return subscriptions.ConsentRecord(**values)


def test_an_address_proven_by_the_action_link_is_active_at_once_with_both_records(supporters):
    outcome = subscriptions.subscribe_confirmed(
        "Ada@Example.org ",
        supporters,
        consent(),
        ip_address="198.51.100.9",
        user_agent="Click browser",
        name="Ada",
        language="fr",
    )

    assert outcome == subscriptions.Outcome.ACTIVE
    subscription = Subscription.objects.get(subscriber__email="ada@example.org")
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.source == Source.ACTION
    assert subscription.source_detail.endswith("/write-to-the-ministers/")
    assert subscription.consent_text == current_consent("en")
    assert str(subscription.ip_address) == "203.0.113.7"  # where consent was given
    assert str(subscription.confirmed_ip_address) == "198.51.100.9"  # the confirming click
    assert subscription.confirmed_user_agent == "Click browser"
    assert subscription.confirmed_at is not None
    assert subscription.consented_at < subscription.confirmed_at
    assert Subscriber.objects.get(email="ada@example.org").language == "fr"
    assert mail.outbox == []  # no second confirmation email
    assert subscriptions.audience(supporters).filter(email="ada@example.org").exists()


def test_a_pending_sign_up_becomes_active_without_a_new_record(supporters):
    subscriptions.subscribe("ada@example.org", supporters, subscriptions.ConsentRecord())
    subscriptions.subscribe_confirmed("ada@example.org", supporters, consent())

    assert Subscription.objects.filter(subscriber__email="ada@example.org").count() == 1
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE


def test_an_active_reader_stays_as_they_were(supporters):
    subscriptions.subscribe_confirmed("ada@example.org", supporters, consent())
    first = Subscription.objects.get()

    again = subscriptions.subscribe_confirmed(
        "ada@example.org", supporters, consent(source=Source.SIGN_ON)
    )

    assert again == subscriptions.Outcome.ALREADY_ACTIVE
    assert Subscription.objects.get().source == first.source == Source.ACTION


def test_a_bounce_or_complaint_suppression_stops_it(supporters):
    subscriptions.suppress("ada@example.org", Suppression.Reason.HARD_BOUNCE)

    outcome = subscriptions.subscribe_confirmed("ada@example.org", supporters, consent())

    assert outcome == subscriptions.Outcome.SUPPRESSED
    assert not Subscription.objects.exists()


def test_asking_again_lifts_unsubscribed_from_everything(supporters):
    subscriptions.suppress("ada@example.org", Suppression.Reason.UNSUBSCRIBED_ALL)

    subscriptions.subscribe_confirmed("ada@example.org", supporters, consent())

    assert not Suppression.objects.filter(email="ada@example.org").exists()
    assert subscriptions.audience(supporters).filter(email="ada@example.org").exists()
