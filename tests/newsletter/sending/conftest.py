"""Fixtures for sending: a list of active subscribers and a published issue."""

from __future__ import annotations

import pytest
from django.core.mail import get_connection

from newsletter.issues.messages import Content
from newsletter.models import Batch, Delivery, Dispatch, MailingList, Subscriber, Subscription
from newsletter.models.audience import new_public_id
from newsletter.sending.batches import LinkMaker, PreparedBatch, prepare_batch, start_posting
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from newsletter.sending.outcomes import BatchOutcome, finish_empty, record_outcome
from newsletter.sending.providers import Results, provider_named
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)
from tests.support.fake_mailgun import FakeMailgun

# The tracking webhook's basic auth and Mailgun signing key in the tests.
SIGNING_KEY = "webhook-signing-key"
SECRET = "hook:s3cret"


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
def mailgun(settings):
    """Anymail's real Mailgun backend, posting to the loopback Mailgun server."""
    with FakeMailgun() as server:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01
        yield server


@pytest.fixture
def supporters(db) -> MailingList:
    return MailingList.objects.create(name="Supporters", slug="supporters", is_public=True)


def frozen_content(send: Dispatch) -> Content:
    """The send's content, read once per send object (a worker reads it once when it starts)."""
    if "_frozen_content" not in send.__dict__:
        send._frozen_content = Content.of_send(send)
    return send._frozen_content


def post(send: Dispatch, prepared: PreparedBatch, connection=None) -> Results:
    """Make the provider call for a prepared batch, as a worker's poster thread does."""
    provider = provider_named(send.provider)
    frozen = frozen_content(send)
    return provider.send(frozen, prepared.recipients, connection or get_connection())


def send_one_batch(batch: Batch, send: Dispatch, links: LinkMaker, connection=None) -> BatchOutcome:
    """Send one claimed batch and record every recipient's outcome, one step after the other
    (what the worker loop does, without its second thread)."""
    prepared = prepare_batch(batch, links)
    if not prepared.recipients:
        return finish_empty(prepared)
    if not start_posting(batch):
        return BatchOutcome(skipped=prepared.skipped)
    provider = provider_named(send.provider)
    try:
        results = post(send, prepared, connection)
    except Exception as error:  # what happened decides between retry and unknown
        return record_outcome(prepared, provider, error=error)
    return record_outcome(prepared, provider, results)


@pytest.fixture
def sent(issue, supporters, settings) -> dict[str, Delivery]:  # noqa: F811 (issue: a fixture)
    """A send to three readers through Anymail's test backend (a message id each)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    add_subscribers(supporters, 3)
    send = create_send(issue, [supporters])
    start(send)
    return {d.email: d for d in Delivery.objects.filter(dispatch=send)}


@pytest.fixture
def sender(django_user_model, roles):
    """A user in Newsletter senders and Comms editors: may send and edit issues."""
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"], roles["Comms editors"])
    return user


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
