"""What every loopback provider server shares: an HTTP server on 127.0.0.1, faults, records.

A provider fake (``fake_postmark``, ``fake_ses``, ``fake_brevo``) subclasses
:class:`LoopbackProvider` and implements :meth:`LoopbackProvider.handle` for its documented
API. Faults apply to *send* calls only (the ones a subclass passes through
:meth:`LoopbackProvider.take_fault`), in the order they were scheduled::

    with FakePostmark() as server:
        server.fail_ratio(0.1, statuses=(500,), seed=3)
        server.refuse("bad@example.org")  # the provider refuses this address alone
        ...
        assert set(server.delivery_counts().values()) == {1}

Each delivered message is recorded as a :class:`Sent`: the recipient, the rendered subject,
HTML and text, and the message's headers. A benchmark sending to 100,000 readers makes the
server lean (``keep_bodies=False``): each :class:`Sent` then has an empty HTML and text, and a
stored template's bodies are not rendered, only checked for the variables they name (a missing
one is still recorded), so memory stays small.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import random
import socket
import socketserver
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Fault", "LoopbackProvider", "Reply", "Sent"]


@dataclass
class Fault:
    """What to do to one send call instead of answering it: ``fail`` (answer ``status``),
    ``throttle`` (429 with Retry-After) or ``drop`` (accept it, then close without answering)."""

    kind: str
    remaining: int = 1
    status: int = 500
    retry_after: float = 1


@dataclass
class Reply:
    """An HTTP answer: status, JSON payload (None: empty body), headers; ``drop`` closes the
    connection without writing anything."""

    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Sent:
    """One message the fake provider accepted for one recipient."""

    to: str
    subject: str
    html: str
    text: str
    headers: dict[str, str]
    message_id: str
    call: int  # the number of the send call that carried it
    metadata: dict = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], fake: LoopbackProvider):
        self.fake = fake
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # no reverse DNS lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = host, port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)

    def _serve(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size > 0 else b""
        split = urlsplit(self.path)
        fake = self.server.fake
        try:
            reply = fake.handle(self.command, split.path, split.query, self.headers, body)
        except Exception as error:  # a bug in the fake fails the test, not hangs the client
            fake.errors.append(error)
            reply = Reply(500, {"message": f"{type(fake).__name__} error: {error!r}"})
        if fake.latency > 0:
            time.sleep(fake.latency)
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = b"" if reply.payload is None else json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        if reply.payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class LoopbackProvider:
    """Base of the loopback provider fakes: lifecycle, faults and what was sent. Thread-safe
    (subclasses hold :attr:`lock` while they change their own state)."""

    name = "provider"
    keep_bodies = True  # False: Sent.html/text empty, template bodies checked, not rendered

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        keep_bodies: bool = True,
    ):
        self.host, self._port, self.latency = host, port, latency
        self.keep_bodies = keep_bodies
        self.lock = threading.RLock()
        self._faults: collections.deque[Fault] = collections.deque()
        self._ratio: tuple[float, tuple[int, ...], float, random.Random] | None = None
        self.refused: set[str] = set()
        self.ids = itertools.count(1)
        self.send_calls: list[dict] = []  # every send call: {"status", "recipients", ...}
        self.other_calls: list[tuple[str, str, int]] = []  # (method, path, status)
        self.sent: list[Sent] = []
        self.errors: list[BaseException] = []
        self._httpd: _Server | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LoopbackProvider:
        """Serve on a free port (the same port again after :meth:`stop`)."""
        httpd = _Server((self.host, self._port), self)
        self._port = httpd.server_address[1]
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self._httpd = httpd
        return self

    def stop(self) -> None:
        """Stop serving; later calls get "connection refused"."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _track(self, connection: socket.socket, opened: bool) -> None:
        with self.lock:
            (self._connections.add if opened else self._connections.discard)(connection)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    # -- faults ------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """The next ``n`` send calls are answered ``status`` (nothing sent)."""
        self._faults.append(Fault("fail", n, status))

    def throttle_next(self, n: int = 1, retry_after: float = 1) -> None:
        """The next ``n`` send calls get 429 with ``Retry-After`` (nothing sent)."""
        self._faults.append(Fault("throttle", n, 429, retry_after))

    def drop_next(self, n: int = 1) -> None:
        """The next ``n`` send calls are accepted (sent), then the connection drops."""
        self._faults.append(Fault("drop", n))

    def fail_ratio(
        self, ratio: float, statuses: tuple[int, ...] = (500,), seed: int = 0, retry_after=0
    ) -> None:
        """Each send call fails with this probability (a status from ``statuses``)."""
        self._ratio = (ratio, tuple(statuses), retry_after, random.Random(seed))

    def refuse(self, *addresses: str) -> None:
        """The provider refuses these addresses (as it answers for an invalid or inactive
        recipient); the others in the same call are sent."""
        self.refused.update(a.lower() for a in addresses)

    def take_fault(self) -> Fault | None:
        """The fault for this send call, if any."""
        with self.lock:
            if self._faults:
                fault = self._faults[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.popleft()
                return fault
            if self._ratio is not None:
                ratio, statuses, retry_after, rnd = self._ratio
                if rnd.random() < ratio:
                    status = rnd.choice(statuses)
                    kind = "throttle" if status == 429 else "fail"
                    return Fault(kind, 1, status, retry_after)
        return None

    # -- records -----------------------------------------------------------------------------

    def record(self, sent: list[Sent]) -> None:
        """Keep messages a send call delivered."""
        with self.lock:
            self.sent.extend(sent)

    def delivery_counts(self) -> collections.Counter[str]:
        """Messages delivered per address."""
        with self.lock:
            return collections.Counter(message.to for message in self.sent)

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` messages were delivered; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.sent) >= count:
                    return True
            time.sleep(0.02)
        return False

    def delivered_to(self, address: str) -> list[Sent]:
        with self.lock:
            return [m for m in self.sent if m.to.lower() == address.lower()]

    @property
    def send_call_count(self) -> int:
        """Send API calls made (accepted, refused or failed alike)."""
        with self.lock:
            return len(self.send_calls)

    def message_id(self) -> str:
        return f"{self.name}-{next(self.ids):08d}"

    def _log(self, log: list, method: str, path: str, reply: Reply) -> Reply:
        """Record a non-send call's (method, path, status) in ``log``; return the reply."""
        with self.lock:
            log.append((method, path, reply.status))
        return reply

    def _fake_get(self, route: str) -> Reply:
        """The fake's own GET routes: ``health``, ``fake/counts`` and ``fake/stats``."""
        if route == "health":
            return Reply(200, {"status": "ok"})
        if route == "fake/counts":
            return Reply(200, dict(self.delivery_counts()))
        with self.lock:
            stats = {"send_calls": len(self.send_calls), "sent": len(self.sent)}
            templates, missing = getattr(self, "templates", {}), getattr(self, "missing", ())
            stats.update(templates=len(templates), missing=len(missing))
        return Reply(200, stats)

    # -- to implement ------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        """Answer one HTTP request."""
        raise NotImplementedError


def serve_until_interrupted(server: Any, url: str) -> None:
    """A started fake's command line: print its URL on the first line of stdout, serve until
    interrupted (Ctrl-C), then stop it."""
    print(url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
