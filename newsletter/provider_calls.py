"""Provider calls for the sending engine: one batch in, each recipient's result out.

No database work happens here, so :func:`newsletter.dispatch.run_dispatch` can make a call in a
second thread while it records the previous batch. Providers that merge personal values
themselves get ONE call per batch (:func:`send_inline`); any other backend gets one message per
recipient over one connection (:func:`send_each`). :func:`provider_refused` and
:func:`retry_after` read an error: did the provider certainly not take the batch, and when may
we try again.
"""

from __future__ import annotations

import email.utils
import smtplib

from django.utils import timezone

from newsletter.composition import list_unsubscribe_headers, personal_email
from newsletter.rendering import MERGE_FIELDS, merge_tag

# Providers that merge personal values themselves from one call: their placeholder syntax.
INLINE_MERGE_SYNTAX = {"mailgun": "%recipient.{key}%", "sparkpost": "{{{{{key}}}}}"}

# address -> (the provider's status for it, its message id)
Results = dict[str, tuple[str, str | None]]


def normalise_message_id(message_id: str | None) -> str:
    """Provider message ids without the angle brackets some APIs add: '<a@b>' -> 'a@b'."""
    return "" if message_id is None else str(message_id).strip().strip("<>")


def inline_body(text: str, syntax: str) -> str:
    """The text with our merge tags in the provider's placeholder syntax."""
    for key in MERGE_FIELDS:
        text = text.replace(merge_tag(key), syntax.format(key=key))
    return text


def send_inline(dispatch, recipients: dict[str, dict], syntax: str, connection) -> Results:
    """One provider call for the whole batch; the provider merges personal values."""
    from anymail.message import AnymailMessage

    message = AnymailMessage(
        subject=dispatch.subject,
        body=inline_body(dispatch.text, syntax),
        from_email=dispatch.from_email,
        to=list(recipients),
        reply_to=[dispatch.reply_to] if dispatch.reply_to else None,
        connection=connection,
    )
    message.attach_alternative(inline_body(dispatch.html, syntax), "text/html")
    message.merge_data = recipients
    message.merge_headers = {
        address: list_unsubscribe_headers(values["unsubscribe_url"])
        for address, values in recipients.items()
    }
    message.send()
    status = message.anymail_status
    return {
        address: (
            getattr(status.recipients.get(address), "status", "queued") or "queued",
            getattr(status.recipients.get(address), "message_id", None) or status.message_id,
        )
        for address in recipients
    }


class PartialSend(Exception):
    """A message-per-recipient batch stopped part-way: ``results`` holds what the provider did
    with the messages before, ``error`` what stopped it; the rest were not tried."""

    def __init__(self, results: Results, error: Exception) -> None:
        super().__init__(f"after {len(results)} messages: {type(error).__name__}: {error}")
        self.results, self.error = results, error


def send_each(dispatch, recipients: dict[str, dict], connection) -> Results:
    """One message per recipient, personalised by string replacement, over one connection.

    Sent one by one, so that an error part-way does not decide for the whole batch: a refused
    address is that recipient's result ("rejected"), and any other error stops the batch with
    :class:`PartialSend` once some messages went (the batch's own error if none did).
    """
    from anymail.exceptions import AnymailRecipientsRefused

    results: Results = {}
    connection.open()
    try:
        for address, values in recipients.items():
            message = personal_email(
                subject=dispatch.subject,
                from_email=dispatch.from_email,
                reply_to=dispatch.reply_to,
                html=dispatch.html,
                text=dispatch.text,
                to=address,
                values=values,
                connection=connection,
            )
            try:
                connection.send_messages([message])
            except (AnymailRecipientsRefused, smtplib.SMTPRecipientsRefused):
                results[address] = ("rejected", None)
                continue
            except Exception as error:
                if not results:
                    raise
                raise PartialSend(results, error) from error
            status = getattr(message, "anymail_status", None)
            info = status.recipients.get(address) if status is not None else None
            results[address] = (info.status or "queued", info.message_id) if info else ("sent", "")
    finally:
        connection.close()
    return results


def retry_after(error: Exception) -> float:
    """Seconds the provider asked us to wait (its Retry-After header), else 0."""
    response = getattr(error, "response", None)
    header = response.headers.get("Retry-After") if response is not None else None
    if not header:
        return 0.0
    if header.strip().isdigit():
        return float(header.strip())
    parsed = email.utils.parsedate_to_datetime(header)
    return max(0.0, (parsed - timezone.now()).total_seconds()) if parsed else 0.0


def provider_refused(error: Exception) -> bool:
    """Did the provider definitely NOT take the message, for now? (429/5xx, connection refused)."""
    status_code = getattr(error, "status_code", None)
    if status_code is not None:
        return status_code == 429 or status_code >= 500
    import requests

    chain, seen = error, set()
    while chain is not None and id(chain) not in seen:
        seen.add(id(chain))
        if isinstance(chain, requests.exceptions.ConnectTimeout | ConnectionRefusedError):
            return True
        if type(chain).__name__ == "NewConnectionError":
            return True
        if any(type(arg).__name__ == "NewConnectionError" for arg in getattr(chain, "args", ())):
            return True
        chain = chain.__cause__ or chain.__context__
    text = repr(error)
    return "NewConnectionError" in text or "Connection refused" in text


def post(dispatch, recipients: dict[str, dict], connection) -> Results:
    """Send the batch to ``recipients`` (address -> merge values) the best way for the provider."""
    syntax = INLINE_MERGE_SYNTAX.get(dispatch.provider)
    if syntax:
        return send_inline(dispatch, recipients, syntax, connection)
    return send_each(dispatch, recipients, connection)
