"""One way to build what the provider gets: frozen content plus a reader's own values.

:class:`Content` is a send's frozen subject, sender and bodies (with merge tags), taken from a
:class:`~newsletter.models.Dispatch` (a send, with its id and lists) or from a rendered issue
(a test send). :func:`personal_message` is one reader's email, personalised here;
:func:`batch_message` is one message for many readers that a provider personalises itself
(inline merge). Both carry every reader's own RFC 8058 one-click unsubscribe headers and, for
a send, the bulk headers of :func:`bulk_headers` (``List-Id``, ``Feedback-ID``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from anymail.message import AnymailMessage
from django.core.mail import EmailMultiAlternatives

from newsletter import conf
from newsletter.audience.tokens import preferences_url, unsubscribe_url
from newsletter.issues.merge_tags import in_syntax, personalise, with_html_values
from newsletter.issues.rendering import RenderedIssue
from newsletter.models import Dispatch
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
    send_id: int | None = None  # the send (Dispatch) it belongs to; None for a test
    lists: tuple[tuple[str, str], ...] = ()  # the send's lists, (slug, name), by name
    version: str = ""  # the send's version in another language ("": the send's own content)

    @classmethod
    def of_send(cls, send: Dispatch) -> Content:
        """The frozen content of a send (a Dispatch), with its id and its lists."""
        return cls.versions_of_send(send)[""]

    @classmethod
    def versions_of_send(cls, send: Dispatch) -> dict[str, Content]:
        """Every version of a send's content by language: ``""`` its own, plus one per
        translation frozen with it (:class:`~newsletter.models.DispatchVersion`)."""
        lists = tuple(send.mailing_lists.order_by("name", "slug").values_list("slug", "name"))
        contents = {
            "": cls(
                send.subject,
                send.from_email,
                send.reply_to,
                send.html,
                send.text,
                send_id=send.pk,
                lists=lists,
            )
        }
        for version in send.versions.all():
            contents[version.language] = cls(
                version.subject,
                version.from_email,
                version.reply_to,
                version.html,
                version.text,
                send_id=send.pk,
                lists=lists,
                version=version.language,
            )
        return contents

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

    @property
    def sending_domain(self) -> str:
        """The From address's domain (``example.org``), else the site's host name."""
        domain = parseaddr(self.from_email)[1].rpartition("@")[2]
        return (domain or urlsplit(conf.base_url()).hostname or "localhost").lower()


def bulk_headers(content: Content) -> dict[str, str]:
    """The headers of every message of a send (none for a test).

    ``List-Id`` (RFC 2919) names the send's first list by name (a person on several of its
    lists gets one message, under that one): ``Supporters <supporters.listid.example.org>``.
    ``Feedback-ID`` (Gmail's feedback loop) is ``<send id>:<list slug>:<sending domain>:<sender
    id>``, the sender id being ``NEWSLETTER_FEEDBACK_ID_SENDER``.
    """
    if content.send_id is None:
        return {}
    domain = content.sending_domain
    slug, name = content.lists[0] if content.lists else ("newsletter", "")
    sender_id = str(conf.get("NEWSLETTER_FEEDBACK_ID_SENDER")).replace(":", "-")
    return {
        "List-Id": formataddr((name, f"{slug.lower()}.listid.{domain}")),
        "Feedback-ID": f"{content.send_id}:{slug}:{domain}:{sender_id}",
    }


def unsubscribe_mailto() -> str:
    """The ``mailto:`` unsubscribe from ``NEWSLETTER_UNSUBSCRIBE_MAILTO``, or ``""``."""
    address = str(conf.get("NEWSLETTER_UNSUBSCRIBE_MAILTO")).strip().removeprefix("mailto:")
    return f"mailto:{address}?subject=unsubscribe" if address else ""


def list_unsubscribe_headers(unsubscribe_url: str, mailto: str | None = None) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers for one recipient: their https link, and the
    ``mailto:`` of :func:`unsubscribe_mailto` beside it when one is set (``mailto`` given:
    that one instead)."""
    mailto = unsubscribe_mailto() if mailto is None else mailto
    links = f"<{unsubscribe_url}>, <{mailto}>" if mailto else f"<{unsubscribe_url}>"
    return {"List-Unsubscribe": links, "List-Unsubscribe-Post": ONE_CLICK}


def personal_message(
    content: Content,
    to: str,
    values: dict[str, str],
    connection=None,
    extras: Mapping[str, Any] | None = None,
) -> EmailMultiAlternatives:
    """One reader's email: merge tags filled from ``values``, a Message-ID on the sending
    domain, their unsubscribe headers, and ``extras`` (Anymail's ``metadata``, ``tags``,
    ``esp_extra``: see ``newsletter.sending.providers``)."""
    html_body, text_body = personalise(content.html, content.text, values)
    headers = {
        **bulk_headers(content),
        "Message-ID": make_msgid(domain=content.sending_domain),
        **list_unsubscribe_headers(values["unsubscribe_url"]),
    }
    message = EmailMultiAlternatives(
        subject=content.subject,
        body=text_body,
        from_email=content.from_email,
        to=[to],
        reply_to=[content.reply_to] if content.reply_to else None,
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(html_body, "text/html")
    _add_extras(message, extras)
    return message


def batch_message(
    content: Content,
    recipients: dict[str, dict],
    syntax: str,
    connection=None,
    *,
    escapes_html: bool = False,
    extras: Mapping[str, Any] | None = None,
) -> AnymailMessage:
    """One message for many readers (address -> values) that the provider personalises:
    merge tags in its placeholder ``syntax``, values as merge data, headers per reader.

    Unless the provider ``escapes_html`` in the HTML part itself (SparkPost), the HTML body's
    placeholders name escaped copies of the values (``name_html``): Mailgun substitutes
    verbatim. No Message-ID is set: one would be shared by every reader, so the provider
    gives each message its own (on the sending domain configured with it).
    """
    merge_data, html_keys = (recipients, {}) if escapes_html else with_html_values(recipients)
    message = _message_to_many(content, recipients, merge_data, connection, extras)
    message.subject = content.subject
    message.body = in_syntax(content.text, syntax)
    message.attach_alternative(in_syntax(content.html, syntax, html_keys), "text/html")
    return message


def template_message(
    content: Content,
    recipients: dict[str, dict],
    template_id: str | int,
    connection=None,
    *,
    extras: Mapping[str, Any] | None = None,
) -> AnymailMessage:
    """One message for many readers through a template stored at the provider (see
    ``newsletter.sending.stored_templates``): no subject or body of its own, each reader's
    values (address -> the template's variables) as merge data, headers per reader."""
    message = _message_to_many(content, recipients, recipients, connection, extras)
    message.template_id = template_id
    return message


def _message_to_many(
    content: Content,
    recipients: dict[str, dict],
    merge_data: dict[str, dict],
    connection,
    extras: Mapping[str, Any] | None,
) -> AnymailMessage:
    """What every batch message carries: sender, readers, bulk headers, each reader's merge
    data and one-click unsubscribe headers, and the provider's ``extras``."""
    message = AnymailMessage(
        from_email=content.from_email,
        to=list(recipients),
        reply_to=[content.reply_to] if content.reply_to else None,
        headers=bulk_headers(content),
        connection=connection,
    )
    message.merge_data = merge_data
    mailto = unsubscribe_mailto()
    message.merge_headers = {
        address: list_unsubscribe_headers(values["unsubscribe_url"], mailto)
        for address, values in recipients.items()
    }
    _add_extras(message, extras)
    return message


def _add_extras(message: EmailMultiAlternatives, extras: Mapping[str, Any] | None) -> None:
    """Anymail reads ``metadata``, ``tags`` and ``esp_extra`` from any message; Django's own
    backends ignore them."""
    for name, value in (extras or {}).items():
        setattr(message, name, value)


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
