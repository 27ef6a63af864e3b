"""The audience records: addresses unique regardless of case, versioned consent wording,
suppression that no list overrides."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from newsletter.audience import subscriptions
from newsletter.audience.consent import current_consent
from newsletter.models import ConsentText, Subscriber, Subscription, Suppression


def test_addresses_are_stored_normalised(db):
    subscriber = Subscriber.objects.create(email="  Ada.Lovelace@Example.ORG ")
    assert subscriber.email == "ada.lovelace@example.org"
    assert len(subscriber.public_id) >= 20
    assert Subscriber.objects.create(email="b@example.org").public_id != subscriber.public_id


def test_addresses_are_unique_regardless_of_case_even_past_the_model(db):
    Subscriber.objects.bulk_create([Subscriber(email="ADA@example.org")])  # skips save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscriber.objects.create(email="ada@EXAMPLE.org")


def test_one_open_subscription_per_list_but_history_is_kept(db, supporters):
    subscriber = Subscriber.objects.create(email="ada@example.org")
    fields = {"consent_type": "express", "source": "form", "mailing_list": supporters}
    Subscription.objects.create(subscriber=subscriber, status="unsubscribed", **fields)
    Subscription.objects.create(subscriber=subscriber, status="active", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(subscriber=subscriber, status="pending", **fields)


def test_consent_wording_is_versioned_and_old_records_keep_their_text(db, supporters, settings):
    subscriptions.subscribe(
        "ada@example.org",
        supporters,
        subscriptions.ConsentRecord(consent_text=current_consent("en")),
    )
    settings.NEWSLETTER_CONSENT_TEXT = {"en": "Send me the newsletter, {sender}.", "fr": "Oui."}
    settings.NEWSLETTER_SENDER_NAME = "Example Council"
    new = current_consent("en")
    assert new.text == "Send me the newsletter, Example Council."
    subscriptions.subscribe(
        "grace@example.org", supporters, subscriptions.ConsentRecord(consent_text=new)
    )

    ada = Subscription.objects.get(subscriber__email="ada@example.org").consent_text
    grace = Subscription.objects.get(subscriber__email="grace@example.org").consent_text
    assert ada.version != grace.version
    assert ada.text.startswith("Yes, I want to receive")
    assert ConsentText.objects.count() == 2
    assert current_consent("en") == new  # the same wording is stored once


def test_suppression_overrides_every_list(db, supporters):
    from newsletter.models import MailingList

    other = MailingList.objects.create(name="Other", slug="other")
    for mailing_list in (supporters, other):
        subscriptions.subscribe(
            "Ada@example.org",
            mailing_list,
            subscriptions.ConsentRecord(),
            require_confirmation=False,
        )
    assert subscriptions.audience_count(supporters) == subscriptions.audience_count(other) == 1
    subscriptions.suppress(
        "ADA@example.org", Suppression.Reason.HARD_BOUNCE, note="550 no such user"
    )
    assert subscriptions.audience_count(supporters) == subscriptions.audience_count(other) == 0
    # An existing reason is kept: a later "unsubscribe everything" does not soften a bounce.
    subscriptions.unsubscribe(Subscriber.objects.get(), how=Subscription.EndedHow.EVERYTHING)
    assert Suppression.objects.get().reason == Suppression.Reason.HARD_BOUNCE


def test_confirming_never_lifts_a_bounce(db, supporters):
    subscriptions.subscribe("ada@example.org", supporters, subscriptions.ConsentRecord())
    subscriptions.suppress("ada@example.org", Suppression.Reason.HARD_BOUNCE)
    subscriptions.confirm(Subscription.objects.get())
    assert Suppression.objects.filter(email="ada@example.org").exists()
    assert subscriptions.audience_count(supporters) == 0
