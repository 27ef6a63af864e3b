"""Newsletter models (public API): the audience and the subscribe page."""

from newsletter.models.audience import (
    ConsentText,
    ImportRun,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
    normalise_email,
)
from newsletter.models.pages import SubscribePage

__all__ = [
    "ConsentText",
    "ImportRun",
    "MailingList",
    "SubscribePage",
    "Subscriber",
    "Subscription",
    "Suppression",
    "normalise_email",
]
