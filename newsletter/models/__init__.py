"""Newsletter models (public API): audience, subscribe page, issues, settings, sending."""

from newsletter.models.audience import (
    ConsentText,
    ImportRun,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
    TaggedSubscriber,
    normalise_email,
)
from newsletter.models.dispatch import (
    Batch,
    Delivery,
    Dispatch,
    DispatchVersion,
    TrackingEvent,
)
from newsletter.models.insights import LinkClick, Segment
from newsletter.models.issues import NewsletterArchivePage, NewsletterIssuePage
from newsletter.models.pages import SubscribePage
from newsletter.models.settings import NewsletterSettings

__all__ = [
    "Batch",
    "ConsentText",
    "Delivery",
    "Dispatch",
    "DispatchVersion",
    "ImportRun",
    "LinkClick",
    "MailingList",
    "NewsletterArchivePage",
    "NewsletterIssuePage",
    "NewsletterSettings",
    "Segment",
    "SubscribePage",
    "Subscriber",
    "Subscription",
    "Suppression",
    "TaggedSubscriber",
    "TrackingEvent",
    "normalise_email",
]
