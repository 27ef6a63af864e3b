"""Background tasks (django_tasks): confirmation emails and the lapse of implied consent.

``lapse_implied_consent`` must run daily: from cron (``manage.py newsletter_lapse_implied_consent``)
or by enqueueing this task from a scheduler. Audience counts and sends already exclude lapsed
implied consent even on a day it did not run; the task records the end on each subscription.
"""

from __future__ import annotations

from django_tasks import task

from newsletter.audience import consent
from newsletter.audience.confirmation import send_confirmation
from newsletter.models import Subscription


@task()
def send_confirmation_email(subscription_id: int) -> bool:
    """Send the double opt-in email, if the subscription is still waiting for it."""
    subscription = (
        Subscription.objects.select_related("subscriber", "mailing_list")
        .filter(pk=subscription_id, status=Subscription.Status.PENDING)
        .first()
    )
    if subscription is None:
        return False
    send_confirmation(subscription)
    return True


@task()
def lapse_implied_consent() -> int:
    """End implied-consent subscriptions older than two years; return how many ended."""
    return consent.lapse_implied_consent()
