"""The confirmation email (double opt-in): plain text with an HTML alternative."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from newsletter import conf
from newsletter.models import Subscription
from newsletter.tokens import confirm_url

SUBJECTS = {
    "en": "Please confirm your subscription to {list}",
    "fr": "Veuillez confirmer votre abonnement à {list}",
}


def confirmation_message(subscription: Subscription) -> EmailMultiAlternatives:
    """The message asking the subscriber to confirm, with a signed link that expires."""
    subscriber = subscription.subscriber
    language = subscriber.language if subscriber.language in SUBJECTS else "en"
    max_age = conf.get("NEWSLETTER_CONFIRM_MAX_AGE")
    from newsletter.rendering import newsletter_settings

    sender = newsletter_settings()  # Settings > Newsletter settings win over the env defaults
    context = {
        "subscriber": subscriber,
        "mailing_list": subscription.mailing_list,
        "confirm_url": confirm_url(subscription),
        "expires_days": max(1, round(max_age / 86400)),
        "sender_name": sender.organisation_name or conf.sender_name(),
        "postal_address": sender.mailing_address or conf.get("NEWSLETTER_POSTAL_ADDRESS"),
        "contact_email": sender.contact_email
        or conf.get("NEWSLETTER_CONTACT_EMAIL")
        or settings.DEFAULT_FROM_EMAIL,
        "language": language,
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[language].format(list=subscription.mailing_list.name),
        body=render_to_string("newsletter/email/confirm.txt", context),
        from_email=sender.sender_email or settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
    )
    message.attach_alternative(
        render_to_string("newsletter/email/confirm.html", context), "text/html"
    )
    return message


def send_confirmation(subscription: Subscription) -> None:
    confirmation_message(subscription).send()
