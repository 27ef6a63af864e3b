"""A readable local inbox for development: every email the site sends, kept as an .eml file and
listed at ``/dev/inbox/``.

``EMAIL_ESP=inbox`` (the default when DEBUG is on and no provider is configured) makes
:class:`InboxBackend` the email backend: it writes each message to ``DEV_INBOX_DIR``
(``var/inbox/`` by default). The views, mounted only when DEBUG is on, list the messages newest
first and show one: its HTML in a sandboxed frame, its text part and its headers. They answer
only staff users or requests from this machine.
"""

from __future__ import annotations

import email
import email.policy
import ipaddress
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage as ParsedMessage
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

MESSAGE_ID = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{8}$")
LISTED = 200  # the newest messages listed; older ones stay on disk


def inbox_dir() -> Path:
    """Where the messages are kept (``settings.DEV_INBOX_DIR``)."""
    return Path(settings.DEV_INBOX_DIR)


class InboxBackend(BaseEmailBackend):
    """Django email backend writing one ``<time>-<random>.eml`` file per message."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        folder = inbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
            sent += 1
        return sent


@dataclass(frozen=True)
class InboxEntry:
    """One kept message, as the list shows it."""

    id: str
    received: datetime
    to: str
    subject: str


def _parse(path: Path) -> ParsedMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)


def _received(message_id: str) -> datetime:
    stamp = message_id.split("-", 1)[0]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


def list_messages(limit: int = LISTED) -> list[InboxEntry]:
    """The newest ``limit`` messages, newest first."""
    folder = inbox_dir()
    if not folder.is_dir():
        return []
    paths = sorted((p for p in folder.glob("*.eml") if MESSAGE_ID.match(p.stem)), reverse=True)
    entries = []
    for path in paths[:limit]:
        parsed = _parse(path)
        entries.append(
            InboxEntry(path.stem, _received(path.stem), parsed["To"] or "", parsed["Subject"] or "")
        )
    return entries


def read_message(message_id: str) -> ParsedMessage:
    """The parsed message, or 404 for an unknown or malformed id."""
    if not MESSAGE_ID.match(message_id):
        raise Http404
    path = inbox_dir() / f"{message_id}.eml"
    if not path.is_file():
        raise Http404
    return _parse(path)


def _body(message: ParsedMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def _allowed(request: HttpRequest) -> bool:
    """Development only, and only for staff or a browser on this machine."""
    if not settings.DEBUG:
        return False
    if request.user.is_authenticated and request.user.is_staff:
        return True
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def inbox_index(request: HttpRequest) -> HttpResponse:
    """Every kept message, newest first: time, recipient, subject."""
    if not _allowed(request):
        raise Http404
    return TemplateResponse(
        request,
        "hostsite/inbox_index.html",
        {
            "messages_kept": list_messages(),
            "folder": inbox_dir(),
            "zone": timezone.get_current_timezone_name(),
        },
    )


def inbox_message(request: HttpRequest, message_id: str) -> HttpResponse:
    """One message: headers, the HTML part in a sandboxed frame, the text part."""
    if not _allowed(request):
        raise Http404
    message = read_message(message_id)
    return TemplateResponse(
        request,
        "hostsite/inbox_message.html",
        {
            "message_id": message_id,
            "received": _received(message_id),
            "subject": message["Subject"] or "",
            "headers": list(message.items()),
            "html": _body(message, "html"),
            "text": _body(message, "plain"),
            "zone": timezone.get_current_timezone_name(),
        },
    )


@require_POST
def inbox_clear(request: HttpRequest) -> HttpResponse:
    """Delete every kept message."""
    if not _allowed(request):
        raise Http404
    for path in inbox_dir().glob("*.eml"):
        if MESSAGE_ID.match(path.stem):
            path.unlink(missing_ok=True)
    return redirect("dev_inbox")
