"""Providers: how one batch goes to the email service, and what its errors mean.

A :class:`Provider` has a ``name``, a ``max_batch`` (recipients per batch), ``send()`` (one
batch in, each recipient's result out) and reads errors: :meth:`Provider.classify` (refused
for now, failed for good, or unknown) and :meth:`Provider.retry_after`. It is chosen from
Anymail's ``esp_name`` on the connection (:func:`provider_for`), or from a
``NEWSLETTER_PROVIDER`` dotted path for a backend this app does not know.

Providers that merge personal values themselves (Mailgun, SparkPost) get ONE call per batch
(:class:`InlineMergeProvider`); any other backend gets one message per recipient over one
connection (:class:`MessagePerRecipientProvider`). No database work happens here, so the
worker can make a call in a second thread while it records the previous batch.

Each provider adds what matters to it through Anymail (:meth:`Provider.extras`): the send's
id and list as metadata (it comes back with tracking events), Mailgun tags, Postmark's
broadcast message stream, an Amazon SES configuration set.
"""

from __future__ import annotations

import email.utils
import enum
import smtplib
from typing import Any

import requests
from anymail.exceptions import AnymailRecipientsRefused
from django.utils import timezone
from django.utils.module_loading import import_string
from urllib3.exceptions import MaxRetryError, NewConnectionError

from newsletter import conf
from newsletter.issues.messages import Content, batch_message, personal_message

# address -> (the provider's status for it, its message id)
Results = dict[str, tuple[str, str | None]]

# Recipients per provider API call (the providers' own limits).
BATCH_LIMITS = {
    "mailgun": 1000,
    "postmark": 500,
    "amazon_ses": 50,
    "brevo": 1000,
    "resend": 100,
    "sparkpost": 2000,
    "sendgrid": 1000,
    "mailjet": 50,
    "mandrill": 1000,
}
DEFAULT_BATCH_SIZE = 100  # other backends: messages per connection
# Providers that merge personal values themselves from one call: their placeholder syntax.
INLINE_MERGE_SYNTAX = {"mailgun": "%recipient.{key}%", "sparkpost": "{{{{{key}}}}}"}
# Of those, the ones that HTML-escape values in the HTML part themselves (SparkPost's
# ``{{key}}`` does; Mailgun substitutes verbatim, so it gets escaped copies of the values).
ESCAPES_MERGED_HTML = frozenset({"sparkpost"})
REJECTED = ("rejected", "invalid", "failed")  # a recipient's status the provider refused


class ErrorKind(enum.StrEnum):
    """What a failed call means for its batch."""

    REFUSED = "refused"  # the provider certainly did not take it, for now: retry later
    FAILED = "failed"  # refused for good (a bad request, bad credentials)
    UNKNOWN = "unknown"  # it may have been taken: never re-send automatically


class PartialSend(Exception):
    """A message-per-recipient batch stopped part-way: ``results`` holds what the provider did
    with the messages before, ``error`` what stopped it; the rest were not tried."""

    def __init__(self, results: Results, error: Exception) -> None:
        super().__init__(f"after {len(results)} messages: {type(error).__name__}: {error}")
        self.results, self.error = results, error


def normalise_message_id(message_id: str | None) -> str:
    """Provider message ids without the angle brackets some APIs add: '<a@b>' -> 'a@b'."""
    return "" if message_id is None else str(message_id).strip().strip("<>")


def _connection_refused(error: BaseException) -> bool:
    """Did the connection never open (nothing was sent)? Follows causes and wrapped errors."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(
            current,
            requests.exceptions.ConnectTimeout
            | ConnectionRefusedError
            | NewConnectionError
            | smtplib.SMTPConnectError,
        ):
            return True
        if isinstance(current, MaxRetryError) and current.reason is not None:
            pending.append(current.reason)
        pending += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return False


class Provider:
    """One email service's way to send a batch and the meaning of its errors."""

    name = "django"

    def __init__(self, name: str | None = None) -> None:
        self.name = name or self.name

    @property
    def max_batch(self) -> int:
        """Recipients per batch: ``NEWSLETTER_BATCH_SIZES[name]`` or the provider's limit."""
        overrides = conf.get("NEWSLETTER_BATCH_SIZES")
        return int(overrides.get(self.name) or BATCH_LIMITS.get(self.name, DEFAULT_BATCH_SIZE))

    def send(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        """Send ``content`` to ``recipients`` (address -> merge values); each one's result."""
        raise NotImplementedError

    def extras(self, content: Content) -> dict[str, Any]:
        """Anymail message options for ``content`` on this provider (``metadata``, ``tags``,
        ``esp_extra``); none for a test or for a backend Anymail does not run."""
        if content.send_id is None or self.name not in BATCH_LIMITS:
            return {}
        metadata = {"newsletter_send": str(content.send_id)}
        if content.lists:
            metadata["newsletter_list"] = content.lists[0][0]
        extras: dict[str, Any] = {"metadata": metadata}
        if self.name == "mailgun":
            extras["tags"] = ["newsletter", f"newsletter-send-{content.send_id}"]
        stream = conf.get("NEWSLETTER_POSTMARK_STREAM")
        if self.name == "postmark" and stream:
            extras["esp_extra"] = {"MessageStream": stream}
        configuration_set = conf.get("NEWSLETTER_SES_CONFIGURATION_SET")
        if self.name == "amazon_ses" and configuration_set:
            extras["esp_extra"] = {"ConfigurationSetName": configuration_set}
        return extras

    def classify(self, error: BaseException) -> ErrorKind:
        """By HTTP status (429/5xx refused, other 4xx failed, 2xx unreadable unknown), SMTP reply
        code (4xx refused, 5xx failed), or a connection that never opened (refused)."""
        status_code = getattr(error, "status_code", None)
        if status_code is not None:
            if status_code == 429 or status_code >= 500:
                return ErrorKind.REFUSED
            return ErrorKind.FAILED if status_code >= 400 else ErrorKind.UNKNOWN
        if isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 600:
            return ErrorKind.REFUSED if error.smtp_code < 500 else ErrorKind.FAILED
        return ErrorKind.REFUSED if _connection_refused(error) else ErrorKind.UNKNOWN

    def retry_after(self, error: BaseException) -> float:
        """Seconds the provider asked us to wait (its Retry-After header), else 0."""
        response = getattr(error, "response", None)
        header = response.headers.get("Retry-After") if response is not None else None
        if not header:
            return 0.0
        if header.strip().isdigit():
            return float(header.strip())
        parsed = email.utils.parsedate_to_datetime(header)
        return max(0.0, (parsed - timezone.now()).total_seconds()) if parsed else 0.0


class InlineMergeProvider(Provider):
    """ONE call for the whole batch; the provider fills each reader's values (Mailgun,
    SparkPost)."""

    def send(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        message = batch_message(
            content,
            recipients,
            INLINE_MERGE_SYNTAX[self.name],
            connection,
            escapes_html=self.name in ESCAPES_MERGED_HTML,
            extras=self.extras(content),
        )
        message.send()
        status = message.anymail_status
        results: Results = {}
        for address in recipients:
            own = status.recipients.get(address)
            results[address] = (
                getattr(own, "status", "queued") or "queued",
                getattr(own, "message_id", None) or status.message_id,
            )
        return results


class MessagePerRecipientProvider(Provider):
    """One message per recipient, personalised here, over one connection."""

    def send(self, content: Content, recipients: dict[str, dict], connection) -> Results:
        """Sent one by one, so that an error part-way does not decide for the whole batch: a
        refused address is that recipient's result ("rejected"), and any other error stops the
        batch with :class:`PartialSend` once some messages went (the batch's own error if none
        did)."""
        results: Results = {}
        extras = self.extras(content)
        connection.open()
        try:
            for address, values in recipients.items():
                message = personal_message(content, address, values, connection, extras)
                try:
                    connection.send_messages([message])
                except (AnymailRecipientsRefused, smtplib.SMTPRecipientsRefused):
                    results[address] = ("rejected", None)
                    continue
                except Exception as error:
                    if not results:
                        raise
                    raise PartialSend(results, error) from error
                results[address] = _result_of(message, address)
        finally:
            connection.close()
        return results


def _result_of(message, address: str) -> tuple[str, str | None]:
    status = getattr(message, "anymail_status", None)
    info = status.recipients.get(address) if status is not None else None
    return (info.status or "queued", info.message_id) if info else ("sent", "")


def provider_named(name: str) -> Provider:
    """The provider a send was frozen for (its stored name)."""
    custom = conf.get("NEWSLETTER_PROVIDER")
    if custom:
        return import_string(custom)()
    if name in INLINE_MERGE_SYNTAX:
        return InlineMergeProvider(name)
    return MessagePerRecipientProvider(name or "django")


def provider_for(connection) -> Provider:
    """The provider behind an email connection: Anymail's ``esp_name`` ("Amazon SES" ->
    ``amazon_ses``), ``django`` for Django's own backends, or ``NEWSLETTER_PROVIDER``."""
    esp_name = getattr(connection, "esp_name", "") or "django"
    return provider_named(esp_name.lower().replace(" ", "_"))
