"""The floor for ``send_floor_ratio`` and ``providers_*_floor_ratio``: Anymail alone posting the
engine's batches, no database.

Mailgun (``bench.send``): reads batches prepared by ``bench.send`` (a pickle: the dispatch's
subject, sender, HTML and text with Mailgun's ``%recipient.KEY%`` placeholders, and per batch
each recipient's merge values), then posts them one after the other with Anymail's real Mailgun
backend over one connection, as one call per batch with ``merge_data`` and per-recipient
List-Unsubscribe headers (what the engine posts).

``--template`` (``bench.providers``: Postmark, Amazon SES, Brevo): the pickle holds the
provider, the send's template (name, subject, bodies in the provider's language), sender,
bulk headers, Anymail extras (metadata) and per batch each recipient's template variables. The
template is stored at the provider first (not timed: the timed loop uploads nothing), then
each batch goes as one call with ``template_id``, ``merge_data`` and per-recipient
``merge_headers`` over one open connection (one boto3 client for SES).

Only the posting is timed. Prints ``{"seconds", "calls", "recipients"}``.

    DATABASE_URL=sqlite:///:memory: EMAIL_ESP=mailgun ANYMAIL_...=... \
        python -m bench.anymail_floor BATCHES.pickle
    DATABASE_URL=sqlite:///:memory: EMAIL_ESP=postmark ANYMAIL_...=... \
        python -m bench.anymail_floor --template BATCHES.pickle
"""

from __future__ import annotations

import json
import pickle
import sys
import time


def inline_floor(prepared: dict) -> tuple[float, int]:
    """Mailgun: the content in the call, merged by the provider. (Seconds, recipients.)"""
    from anymail.message import AnymailMessage
    from django.core.mail import get_connection

    from newsletter.issues.messages import list_unsubscribe_headers

    connection = get_connection()
    started = time.perf_counter()
    recipients = 0
    for batch in prepared["batches"]:
        message = AnymailMessage(
            subject=prepared["subject"],
            body=prepared["text"],
            from_email=prepared["from_email"],
            to=list(batch),
            reply_to=prepared["reply_to"],
            connection=connection,
        )
        message.attach_alternative(prepared["html"], "text/html")
        message.merge_data = batch
        message.merge_headers = {
            address: list_unsubscribe_headers(values["unsubscribe_url"])
            for address, values in batch.items()
        }
        message.send()
        recipients += len(batch)
    return time.perf_counter() - started, recipients


def template_floor(prepared: dict) -> tuple[float, int]:
    """Postmark, Amazon SES, Brevo: each batch through the template stored beforehand."""
    from anymail.message import AnymailMessage
    from django.core.mail import get_connection

    from newsletter.issues.messages import list_unsubscribe_headers, unsubscribe_mailto
    from newsletter.sending.stored_templates import TemplateContent, template_store

    provider = prepared["provider"]
    connection = get_connection()
    connection.open()  # one connection (one boto3 client) for every call
    template = TemplateContent(**prepared["template"])
    stored = template_store(provider, connection).upload(
        template, prepared["from_email"], prepared["reply_to"] or ""
    )
    template_id = int(stored) if provider == "brevo" else stored
    mailto = unsubscribe_mailto()
    started = time.perf_counter()
    recipients = 0
    for batch in prepared["batches"]:
        message = AnymailMessage(
            from_email=prepared["from_email"],
            to=list(batch),
            reply_to=[prepared["reply_to"]] if prepared["reply_to"] else None,
            headers=prepared["headers"],
            connection=connection,
        )
        message.template_id = template_id
        message.merge_data = batch
        message.merge_headers = {
            address: list_unsubscribe_headers(values["unsubscribe_url"], mailto)
            for address, values in batch.items()
        }
        for name, value in prepared["extras"].items():
            setattr(message, name, value)
        message.send()
        recipients += len(batch)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, recipients


def main() -> None:
    import django

    django.setup()
    template = sys.argv[1] == "--template"
    with open(sys.argv[-1], "rb") as file:
        prepared = pickle.load(file)
    seconds, recipients = (template_floor if template else inline_floor)(prepared)
    print(
        json.dumps(
            {"seconds": seconds, "calls": len(prepared["batches"]), "recipients": recipients}
        )
    )


if __name__ == "__main__":
    main()
