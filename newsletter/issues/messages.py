"""One way to build what the provider gets: frozen content plus a reader's own values.

:class:`Content` is a send's frozen subject, sender and bodies (with merge tags), taken from a
:class:`~newsletter.models.Dispatch` (a send) or from a rendered issue (a test send).
:func:`personal_message` is one reader's email, personalised here; :func:`batch_message` is
one message for many readers that a provider personalises itself (inline merge). Both carry
every reader's own RFC 8058 one-click unsubscribe headers.
"""

from __future__ import annotations

from dataclasses import dataclass

from anymail.message import AnymailMessage
from django.core.mail import EmailMultiAlternatives

from newsletter.audience.tokens import preferences_url, unsubscribe_url
from newsletter.issues.merge_tags import in_syntax, personalise
from newsletter.issues.rendering import RenderedIssue
from newsletter.models.audience import Subscriber, new_public_id, normalise_email
from newsletter.sender import SenderIdentity

ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class Content:
    """What every reader of one send (or one test) gets, before personal values go in."""

    subject: str
    from_email: str
    reply_to: str
    html: str
    text: str

    @classmethod
    def of_send(cls, send) -> Content:
        """The frozen content of a send (a Dispatch)."""
        return cls(send.subject, send.from_email, send.reply_to, send.html, send.text)

    @classmethod
    def of_rendered(
        cls, rendered: RenderedIssue, sender: SenderIdentity, subject_prefix: str = ""
    ) -> Content:
        """Content from a fresh render (test sends, the render command)."""
        return cls(
            subject=f"{subject_prefix}{rendered.subject}",
            from_email=sender.from_address(rendered.sender_name),
            reply_to=rendered.reply_to,
            html=rendered.html,
            text=rendered.text,
        )


def list_unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers for one recipient."""
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": ONE_CLICK}


def personal_message(
    content: Content, to: str, values: dict[str, str], connection=None
) -> EmailMultiAlternatives:
    """One reader's email: merge tags filled from ``values``, with their unsubscribe headers."""
    html_body, text_body = personalise(content.html, content.text, values)
    message = EmailMultiAlternatives(
        subject=content.subject,
        body=text_body,
        from_email=content.from_email,
        to=[to],
        reply_to=[content.reply_to] if content.reply_to else None,
        headers=list_unsubscribe_headers(values["unsubscribe_url"]),
        connection=connection,
    )
    message.attach_alternative(html_body, "text/html")
    return message


def batch_message(
    content: Content, recipients: dict[str, dict], syntax: str, connection=None
) -> AnymailMessage:
    """One message for many readers (address -> values) that the provider personalises:
    merge tags in its placeholder ``syntax``, values as merge data, headers per reader."""
    message = AnymailMessage(
        subject=content.subject,
        body=in_syntax(content.text, syntax),
        from_email=content.from_email,
        to=list(recipients),
        reply_to=[content.reply_to] if content.reply_to else None,
        connection=connection,
    )
    message.attach_alternative(in_syntax(content.html, syntax), "text/html")
    message.merge_data = recipients
    message.merge_headers = {
        address: list_unsubscribe_headers(values["unsubscribe_url"])
        for address, values in recipients.items()
    }
    return message


def merge_values_for(subscriber) -> dict[str, str]:
    """The personal values of one subscriber: name and signed unsubscribe/preferences links."""
    return {
        "name": subscriber.name,
        "unsubscribe_url": unsubscribe_url(subscriber),
        "preferences_url": preferences_url(subscriber),
    }


def sample_merge_values(email: str) -> dict[str, str]:
    """Values for a test or sample message: the subscriber's own if ``email`` is one."""
    subscriber = Subscriber.objects.filter(email=normalise_email(email)).first()
    if subscriber is None:
        subscriber = Subscriber(email=email, name="", public_id=new_public_id())
    return merge_values_for(subscriber)
