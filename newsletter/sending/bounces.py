"""Hard or soft: what kind of bounce a provider reported, read from its raw webhook event.

Anymail reports every final delivery failure as ``bounced``, whether the address does not exist
(hard: suppress it now) or the mailbox was full or greylisted the message (soft: try again next
time). Most providers say which in the raw event Anymail keeps as ``event.esp_event``:

- Postmark: ``Type`` (``HardBounce``, ``SoftBounce``...) or its ``TypeCode``.
- Amazon SES: ``bounce.bounceType`` (``Permanent``, ``Transient``, ``Undetermined``); Anymail
  passes the SES event itself, but an SNS envelope (``Message`` as a JSON string) is read too.
- SparkPost: ``bounce_class`` (https://support.sparkpost.com/docs/deliverability/
  bounce-classification-codes): the *Hard* and *Admin* classes are hard, the others soft.
- Brevo: the event's name, ``hard_bounce`` (and ``invalid_email``) or ``soft_bounce``.
- Resend: ``data.bounce.type`` (``Permanent``, ``Transient``, ``Undetermined``).
- Mailgun: ``event-data.severity`` (``permanent``, ``temporary``). Anymail reports a temporary
  failure as ``deferred`` (Mailgun retries); the last one, when Mailgun gives up retrying, has
  the reason ``old``: that one is a soft bounce.

Another provider, or a bounce whose kind cannot be read, is hard: Anymail's ``bounced`` means
the receiving server refused the message for good, and a hard bounce that is let through would
be sent again and again, harming the sender's reputation for everyone on the list. A provider's
own "undetermined" verdict is soft: it looked and could not call the failure permanent (SES and
SparkPost do not suppress those themselves), and repeated soft bounces still suppress.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from anymail.signals import EventType

HARD = "hard"
SOFT = "soft"

# Postmark's bounce types that Anymail reports as "bounced", by Type and by TypeCode
# (https://postmarkapp.com/developer/api/bounce-api#bounce-types). A virus notification says
# nothing about the address: the message was refused, not the reader.
POSTMARK_KINDS = {"HardBounce": HARD, "SoftBounce": SOFT, "VirusNotification": SOFT}
POSTMARK_CODES = {1: HARD, 4096: SOFT, 8192: SOFT}
SPARKPOST_HARD_CLASSES = {"10", "25", "26", "30", "90"}  # Hard (10, 30, 90), Admin (25, 26)
PERMANENCE = {"permanent": HARD, "transient": SOFT, "undetermined": SOFT, "temporary": SOFT}
BREVO_KINDS = {"hard_bounce": HARD, "invalid_email": HARD, "soft_bounce": SOFT}
MAILGUN_GAVE_UP = "old"  # the reason of Mailgun's last failure, when it stops retrying


def _dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _lower(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


def _pick(table: Mapping[Any, str], key: Any) -> str | None:
    """``table[key]`` for a string or number key, else None (a payload may hold anything)."""
    return table.get(key) if isinstance(key, str | int) else None


def _postmark(raw: Any) -> str | None:
    return _pick(POSTMARK_KINDS, _dig(raw, "Type")) or _pick(POSTMARK_CODES, _dig(raw, "TypeCode"))


def _amazon_ses(raw: Any) -> str | None:
    message = _dig(raw, "Message")
    if isinstance(message, str):  # still wrapped in the SNS notification
        try:
            raw = json.loads(message)
        except ValueError:
            return None
    return PERMANENCE.get(_lower(_dig(raw, "bounce", "bounceType")))


def _sparkpost(raw: Any) -> str | None:
    events = _dig(raw, "msys")  # {"msys": {"message_event": {...}}}
    event = next(iter(events.values()), None) if isinstance(events, Mapping) else None
    bounce_class = _dig(event, "bounce_class")
    if bounce_class is None or str(bounce_class) == "":
        return None
    return HARD if str(bounce_class) in SPARKPOST_HARD_CLASSES else SOFT


def _brevo(raw: Any) -> str | None:
    return _pick(BREVO_KINDS, _dig(raw, "event"))


def _resend(raw: Any) -> str | None:
    return PERMANENCE.get(_lower(_dig(raw, "data", "bounce", "type")))


def _mailgun(raw: Any) -> str | None:
    if _dig(raw, "event-data", "reason") == MAILGUN_GAVE_UP:
        return SOFT
    return PERMANENCE.get(_lower(_dig(raw, "event-data", "severity")))


READERS: dict[str, Callable[[Any], str | None]] = {
    "postmark": _postmark,
    "amazon ses": _amazon_ses,
    "sparkpost": _sparkpost,
    "brevo": _brevo,
    "sendinblue": _brevo,  # Anymail's old name for Brevo
    "resend": _resend,
    "mailgun": _mailgun,
}


def bounce_kind(esp_name: str, event_type: str, esp_event: Any) -> str | None:
    """``HARD`` or ``SOFT`` for a bounce, None for any other event.

    ``esp_name`` is Anymail's (``"Postmark"``, ``"Amazon SES"``...), ``event_type`` its
    normalised type and ``esp_event`` the provider's raw event. Never raises: an event whose
    kind cannot be read is hard (see the module docstring).
    """
    reader = READERS.get(esp_name.lower())
    if event_type == EventType.DEFERRED:  # the provider is still trying, except Mailgun's last
        gave_up = reader is _mailgun and _dig(esp_event, "event-data", "reason") == MAILGUN_GAVE_UP
        return SOFT if gave_up else None
    if event_type != EventType.BOUNCED:
        return None
    return (reader(esp_event) if reader else None) or HARD
