"""Fixtures for sending: a list of active subscribers and a published issue."""

from __future__ import annotations

import pytest

from newsletter.models import MailingList, Subscriber, Subscription
from newsletter.models.audience import new_public_id
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)


def add_subscribers(mailing_list: MailingList, count: int, prefix: str = "reader") -> list[int]:
    """Create ``count`` active, express-consent subscribers on the list; return their ids."""
    subscribers = Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=f"{prefix}{n}@example.org", name=f"Reader {n}", public_id=new_public_id()
            )
            for n in range(count)
        ]
    )
    Subscription.objects.bulk_create(
        [
            Subscription(
                subscriber=s,
                mailing_list=mailing_list,
                status=Subscription.Status.ACTIVE,
                consent_type=Subscription.ConsentType.EXPRESS,
                source=Subscription.Source.IMPORT,
                public_id=new_public_id(),
            )
            for s in subscribers
        ]
    )
    return [s.pk for s in subscribers]


@pytest.fixture
def supporters(db) -> MailingList:
    return MailingList.objects.create(name="Supporters", slug="supporters", is_public=True)
