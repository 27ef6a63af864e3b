"""A fake Mailgun messages API on loopback, for tests and benchmarks.

Anymail's real Mailgun backend (``anymail.backends.mailgun.EmailBackend``) can send to it::

    with FakeMailgun() as server:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        send_mail(...)
        assert server.delivery_counts()["ada@example.com"] == 1

What it speaks (as Anymail calls it):

* ``POST /v3/<domain>/messages`` with HTTP basic auth ``api:<key>``, the form either
  ``application/x-www-form-urlencoded`` (what requests sends without attachments) or
  ``multipart/form-data`` (with attachments). Fields: ``from``, repeated ``to``/``cc``/``bcc``
  (each may be ``"Name <addr>"`` or a comma-separated list), ``subject``, ``text``, ``html``,
  ``amp-html``, ``template``, ``h:<Header>``, ``v:<var>``, ``o:<option>``, ``t:<option>``,
  ``recipient-variables`` (a JSON object keyed by address), ``attachment``/``inline`` files.
  Success is 200 ``{"id": "<...@domain>", "message": "Queued. Thank you."}``; a bad key is 401,
  a missing ``from``/``to``/body, invalid address, more than 1,000 ``to`` addresses or invalid
  ``recipient-variables`` JSON is 400 ``{"message": ...}``, as Mailgun answers.
* ``GET /health`` (readiness), ``GET /fake/stats`` and ``GET /fake/counts`` (JSON summaries,
  for other processes).

Each accepted call yields one delivery per recipient. When the call carries
``recipient-variables`` (a Mailgun batch send) each ``to`` recipient gets an individual message
with ``%recipient.KEY%`` replaced from their own variables in the subject, text, html, ``h:``
headers and ``v:`` variables; placeholders with no value are left as they are, so a missing
merge shows up in assertions. Deliveries are stored compactly (the call's bodies once, the
recipient-variables JSON once) and merged lazily when read.

Faults (``fail_next``, ``throttle_next``, ``drop_next``, ``fail_ratio``, ``latency``) are controlled
in-process and apply to authenticated ``/messages`` calls in the order they were scheduled.

Run standalone (for worker processes or manual use)::

    python tests/support/fake_mailgun.py --port 8025 --api-key key-test
"""

from __future__ import annotations

import base64
import collections
import contextlib
import email.parser
import email.policy
import email.utils
import functools
import hmac
import itertools
import json
import random
import re
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

try:
    from tests.support.loopback import serve_until_interrupted
except ImportError:  # run as a script: tests/support is sys.path[0]
    from loopback import serve_until_interrupted  # type: ignore[no-redef]

__all__ = [
    "MAX_BATCH_RECIPIENTS",
    "CallRecord",
    "Delivery",
    "FakeMailgun",
    "MailgunFormError",
    "merge_recipient_variables",
    "parse_form",
]

#: Mailgun accepts at most this many ``to`` addresses in one call (batch sending limit).
MAX_BATCH_RECIPIENTS = 1000
QUEUED = "Queued. Thank you."

_MESSAGES_PATH = re.compile(r"^/v3/(?P<domain>[^/]+)/messages/?$")
_RECIPIENT_VARIABLE = re.compile(r"%recipient\.([^%]+)%")
_ANGLE_OR_LIST = re.compile(r"[<>,\"(]")


class MailgunFormError(ValueError):
    """The request body is not a form this server can read."""


# --------------------------------------------------------------------------------------------
# Form parsing and merging (pure functions)
# --------------------------------------------------------------------------------------------


def parse_form(content_type: str, body: bytes) -> tuple[list[tuple[str, str]], list[dict]]:
    """Parse a POSTed form into ``[(name, value), ...]`` and a list of attachment summaries.

    Handles ``application/x-www-form-urlencoded`` and ``multipart/form-data`` (with the stdlib
    ``email`` parser). Attachments are summarised as ``{"field", "filename", "content_type",
    "size"}``; their content is not kept.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded" or (not media_type and not body):
        text = body.decode("latin-1")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace"), []
    if media_type != "multipart/form-data":
        raise MailgunFormError(f"unsupported Content-Type {content_type!r}")

    preamble = b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(preamble + body)
    if not message.is_multipart():
        raise MailgunFormError("malformed multipart/form-data body")
    fields: list[tuple[str, str]] = []
    attachments: list[dict] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            raise MailgunFormError("multipart part without a name")
        name = email.utils.collapse_rfc2231_value(name)
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            charset = part.get_content_charset() or "utf-8"
            fields.append((name, payload.decode(charset, errors="replace")))
        else:
            attachments.append(
                {
                    "field": name,
                    "filename": filename,
                    "content_type": part.get_content_type(),
                    "size": len(payload),
                }
            )
    return fields, attachments


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value)


def merge_recipient_variables(template: str | None, variables: Mapping | None) -> str | None:
    """Replace ``%recipient.KEY%`` with ``variables[KEY]`` as Mailgun does; unknown keys stay."""
    if not template or variables is None or "%recipient." not in template:
        return template

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key in variables:
            return _as_text(variables[key])
        return match.group(0)

    return _RECIPIENT_VARIABLE.sub(replace, template)


def _load_recipient_variables(raw: str) -> dict:
    """Parse a recipient-variables JSON string; ValueError unless it is an object of objects."""
    parsed = json.loads(raw)
    if not isinstance(parsed, dict) or not all(isinstance(v, dict) for v in parsed.values()):
        raise ValueError("recipient-variables must be a JSON object of objects")
    return parsed


@functools.lru_cache(maxsize=8)
def _parse_recipient_variables(raw: str) -> tuple[dict, dict]:
    """Parse (and cache, for reading deliveries call by call) a recipient-variables JSON string:
    (by address, by lowercased address). Only the raw string is kept per call, which is far
    smaller than the parsed dicts. The result is shared: read only."""
    parsed = _load_recipient_variables(raw)
    return parsed, {key.lower(): value for key, value in parsed.items()}


def _parse_addresses(values: Iterable[str]) -> tuple[list[str], bool]:
    """Addresses (addr-spec only) from ``to``-style values; and whether all were valid."""
    addresses: list[str] = []
    valid = True
    for raw in values:
        if _ANGLE_OR_LIST.search(raw) is None:
            # Fast path for bare addresses (the usual case in big batches); strip() returns the
            # same string object when there is nothing to strip, so nothing is copied.
            candidates = [raw.strip()]
        else:
            candidates = [addr for _name, addr in email.utils.getaddresses([raw])]
        for addr in candidates:
            if not addr or "@" not in addr or any(ch.isspace() for ch in addr):
                valid = False
                continue
            addresses.append(addr)
    return addresses, valid


def _single(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


class CallRecord(Mapping):
    """One request to ``/messages``: a read-only mapping.

    Keys: ``index``, ``time`` (epoch seconds), ``path``, ``domain``, ``status``, ``response``
    (the JSON body returned), ``message_id`` (or None), ``fault`` (None, "fail", "throttle",
    "random" or "drop"), ``latency``, ``auth_ok``, ``error`` (the 400 reason or None),
    ``encoding`` ("urlencoded"/"multipart"), ``fields`` (``{name: [values]}`` exactly as posted),
    ``from``, ``to``/``cc``/``bcc`` (lists of addr-specs), ``subject``, ``text``, ``html``,
    ``amp_html``, ``template``, ``headers`` (``h:`` fields, prefix removed), ``variables``
    (``v:``), ``options`` (``o:``), ``template_options`` (``t:``), ``attachments``, ``batch``
    (True if recipient-variables were sent), ``recipient_variables`` (parsed, lazily; None if
    absent or invalid; shared, so don't mutate it).
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict):
        self._data = data

    def __getitem__(self, key: str) -> Any:
        if key == "recipient_variables":
            return self._recipient_variables()[0]
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._data
        yield "recipient_variables"

    def __len__(self) -> int:
        return len(self._data) + 1

    def __repr__(self) -> str:
        data = self._data
        return (
            f"<CallRecord #{data['index']} {data['status']} to={len(data['to'])}"
            f" subject={data['subject']!r}>"
        )

    def _recipient_variables(self) -> tuple[dict | None, dict | None]:
        raw = self._data["recipient_variables_json"]
        if raw is None:
            return None, None
        try:
            return _parse_recipient_variables(raw)
        except ValueError:
            return None, None

    def variables_for(self, address: str) -> dict | None:
        """This call's recipient-variables for one address (case-insensitive), or None."""
        by_address, by_lower = self._recipient_variables()
        if by_address is None:
            return None
        found = by_address.get(address)
        if found is None:
            found = by_lower.get(address.lower())
        return found


_DELIVERY_KEYS = (
    "to",
    "kind",
    "subject",
    "text",
    "html",
    "headers",
    "variables",
    "recipient_variables",
    "message_id",
    "call_index",
    "batch",
)


class Delivery(Mapping):
    """One recipient's copy of an accepted message: a read-only mapping, merged lazily.

    Keys: ``to`` (addr-spec), ``kind`` ("to", "cc" or "bcc"), ``subject``, ``text``, ``html``,
    ``headers`` (``{name: value}`` from the ``h:`` fields), ``variables`` (``v:`` fields),
    ``recipient_variables`` (this recipient's, or None), ``message_id``, ``call_index``,
    ``batch``. Merged values are computed on each access; use ``dict(delivery)`` to keep them.
    """

    __slots__ = ("_call", "kind", "to")

    def __init__(self, call: CallRecord, to: str, kind: str):
        self._call = call
        self.to = to
        self.kind = kind

    def _own_variables(self) -> dict | None:
        return self._call.variables_for(self.to)

    def _merged_mapping(self, source: dict) -> dict:
        own = self._own_variables()
        return {name: merge_recipient_variables(value, own) for name, value in source.items()}

    def __getitem__(self, key: str) -> Any:
        data = self._call._data
        if key == "to":
            return self.to
        if key == "kind":
            return self.kind
        if key in ("subject", "text", "html"):
            return merge_recipient_variables(data[key], self._own_variables())
        if key == "headers":
            return self._merged_mapping(data["headers"])
        if key == "variables":
            return self._merged_mapping(data["variables"])
        if key == "recipient_variables":
            return self._own_variables()
        if key == "message_id":
            return data["message_id"]
        if key == "call_index":
            return data["index"]
        if key == "batch":
            return data["batch"]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(_DELIVERY_KEYS)

    def __len__(self) -> int:
        return len(_DELIVERY_KEYS)

    def __repr__(self) -> str:
        return f"<Delivery to={self.to!r} call={self._call._data['index']} kind={self.kind}>"

    @property
    def call(self) -> CallRecord:
        return self._call


@dataclass
class _Fault:
    kind: str  # "fail", "throttle", "drop"
    remaining: int
    status: int | None = None
    retry_after: int | float = 1


@dataclass
class _Reply:
    status: int
    payload: dict
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    latency: float = 0.0


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], fake: FakeMailgun):
        self.fake = fake
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests sessions expect
    server_version = "FakeMailgun/1.0"
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.fake._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._connection_closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet (the stdlib logs every request to stderr)."""

    def do_GET(self) -> None:
        self._send(self.server.fake._handle_get(urlsplit(self.path).path))

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length is not None else -1
        except ValueError:
            size = -1
        if size < 0:
            self.close_connection = True
            self._send(_Reply(411, {"message": "Length Required"}))
            return
        body = self.rfile.read(size)
        reply = self.server.fake._handle_post(urlsplit(self.path).path, self.headers, body)
        if reply.latency > 0:
            time.sleep(reply.latency)
        if reply.drop:
            self._drop()
            return
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        body = json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        """Close the connection without writing a response (the client sees EOF)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeMailgun:
    """A Mailgun messages API on 127.0.0.1, recording what it is sent. Thread-safe.

    ``domains``: if given, only these sender domains exist (others get Mailgun's 404
    "Domain not found"); by default every domain is accepted.
    """

    def __init__(
        self,
        api_key: str = "key-test",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        domains: Iterable[str] | None = None,
        latency: float = 0.0,
    ):
        self.api_key = api_key
        self.host = host
        self._port = port
        self.domains = None if domains is None else frozenset(d.lower() for d in domains)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._latency = float(latency)
        self._faults: collections.deque[_Fault] = collections.deque()
        self._ratio = 0.0
        self._ratio_statuses: tuple[int, ...] = ()
        self._ratio_retry_after: int | float = 1
        self._ratio_random: random.Random | None = None
        self._sequence = itertools.count(1)
        self._calls: list[CallRecord] = []
        self._deliveries: list[Delivery] = []
        self._counts: collections.Counter[str] = collections.Counter()
        self._accepted = 0
        #: Exceptions raised while handling requests (answered with 500); should stay empty.
        self.errors: list[BaseException] = []
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeMailgun:
        """Bind (a free port the first time; the same port on a restart) and serve."""
        if self._httpd is not None:
            raise RuntimeError("FakeMailgun is already running")
        httpd = _Server((self.host, self._port), self)
        self._port = httpd.server_address[1]
        thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeMailgun:{self._port}",
            daemon=True,
        )
        self._httpd, self._thread = httpd, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open connections (later calls get "connection refused")."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def __enter__(self) -> FakeMailgun:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _connection_opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _connection_closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    # -- addresses and settings ------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeMailgun has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The MAILGUN_API_URL value, e.g. ``http://127.0.0.1:PORT/v3``."""
        return f"{self.url}/v3"

    @property
    def health_url(self) -> str:
        return f"{self.url}/health"

    def messages_url(self, domain: str = "mg.example.org") -> str:
        return f"{self.api_url}/{domain}/messages"

    def anymail_settings(self, domain: str = "mg.example.org", **extra: Any) -> dict:
        """The ANYMAIL setting for Anymail's Mailgun backend pointed at this server."""
        return {
            "MAILGUN_API_KEY": self.api_key,
            "MAILGUN_API_URL": self.api_url,
            "MAILGUN_SENDER_DOMAIN": domain,
            **extra,
        }

    def django_settings(self, domain: str = "mg.example.org") -> dict:
        """EMAIL_BACKEND and ANYMAIL, e.g. for ``override_settings(**server.django_settings())``."""
        return {
            "EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend",
            "ANYMAIL": self.anymail_settings(domain),
        }

    def environment(self, domain: str = "mg.example.org") -> dict[str, str]:
        """Environment variables that point this project's settings (EMAIL_ESP, ANYMAIL_*) here,
        for worker processes started by a test."""
        return {
            "EMAIL_ESP": "mailgun",
            "ANYMAIL_MAILGUN_API_KEY": self.api_key,
            "ANYMAIL_MAILGUN_API_URL": self.api_url,
            "ANYMAIL_MAILGUN_SENDER_DOMAIN": domain,
        }

    # -- fault injection -------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next ``n`` message calls with ``status`` (nothing is delivered)."""
        if not 400 <= status <= 599:
            raise ValueError("status must be a 4xx or 5xx code")
        self._schedule(_Fault("fail", n, status=status))

    def throttle_next(self, n: int = 1, retry_after: int | float = 1) -> None:
        """Answer the next ``n`` message calls with 429 and ``Retry-After: retry_after``."""
        self._schedule(_Fault("throttle", n, status=429, retry_after=retry_after))

    def drop_next(self, n: int = 1) -> None:
        """Process the next ``n`` message calls normally (a valid message is accepted and
        delivered) but close the connection without sending any response."""
        self._schedule(_Fault("drop", n))

    def fail_ratio(
        self,
        ratio: float,
        statuses: Iterable[int] = (500, 429),
        seed: int = 0,
        retry_after: int | float = 1,
    ) -> None:
        """Fail about ``ratio`` of message calls (once scheduled faults are used up) with a
        status picked from ``statuses``, deterministically for a given ``seed`` and call order.
        ``fail_ratio(0)`` turns it off."""
        if not 0.0 <= ratio <= 1.0:
            raise ValueError("ratio must be between 0 and 1")
        statuses = tuple(statuses)
        if ratio and not statuses:
            raise ValueError("statuses must not be empty")
        with self._lock:
            self._ratio = float(ratio)
            self._ratio_statuses = statuses
            self._ratio_retry_after = retry_after
            self._ratio_random = random.Random(seed) if ratio else None

    def clear_faults(self) -> None:
        """Cancel scheduled faults and the failure ratio (latency is kept)."""
        with self._lock:
            self._faults.clear()
            self._ratio = 0.0
            self._ratio_random = None

    @property
    def pending_faults(self) -> int:
        """How many scheduled (fail/throttle/drop) calls are still to come."""
        with self._lock:
            return sum(fault.remaining for fault in self._faults)

    @property
    def latency(self) -> float:
        """Seconds to wait before answering each message call (after recording it)."""
        with self._lock:
            return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must not be negative")
        with self._lock:
            self._latency = float(seconds)

    def _schedule(self, fault: _Fault) -> None:
        if fault.remaining < 0:
            raise ValueError("n must not be negative")
        if fault.remaining:
            with self._lock:
                self._faults.append(fault)

    def _take_fault(self) -> _Fault | None:
        """The fault for this call, if any (call with the lock held)."""
        if self._faults:
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            return fault
        if self._ratio_random is not None:
            rnd = self._ratio_random
            if rnd.random() < self._ratio:
                status = rnd.choice(self._ratio_statuses)
                return _Fault("random", 1, status=status, retry_after=self._ratio_retry_after)
        return None

    # -- records ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Every ``/messages`` call so far (a snapshot), whatever its outcome."""
        with self._lock:
            return list(self._calls)

    @property
    def accepted_calls(self) -> int:
        """How many ``/messages`` calls were accepted (200, or accepted then dropped)."""
        with self._lock:
            return self._accepted

    @property
    def deliveries(self) -> list[Delivery]:
        """One record per recipient of each accepted call (a snapshot)."""
        with self._lock:
            return list(self._deliveries)

    @property
    def total_deliveries(self) -> int:
        with self._lock:
            return len(self._deliveries)

    def delivered_to(self, address: str) -> list[Delivery]:
        """Deliveries to one address ("Name <addr>" accepted; case-insensitive)."""
        parsed, _valid = _parse_addresses([address])
        wanted = (parsed[0] if parsed else address).lower()
        with self._lock:
            deliveries = list(self._deliveries)
        return [delivery for delivery in deliveries if delivery.to.lower() == wanted]

    def delivery_counts(self) -> collections.Counter[str]:
        """``Counter`` of deliveries per address (as sent), a copy."""
        with self._lock:
            return collections.Counter(self._counts)

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> bool:
        """Block until at least ``count`` deliveries were recorded; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._deliveries) >= count, timeout)

    def reset(self) -> None:
        """Forget all calls and deliveries, cancel faults and set latency back to 0."""
        with self._lock:
            self._calls.clear()
            self._deliveries.clear()
            self._counts.clear()
            self._accepted = 0
            self._faults.clear()
            self._ratio = 0.0
            self._ratio_random = None
            self._latency = 0.0
            self.errors.clear()
        _parse_recipient_variables.cache_clear()

    # -- request handling ------------------------------------------------------------------

    def _handle_get(self, path: str) -> _Reply:
        if path == "/health":
            return _Reply(200, {"status": "ok"})
        if path == "/fake/stats":
            with self._lock:
                stats = {
                    "calls": len(self._calls),
                    "accepted_calls": self._accepted,
                    "deliveries": len(self._deliveries),
                }
            return _Reply(200, stats)
        if path == "/fake/counts":
            return _Reply(200, dict(self.delivery_counts()))
        return _Reply(404, {"message": "Not Found"})

    def _handle_post(self, path: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        match = _MESSAGES_PATH.match(path)
        if match is None:
            return _Reply(404, {"message": "Not Found"})
        try:
            return self._handle_message(unquote(match["domain"]), path, headers, body)
        except Exception as error:  # a bug here should fail the test, not hang the client
            with self._lock:
                self.errors.append(error)
            return _Reply(500, {"message": f"FakeMailgun error: {error!r}"})

    def _authorized(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True)
        except ValueError:
            return False
        user, sep, key = decoded.partition(b":")
        return sep == b":" and user == b"api" and hmac.compare_digest(key, self.api_key.encode())

    def _handle_message(
        self, domain: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> _Reply:
        content_type = headers.get("Content-Type") or ""
        try:
            pairs, attachments = parse_form(content_type, body)
            form_error = None
        except MailgunFormError as error:
            pairs, attachments, form_error = [], [], str(error)
        data = self._describe(pairs, attachments)
        data.update(
            time=time.time(),
            path=path,
            domain=domain,
            encoding="multipart" if "multipart" in content_type.lower() else "urlencoded",
            auth_ok=self._authorized(headers.get("Authorization")),
            fault=None,
            error=None,
            message_id=None,
            latency=self.latency,
        )

        if not data["auth_ok"]:
            return self._record(
                data,
                _Reply(401, {"message": "Invalid private key"}),
                extra_headers={"WWW-Authenticate": 'Basic realm="MG API"'},
            )
        if self.domains is not None and domain.lower() not in self.domains:
            return self._record(data, _Reply(404, {"message": f"Domain not found: {domain}"}))

        with self._lock:
            fault = self._take_fault()
        drop = False
        if fault is not None:
            data["fault"] = fault.kind
            if fault.kind == "drop":
                drop = True
            else:
                assert fault.status is not None
                reply = _Reply(fault.status, {"message": _phrase(fault.status)})
                if fault.status == 429:
                    reply.headers["Retry-After"] = str(fault.retry_after)
                return self._record(data, reply)

        error = form_error or self._validate(data)
        if error is not None:
            data["error"] = error
            reply = _Reply(400, {"message": error})
        else:
            reply = _Reply(200, {"id": self._new_message_id(domain), "message": QUEUED})
            data["message_id"] = reply.payload["id"]
        reply.drop = drop
        return self._record(data, reply)

    @staticmethod
    def _describe(pairs: list[tuple[str, str]], attachments: list[dict]) -> dict:
        fields: dict[str, list[str]] = {}
        for name, value in pairs:
            fields.setdefault(name, []).append(value)

        def last(name: str) -> str | None:
            values = fields.get(name)
            return values[-1] if values else None

        def prefixed(prefix: str, join: bool = False) -> dict:
            found = {}
            for name, values in fields.items():
                if name.startswith(prefix):
                    found[name[len(prefix) :]] = ", ".join(values) if join else _single(values)
            return found

        to, to_valid = _parse_addresses(fields.get("to", ()))
        cc, cc_valid = _parse_addresses(fields.get("cc", ()))
        bcc, bcc_valid = _parse_addresses(fields.get("bcc", ()))
        return {
            "fields": fields,
            "from": ", ".join(fields["from"]) if fields.get("from") else None,
            "to": to,
            "cc": cc,
            "bcc": bcc,
            "addresses_valid": to_valid and cc_valid and bcc_valid,
            "subject": last("subject"),
            "text": last("text"),
            "html": last("html"),
            "amp_html": last("amp-html"),
            "template": last("template"),
            "headers": prefixed("h:", join=True),
            "variables": prefixed("v:"),
            "options": prefixed("o:"),
            "template_options": prefixed("t:"),
            "attachments": attachments,
            "recipient_variables_json": last("recipient-variables"),
            "batch": "recipient-variables" in fields,
        }

    @staticmethod
    def _validate(data: dict) -> str | None:
        """Mailgun's 400 reason for this call, or None if it would be accepted."""
        fields = data["fields"]
        if not data["from"]:
            return "'from' parameter is missing"
        if not fields.get("to"):
            return "'to' parameter is missing"
        if not data["addresses_valid"] or not data["to"]:
            return "'to' parameter is not a valid address. please check documentation"
        if len(data["to"]) > MAX_BATCH_RECIPIENTS:
            return (
                f"Too many recipients: batch sending is limited to {MAX_BATCH_RECIPIENTS}"
                f" recipients per message, got {len(data['to'])}"
            )
        if not any(name in fields for name in ("text", "html", "amp-html", "template")):
            return (
                "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified"
            )
        raw = data["recipient_variables_json"]
        if raw is not None:
            try:
                _load_recipient_variables(raw)
            except ValueError:
                return "recipient-variables parameter is not a valid JSON"
        return None

    def _new_message_id(self, domain: str) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        return f"<{stamp}.{next(self._sequence)}.{uuid.uuid4().hex[:12]}@{domain}>"

    def _record(
        self, data: dict, reply: _Reply, extra_headers: Mapping[str, str] | None = None
    ) -> _Reply:
        """Store the call (and, if accepted, its deliveries); return the reply to send."""
        if extra_headers:
            reply.headers.update(extra_headers)
        reply.latency = data["latency"]
        data["status"] = reply.status
        data["response"] = reply.payload
        with self._changed:
            data["index"] = len(self._calls)
            call = CallRecord(data)
            self._calls.append(call)
            if reply.status == 200:
                self._accepted += 1
                for kind in ("to", "cc", "bcc"):
                    addresses = data[kind]
                    self._deliveries.extend(Delivery(call, addr, kind) for addr in addresses)
                    self._counts.update(addresses)
                self._changed.notify_all()
        return reply


@contextlib.contextmanager
def mailgun_backend(settings: Any) -> Iterator[FakeMailgun]:
    """A loopback Mailgun server that Django's email goes to, through Anymail's real Mailgun
    backend (``settings`` is pytest-django's fixture, restored after the test)."""
    with FakeMailgun() as server:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        yield server


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; print the API URL on the first line of stdout."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="key-test")
    args = parser.parse_args(argv)
    server = FakeMailgun(args.api_key, host=args.host, port=args.port).start()
    serve_until_interrupted(server, server.api_url)


if __name__ == "__main__":
    main()
