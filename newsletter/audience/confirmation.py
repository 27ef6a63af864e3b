"""The confirmation email (double opt-in): plain text with an HTML alternative.

The email does not greet anyone by name. Anyone can sign up any address, so the name field is
the sign-up's author's text, not the recipient's: echoed into a message from us it would carry
a stranger's words ("http://evil.example/ click here") to the victim under our sender name,
and mail clients turn bare URLs and domains into links even in plain text, which no escaping
prevents. Only the address, the list and our own link appear.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from newsletter import conf
from newsletter.audience.consent import wording_language
from newsletter.audience.tokens import confirm_url
from newsletter.models import Subscription
from newsletter.sender import sender_identity


def confirmation_message(subscription: Subscription) -> EmailMultiAlternatives:
    """The message asking the subscriber to confirm, with a signed link that expires, in the
    subscriber's language (English when we do not write in theirs)."""
    subscriber = subscription.subscriber
    language = wording_language(subscriber.language)
    max_age = conf.get("NEWSLETTER_CONFIRM_MAX_AGE")
    sender = sender_identity()
    context = {
        "subscriber": subscriber,
        "mailing_list": subscription.mailing_list,
        "confirm_url": confirm_url(subscription),
        "expires_days": max(1, round(max_age / 86400)),
        "sender_name": sender.organisation,
        "postal_address": sender.postal_address,
        "contact_email": sender.contact_email,
        "language": language,
    }
    with translation.override(language):
        subject = _("Please confirm your subscription to %(list)s") % {
            "list": subscription.mailing_list.name
        }
        text = render_to_string("newsletter/email/confirm.txt", context)
        html = render_to_string("newsletter/email/confirm.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=sender.from_address(), to=[subscriber.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def send_confirmation(subscription: Subscription) -> None:
    """Send the confirmation email now."""
    confirmation_message(subscription).send()
