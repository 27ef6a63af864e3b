"""A delivery's links to its send, batch and subscriber hold without database constraints
(left out for the freeze's speed): deletions through the ORM leave no delivery pointing
nowhere."""

from __future__ import annotations

import pytest

from newsletter.models import Batch, Delivery, Dispatch, Subscriber
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(issue, supporters, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add_subscribers(supporters, 3)
    send = create_send(issue, [supporters])
    start(send)
    return send


def test_an_erased_subscriber_leaves_the_delivery_without_a_person(sent):
    erased = Subscriber.objects.get(email="reader0@example.org")
    erased.delete()
    delivery = Delivery.objects.get(dispatch=sent, email="reader0@example.org")
    assert delivery.subscriber_id is None  # the record of the send stays, nobody is named


def test_a_deleted_send_takes_its_batches_and_deliveries_with_it(sent):
    Dispatch.objects.filter(pk=sent.pk).delete()
    assert not Batch.objects.exists()
    assert not Delivery.objects.exists()
