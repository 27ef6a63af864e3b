"""The sign-on emails: confirm the request, "you're on the letter", and the rejection.

Each is plain text with an HTML alternative, in the letter's language, from the newsletter's
sender identity, and is sent through a task (with the queue down, in the request).

What they say, and what they leave out: anyone can type any address into the form, so the
confirmation email carries none of the form's text (no contact name: no greeting by name; no
organisation name, city or website): only the letter's title (ours), the list's name (ours)
and our link. Echoed into a message from us, a stranger's words ("www.evil.example: click
here") would reach the victim under our sender name, and mail clients turn bare domains into
links whatever the escaping. The confirmation page on our site shows the details to check.
The approval email names the organisation as it now appears on the letter (a moderator read
it); the rejection email quotes the moderator's reason and nothing the visitor typed, and is
only sent to a confirmed address.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from advocacy.confirmations import SIGN_ON_SALT, confirm_link, max_age_days
from advocacy.models import SignOnRequest
from newsletter.outage import enqueue_or_call
from newsletter.sender import sender_identity

logger = logging.getLogger(__name__)

CONFIRM = "confirm"
APPROVED = "approved"
REJECTED = "rejected"

SUBJECTS = {
    CONFIRM: lambda title: (
        _("Confirm your organisation's signature on “%(title)s”") % {"title": title}
    ),
    APPROVED: lambda title: _("Your organisation is on the letter “%(title)s”") % {"title": title},
    REJECTED: lambda title: _("Your request to sign “%(title)s”") % {"title": title},
}


def confirm_url(sign_on: SignOnRequest) -> str:
    """The absolute, signed, expiring link that confirms ``sign_on``."""
    return confirm_link(sign_on.public_id, SIGN_ON_SALT, "advocacy_supporters:sign_on_confirm")


def sign_on_message(sign_on: SignOnRequest, kind: str) -> EmailMultiAlternatives:
    """The email of ``kind`` (:data:`CONFIRM`, :data:`APPROVED`, :data:`REJECTED`)."""
    letter = sign_on.letter
    sender = sender_identity()
    language = sign_on.language or letter.locale.language_code
    with translation.override(language):
        context = {
            "sign_on": sign_on,
            "letter": letter,
            "letter_url": letter.full_url,
            "mailing_list": letter.sign_on_mailing_list if sign_on.wants_newsletter else None,
            "confirm_url": confirm_url(sign_on) if kind == CONFIRM else "",
            "organisation": sign_on.organisation if kind == APPROVED else None,
            "expires_days": max_age_days(),
            "sender_name": sender.organisation,
            "postal_address": sender.postal_address,
            "contact_email": sender.contact_email,
            "language": language,
        }
        subject = SUBJECTS[kind](letter.title)
        text = render_to_string(f"advocacy/signons/email/{kind}.txt", context)
        html = render_to_string(f"advocacy/signons/email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=sender.from_address(), to=[sign_on.contact_email]
    )
    message.attach_alternative(html, "text/html")
    return message


# Who may still receive each kind: a rejection goes only to an address its owner confirmed.
WANTED_STATUS = {
    CONFIRM: (SignOnRequest.Status.PENDING,),
    APPROVED: (SignOnRequest.Status.APPROVED,),
    REJECTED: (SignOnRequest.Status.REJECTED,),
}


@task()
def send_sign_on_email(sign_on_id: int, kind: str) -> bool:
    """Send the email of ``kind`` if the request is still in the state it was sent for."""
    sign_on = (
        SignOnRequest.objects.select_related(
            "letter", "letter__locale", "letter__sign_on_mailing_list", "organisation"
        )
        .filter(pk=sign_on_id, status__in=WANTED_STATUS[kind])
        .first()
    )
    if sign_on is None:
        return False
    if kind == REJECTED and sign_on.confirmed_at is None:
        return False
    sign_on_message(sign_on, kind).send()
    return True


def queue_email(sign_on: SignOnRequest, kind: str) -> None:
    """Queue the email; with the queue down (Redis, ``rq``), send it now."""
    enqueue_or_call(send_sign_on_email, sign_on.pk, kind, what="a sign-on email", log=logger)
