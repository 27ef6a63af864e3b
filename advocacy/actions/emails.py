"""The emails of an action: the supporter's confirmation, the letter to each target, and the
supporter's copy. All plain text.

The letter comes from the organisation's sending address with the supporter as ``Reply-To``:
a ``From:`` with the supporter's own address would fail DMARC at their provider's domain and
be rejected or filed as spam. The confirmation email quotes nothing the form's author typed
(anyone can enter anyone's address): only the action's title, which we wrote, and our link.
"""

from __future__ import annotations

from email.utils import formataddr

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from advocacy.confirmations import ACTION_SALT, confirm_link, max_age_days
from advocacy.models import ActionPage, Participation
from advocacy.models.actions import ActionMessage
from newsletter.audience.consent import wording_language
from newsletter.sender import sender_identity


def confirm_url(participation: Participation) -> str:
    """The absolute, signed link that confirms ``participation`` (it expires)."""
    return confirm_link(participation.public_id, ACTION_SALT, "advocacy_supporters:action_confirm")


def _language(participation: Participation) -> str:
    return wording_language(participation.language)


def confirmation_message(participation: Participation) -> EmailMessage:
    """The email asking the supporter to confirm, in the action's language."""
    page: ActionPage = participation.page
    sender = sender_identity()
    language = _language(participation)
    context = {
        "page": page,
        "is_letter": page.kind == ActionPage.Kind.LETTER,
        "confirm_url": confirm_url(participation),
        "expires_days": max_age_days(),
        "mailing_list": page.mailing_list if participation.wants_newsletter else None,
        "sender_name": sender.organisation,
        "postal_address": sender.postal_address,
        "contact_email": sender.contact_email,
    }
    with translation.override(language):
        subject = _("Please confirm: %(action)s") % {"action": page.title}
        text = render_to_string("advocacy/actions/email/confirm.txt", context)
    return EmailMessage(
        subject=subject, body=text, from_email=sender.from_address(), to=[participation.email]
    )


def send_confirmation(participation: Participation) -> None:
    """Send the confirmation email now."""
    confirmation_message(participation).send()


def letter_text(participation: Participation) -> str:
    """The letter as sent: the body, the personal paragraph, then the signature."""
    with translation.override(_language(participation)):
        closing = _("Sincerely,")
    parts = [participation.body.strip(), participation.personal_message.strip()]
    signature = "\n".join(
        line for line in (closing, participation.name, participation.postal_code) if line
    )
    return "\n\n".join([part for part in parts if part] + [signature]) + "\n"


def supporter_address(participation: Participation) -> str:
    """'Name <address>' of the supporter, for ``Reply-To`` and their copy."""
    return formataddr((participation.name, participation.email))


def letter_message(message: ActionMessage) -> EmailMessage:
    """One letter to one target: from the organisation, replies to the supporter."""
    participation = message.participation
    return EmailMessage(
        subject=participation.subject,
        body=letter_text(participation),
        from_email=sender_identity().from_address(),
        to=[formataddr((message.recipient_name, message.recipient_email))],
        reply_to=[supporter_address(participation)],
    )


def copy_message(participation: Participation, recipients: list[str]) -> EmailMessage:
    """The supporter's copy of the letter, naming whom it went to."""
    sender = sender_identity()
    context = {
        "page": participation.page,
        "recipients": recipients,
        "subject": participation.subject,
        "letter": letter_text(participation),
        "sender_name": sender.organisation,
        "postal_address": sender.postal_address,
        "contact_email": sender.contact_email,
    }
    with translation.override(_language(participation)):
        subject = _("Your letter was sent: %(subject)s") % {"subject": participation.subject}
        text = render_to_string("advocacy/actions/email/copy.txt", context)
    return EmailMessage(
        subject=subject,
        body=text,
        from_email=sender.from_address(),
        to=[supporter_address(participation)],
        reply_to=[sender.reply_to] if sender.reply_to else None,
    )
