"""The floor for ``send_floor_ratio``: Anymail alone posting the engine's batches, no database.

Reads batches prepared by ``bench.send`` (a pickle: the dispatch's subject, sender, HTML and
text with Mailgun's ``%recipient.KEY%`` placeholders, and per batch each recipient's merge
values), then posts them one after the other with Anymail's real Mailgun backend over one
connection, as one call per batch with ``merge_data`` and per-recipient List-Unsubscribe headers
(what the engine posts). Only the posting is timed. Prints ``{"seconds", "calls", "recipients"}``.

    DATABASE_URL=sqlite:///:memory: EMAIL_ESP=mailgun ANYMAIL_...=... \
        python -m bench.anymail_floor BATCHES.pickle
"""

from __future__ import annotations

import json
import pickle
import sys
import time


def main() -> None:
    import django

    django.setup()
    from anymail.message import AnymailMessage
    from django.core.mail import get_connection

    from newsletter.issues.messages import list_unsubscribe_headers

    with open(sys.argv[1], "rb") as file:
        prepared = pickle.load(file)
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
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"seconds": seconds, "calls": len(prepared["batches"]), "recipients": recipients}
        )
    )


if __name__ == "__main__":
    main()
