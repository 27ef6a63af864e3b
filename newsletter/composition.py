"""Compose the message one recipient receives from a rendered issue (no re-rendering)."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives

from newsletter.rendering import RenderedIssue, personalise

ONE_CLICK = "List-Unsubscribe=One-Click"


def list_unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers for one recipient."""
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": ONE_CLICK}


def from_address(rendered: RenderedIssue, sender_email: str = "") -> str:
    """'Name <address>' from the issue's sender name and the configured sender address."""
    address = sender_email or django_settings.DEFAULT_FROM_EMAIL
    return formataddr((rendered.sender_name, address)) if rendered.sender_name else address


def compose(
    rendered: RenderedIssue,
    to: str,
    values: dict[str, str],
    *,
    subject_prefix: str = "",
    sender_email: str = "",
    connection=None,
) -> EmailMultiAlternatives:
    """The email for ``to``: personalised text and HTML parts and one-click unsubscribe headers."""
    return personal_email(
        subject=f"{subject_prefix}{rendered.subject}",
        from_email=from_address(rendered, sender_email),
        reply_to=rendered.reply_to,
        html=rendered.html,
        text=rendered.text,
        to=to,
        values=values,
        connection=connection,
    )


def personal_email(
    *,
    subject: str,
    from_email: str,
    reply_to: str,
    html: str,
    text: str,
    to: str,
    values: dict[str, str],
    connection=None,
) -> EmailMultiAlternatives:
    """One recipient's email from HTML and text with merge tags: the tags filled from
    ``values``, and that recipient's one-click unsubscribe headers."""
    html_body, text_body = personalise(html, text, values)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text_body,
        from_email=from_email,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers=list_unsubscribe_headers(values["unsubscribe_url"]),
        connection=connection,
    )
    message.attach_alternative(html_body, "text/html")
    return message


def merge_values_for(subscriber) -> dict[str, str]:
    """The personal values of one subscriber: name and signed unsubscribe/preferences links."""
    from newsletter.tokens import preferences_url, unsubscribe_url

    return {
        "name": subscriber.name,
        "unsubscribe_url": unsubscribe_url(subscriber),
        "preferences_url": preferences_url(subscriber),
    }


def sample_merge_values(email: str) -> dict[str, str]:
    """Values for a test or sample message: the subscriber's own if ``email`` is one."""
    from newsletter.models import Subscriber, normalise_email
    from newsletter.models.audience import new_public_id

    subscriber = Subscriber.objects.filter(email=normalise_email(email)).first()
    if subscriber is None:
        subscriber = Subscriber(email=email, name="", public_id=new_public_id())
    return merge_values_for(subscriber)
