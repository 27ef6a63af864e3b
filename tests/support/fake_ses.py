"""A fake Amazon SES v2 API on loopback, for tests and benchmarks.

boto3's real ``sesv2`` client (so Anymail's real SES backend) talks to it by ``endpoint_url``::

    with FakeSES() as server:
        settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
        settings.ANYMAIL = server.anymail_settings(AMAZON_SES_SESSION_PARAMS=session_params())
        server.create_template("spring", "News for {{name}}", "<p>Hi {{name}}</p>", "Hi {{name}}")

restJson1 as botocore's ``sesv2`` model has it: a SigV4 ``Authorization`` whose ``Credential=``
names :attr:`FakeSES.access_key_id` (not verified further), else 403
``UnrecognizedClientException``; errors carry their code in ``x-amzn-ErrorType`` and a
``{"message"}`` body (botocore's ``ClientError``).

* Templates: ``POST /v2/email/templates`` (a name in use: 400 ``AlreadyExistsException``; an
  unclosed ``{{``, or blocks/helpers/partials this fake does not render: 400
  ``BadRequestException``), ``GET``/``DELETE /v2/email/templates/{name}`` (404
  ``NotFoundException``).
* SendBulkEmail, ``POST /v2/email/outbound-bulk-emails``: a stored (or inline) template rendered
  per entry with ``DefaultContent.Template.TemplateData`` overlaid by ``ReplacementTemplateData``;
  over 50 entries: 400 ``BadRequestException``; unknown template: 404 ``NotFoundException``. 200:
  per entry ``SUCCESS`` + ``MessageId``, or ``MESSAGE_REJECTED`` + ``Error`` if it has a refused
  address (:meth:`refuse`).
* SendEmail, ``POST /v2/email/outbound-emails``: ``Content.Raw`` (MIME, parsed) or
  ``Content.Simple``; a refused address: 400 ``MessageRejected``, nothing sent.
* ``GET /health``, ``/fake/counts``, ``/fake/stats`` (no credentials). Faults: send calls only.

Handlebars variables only: ``{{a}}``, ``{{{a}}}``, ``{{& a}}``, ``{{a.b}}``, comments, ``\\{{`` (a
literal ``{{``). SES documents that it does not HTML-escape values ("SES doesn't escape HTML content
when rendering the HTML template", Developer Guide, "Advanced email personalization"); this fake
neither, unless ``escape_html=True`` (``{{a}}`` in Html escaped as Handlebars.js does). A missing
variable renders empty and goes to :attr:`FakeSES.missing`; SES would not deliver that message
(Rendering Failure), as with ``strict_missing=True``. A lean server (``keep_bodies=False``) checks
the bodies' variables and keeps no bodies. Standalone: ``python fake_ses.py --port N``.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import functools
import json
import re
import uuid
from collections.abc import Mapping
from email.utils import getaddresses
from typing import Any
from urllib.parse import unquote

try:
    from tests.support.loopback import Fault, LoopbackProvider, Reply, Sent, serve_until_interrupted
except ImportError:  # run as a script: tests/support is sys.path[0]
    from loopback import Fault, LoopbackProvider, Reply, Sent, serve_until_interrupted  # type: ignore[no-redef]

__all__ = [
    "MAX_BULK_ENTRIES",
    "FakeSES",
    "TemplateSyntaxError",
    "check_variables",
    "compile_template",
    "render",
    "session_params",
]

MAX_BULK_ENTRIES = 50  # "up to 50 destinations in each call" (SES Developer Guide)
REGION = "us-east-1"
_CORAL = ":http://internal.amazon.com/coral/com.amazonaws.sesv2/"
_FAULT_CODES = {
    429: ("TooManyRequestsException", "Too many requests have been made to the operation."),
    500: ("InternalFailure", "The request processing has failed because of an unknown error."),
    503: ("ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
}
_ID = r"[^\s!\"#%-,./;->@\[-^`{-~]+"  # Handlebars' ID token
_PATH = re.compile(rf"{_ID}(?:[./]{_ID})*")
_HANDLEBARS_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;"}
    | {"=": "&#x3D;"}
)
_FIELDS = ("Subject", "Html", "Text")

Part = str | tuple[str, bool]  # text, or (variable path, raw)


class TemplateSyntaxError(ValueError):
    """A template SES (or this fake) cannot compile."""


def _close(source: str, start: int) -> tuple[str, bool, int]:
    """The tag opening at ``start``: its inner text, whether it is raw, and where it ends."""
    if source.startswith("{{!--", start):
        end = source.find("--}}", start + 5)
        return "!", False, (-1 if end < 0 else end + 4)
    raw = source.startswith("{{{", start)
    opening, closing = ("{{{", "}}}") if raw else ("{{", "}}")
    end = source.find(closing, start + len(opening))
    inner = source[start + len(opening) : end].strip() if end >= 0 else ""
    if not raw and inner.startswith("&"):
        inner, raw = inner[1:].strip(), True
    return inner, raw, (-1 if end < 0 else end + len(closing))


def compile_template(source: str | None) -> list[Part]:
    """Split Handlebars ``source`` into text and ``(path, raw)`` variables; raise
    :class:`TemplateSyntaxError` for an unclosed tag or anything but a plain variable."""
    parts: list[Part] = []
    source, pos, scan = source or "", 0, 0
    while (start := source.find("{{", scan)) >= 0:
        slashes = len(source[pos:start]) - len(source[pos:start].rstrip("\\"))
        if slashes:  # one backslash less; "\{{" is a literal "{{" (up to the next "{{")
            parts.append(source[pos : start - 1])
            pos = start
            if slashes == 1:
                scan = start + 2
                continue
        parts.append(source[pos:start])
        inner, raw, end = _close(source, start)
        if end < 0:
            raise TemplateSyntaxError(f"unclosed '{source[start : start + 3]}' at {start}")
        pos = scan = end
        if inner.startswith("!") and not raw:
            continue  # a comment
        if not _PATH.fullmatch(inner) or inner == "else":
            raise TemplateSyntaxError(f"unsupported tag '{source[start:end]}' at {start}")
        parts.append((inner, raw))
    parts.append(source[pos:])
    return [part for part in parts if part != ""]


def _lookup(data: Any, path: str) -> tuple[bool, Any]:
    value = data
    for key in re.split(r"[./]", path):
        if key == "this":
            continue
        if not isinstance(value, Mapping) or key not in value:
            return False, None
        value = value[key]
    return True, value


def _as_text(value: Any) -> str:
    """A value as Handlebars.js prints it (null empty, true "true", 2.0 "2")."""
    if value is None or isinstance(value, bool | float):
        return "" if value is None else json.dumps(value).removesuffix(".0")
    return ",".join(map(_as_text, value)) if isinstance(value, list) else str(value)


def render(parts: list[Part], data: Any, escape: bool, missing: set[str]) -> str:
    """Render compiled ``parts`` with ``data``; paths it lacks go to ``missing``."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        path, raw = part
        found, value = _lookup(data, path)
        if not found:
            missing.add(path)
        text = _as_text(value)
        out.append(text if raw or not escape else text.translate(_HANDLEBARS_ESCAPES))
    return "".join(out)


def check_variables(parts: list[Part], data: Any, missing: set[str]) -> None:
    """What :func:`render` would add to ``missing``, without rendering (a lean server)."""
    for part in parts:
        if not isinstance(part, str) and not _lookup(data, part[0])[0]:
            missing.add(part[0])


def error(status: int, code: str, message: str, **headers: str) -> Reply:
    """An SES error answer as botocore's rest-json parser reads it."""
    headers = {"x-amzn-ErrorType": code + _CORAL, "x-amzn-RequestId": str(uuid.uuid4())} | headers
    return Reply(status, {"message": message}, headers)


def _ok(payload: Any) -> Reply:
    return Reply(200, payload, {"x-amzn-RequestId": str(uuid.uuid4())})


def _bad(message: str) -> Reply:
    return error(400, "BadRequestException", message)


def _fault_reply(fault: Fault) -> Reply:
    status = 429 if fault.kind == "throttle" else fault.status
    fallback = ("InternalFailure" if status >= 500 else "BadRequestException", "Fault.")
    code, message = _FAULT_CODES.get(status, fallback)
    extra = {"Retry-After": f"{fault.retry_after:g}"} if status == 429 else {}
    return error(status, code, message, **extra)


def _addresses(values: Any) -> list[str]:
    """The addr-specs in a list of SES addresses ("a@x", "Name <b@y>")."""
    if not isinstance(values, list):
        return []
    return [addr for _name, addr in getaddresses([str(v) for v in values]) if addr]


def _destination(destination: Any) -> list[str]:
    destination = destination if isinstance(destination, dict) else {}
    return [
        a for key in ("To", "Cc", "Bcc") for a in _addresses(destination.get(f"{key}Addresses"))
    ]


def _headers(pairs: Any) -> dict[str, str]:
    """[{Name, Value}, ...] as a dict, repeated names joined by ", "."""
    headers: dict[str, str] = {}
    for pair in pairs or ():
        name, value = str(pair.get("Name")), str(pair.get("Value"))
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _metadata(headers: Mapping[str, str]) -> dict:
    try:
        metadata = json.loads(headers.get("X-Metadata") or "{}")
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _template_data(text: Any) -> dict:
    """A TemplateData JSON string as a dict; ValueError if it is not a JSON object."""
    data = json.loads(text) if text else {}
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _replacement_data(entry: dict) -> Any:
    content = entry.get("ReplacementEmailContent") or {}
    return (content.get("ReplacementTemplate") or {}).get("ReplacementTemplateData")


def _parse_raw(raw: bytes) -> tuple[str, list[str], tuple[str, str, str], dict[str, str]]:
    """A MIME message's From, To and Cc addresses, (subject, html, text) and headers."""
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    fields = [str(value) for name in ("To", "Cc") for value in message.get_all(name) or ()]
    pairs = [{"Name": name, "Value": str(value)} for name, value in message.items()]
    parts = [message.get_body((kind,)) for kind in ("html", "plain")]
    html, text = (part.get_content() if part is not None else "" for part in parts)
    rendered = (str(message.get("Subject") or ""), html, text)
    return str(message.get("From") or ""), _addresses(fields), rendered, _headers(pairs)


def _rejection(addresses: list[str]) -> str:
    return (
        "Email address is not verified. The following identities failed the check in region "
        f"{REGION.upper()}: {', '.join(addresses)}"
    )


@functools.cache
def _shared_botocore_session() -> Any:
    import boto3
    import botocore.session

    session = botocore.session.get_session()
    # One client first, so that threads later making clients only read what it loaded.
    boto3.session.Session(botocore_session=session).client(
        "sesv2", region_name=REGION, aws_access_key_id="warm", aws_secret_access_key="warm"
    )
    return session


def session_params() -> dict:
    """``AMAZON_SES_SESSION_PARAMS`` sharing one botocore session in this process: a boto3
    client (one per Anymail connection) then takes milliseconds instead of ~0.3 s. In-process
    tests and benchmarks only (a subprocess reads :meth:`FakeSES.environment`)."""
    return {"botocore_session": _shared_botocore_session()}


class FakeSES(LoopbackProvider):
    """Amazon SES v2 (templates, SendBulkEmail, SendEmail) on 127.0.0.1."""

    name = "ses"

    def __init__(
        self,
        access_key_id: str = "AKIAFAKE",
        secret_access_key: str = "fake-secret-key",
        *,
        escape_html: bool = False,
        strict_missing: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.access_key_id, self.secret_access_key = access_key_id, secret_access_key
        self.escape_html, self.strict_missing = escape_html, strict_missing
        self.templates: dict[str, dict] = {}  # name -> TemplateContent {Subject, Html, Text}
        self.template_calls: list[tuple[str, str, int]] = []  # (method, path, status)
        self.missing: list[tuple[str, str]] = []  # (To, variable) rendered empty
        self.undelivered: list[str] = []  # message ids accepted but not delivered (strict)
        self._compiled: dict[str, tuple[list[Part], ...]] = {}

    # -- settings for clients ------------------------------------------------------------

    def client_params(self) -> dict:
        """boto3 client arguments (Anymail's ``AMAZON_SES_CLIENT_PARAMS``), retries off."""
        return {
            "endpoint_url": self.url,
            "region_name": REGION,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "config": {"retries": {"total_max_attempts": 1}},
        }

    def anymail_settings(self, **extra: Any) -> dict:
        """The ANYMAIL setting for Anymail's SES backend pointed at this server."""
        return {"AMAZON_SES_CLIENT_PARAMS": self.client_params(), **extra}

    def django_settings(self, **extra: Any) -> dict:
        """EMAIL_BACKEND and ANYMAIL, e.g. for ``override_settings(**server.django_settings())``."""
        backend = "anymail.backends.amazon_ses.EmailBackend"
        return {"EMAIL_BACKEND": backend, "ANYMAIL": self.anymail_settings(**extra)}

    def environment(self) -> dict[str, str]:
        """Environment variables pointing this project's settings here (worker processes)."""
        params = json.dumps(self.client_params())
        return {"EMAIL_ESP": "amazon_ses", "ANYMAIL_AMAZON_SES_CLIENT_PARAMS": params}

    def client(self):
        """A boto3 ``sesv2`` client for this server."""
        import boto3
        from botocore.config import Config

        params = self.client_params()
        params["config"] = Config(**params["config"])
        return boto3.session.Session(**session_params()).client("sesv2", **params)

    # -- routing -------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        """Answer one request: fake endpoints, then credentials, then the API."""
        route = path.strip("/")
        if method == "GET" and route in ("health", "fake/counts", "fake/stats"):
            return self._log(self.other_calls, method, path, self._fake_get(route))
        refusal = self._refusal(headers)
        operation = {"outbound-bulk-emails": "SendBulkEmail", "outbound-emails": "SendEmail"}.get(
            route.removeprefix("v2/email/") if method == "POST" else ""
        )
        if operation is not None:
            return self._send(operation, body, refusal)
        if route == "v2/email/templates" or route.startswith("v2/email/templates/"):
            reply = refusal or self._templates_api(method, unquote(route[18:].lstrip("/")), body)
            return self._log(self.template_calls, method, path, reply)
        reply = refusal or error(404, "UnknownOperationException", f"No route for {path}")
        return self._log(self.other_calls, method, path, reply)

    def _refusal(self, headers: Mapping[str, str]) -> Reply | None:
        found = re.search(r"Credential=([^/,\s]+)/", headers.get("Authorization") or "")
        if found is None or found[1] != self.access_key_id:
            message = "The security token included in the request is invalid."
            return error(403, "UnrecognizedClientException", message)
        return None

    # -- templates -----------------------------------------------------------------------

    def create_template(self, name: str, subject: str, html: str, text: str) -> None:
        """Store a template in-process (as CreateEmailTemplate would)."""
        content = {"Subject": subject, "Html": html, "Text": text}
        reply = self._store(name, content)
        if reply.status != 200:
            raise ValueError(reply.payload["message"])

    def _templates_api(self, method: str, name: str, body: bytes) -> Reply:
        if method == "POST" and not name:
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return _bad("The request body is not valid JSON.")
            data = data if isinstance(data, dict) else {}
            return self._store(data.get("TemplateName"), data.get("TemplateContent"))
        with self.lock:
            content = self.templates.get(name)
            if content is not None and method == "DELETE":
                del self.templates[name], self._compiled[name]
                return _ok({})
        if content is None or method != "GET":
            return error(404, "NotFoundException", f"Template {name} does not exist.")
        return _ok({"TemplateName": name, "TemplateContent": dict(content)})

    def _store(self, name: Any, content: Any) -> Reply:
        if not isinstance(name, str) or not name:
            return _bad("TemplateName is required.")
        if not isinstance(content, dict):
            return _bad("TemplateContent is required.")
        try:
            compiled = tuple(compile_template(content.get(field)) for field in _FIELDS)
        except TemplateSyntaxError as problem:
            return _bad(f"Template {name} has invalid syntax: {problem}.")
        with self.lock:
            if name in self.templates:
                return error(400, "AlreadyExistsException", f"Template {name} already exists.")
            self.templates[name] = {f: content[f] for f in _FIELDS if content.get(f) is not None}
            self._compiled[name] = compiled
        return _ok({})

    def _template(self, template: Any) -> tuple[list[Part], ...] | Reply:
        """The compiled parts of a ``Template`` request member, or the error answer."""
        template = template if isinstance(template, dict) else {}
        name, inline = template.get("TemplateName"), template.get("TemplateContent")
        if isinstance(inline, dict):
            try:
                return tuple(compile_template(inline.get(field)) for field in _FIELDS)
            except TemplateSyntaxError as problem:
                return _bad(f"Template has invalid syntax: {problem}.")
        if not name:
            return _bad("A TemplateName or TemplateContent is required.")
        with self.lock:
            compiled = self._compiled.get(name)
        return compiled or error(404, "NotFoundException", f"Template {name} does not exist.")

    # -- sending -------------------------------------------------------------------------

    def _send(self, operation: str, body: bytes, refusal: Reply | None) -> Reply:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = None
        data = data if isinstance(data, dict) else None
        entries = (data or {}).get("BulkEmailEntries") if operation == "SendBulkEmail" else None
        destinations = [e.get("Destination") for e in entries or () if isinstance(e, dict)]
        if operation == "SendEmail":
            destinations = [(data or {}).get("Destination")]
        with self.lock:
            number = len(self.send_calls) + 1
            call = {"call": number, "operation": operation, "status": None, "fault": None}
            call["recipients"] = [a for d in destinations for a in _destination(d)]
            call.update(entries=len(entries or ()), error=None)
            call["sender"] = (data or {}).get("FromEmailAddress")
            call["configuration_set"] = (data or {}).get("ConfigurationSetName")
            self.send_calls.append(call)
        fault = None if refusal else self.take_fault()
        call["fault"] = fault.kind if fault else None
        if refusal or (fault and fault.kind != "drop"):
            reply = refusal or _fault_reply(fault)  # type: ignore[arg-type]
        elif data is None:
            reply = _bad("The request body is not a JSON object.")
        elif operation == "SendBulkEmail":
            reply = self._send_bulk(data, number)
        else:
            reply = self._send_email(data, number)
        reply.drop = bool(fault and fault.kind == "drop")
        call["status"] = reply.status
        if reply.status != 200:
            call["error"] = reply.headers.get("x-amzn-ErrorType", "").split(":")[0]
        return reply

    def _send_bulk(self, data: dict, number: int) -> Reply:
        entries = data.get("BulkEmailEntries")
        if not isinstance(entries, list) or not entries:
            return _bad("BulkEmailEntries must hold at least one entry.")
        if len(entries) > MAX_BULK_ENTRIES:
            return _bad(f"Too many destinations: {len(entries)} > {MAX_BULK_ENTRIES}.")
        if not all(isinstance(entry, dict) for entry in entries):
            return _bad("Each BulkEmailEntry must be an object.")
        if not data.get("FromEmailAddress"):
            return _bad("FromEmailAddress is required.")
        template = (data.get("DefaultContent") or {}).get("Template")
        compiled = self._template(template)
        if isinstance(compiled, Reply):
            return compiled
        try:
            default = _template_data(template.get("TemplateData"))
            per_entry = [_template_data(_replacement_data(entry)) for entry in entries]
        except (ValueError, AttributeError):
            return _bad("Template data must be a JSON object.")
        if not all(_destination(e.get("Destination")) for e in entries):
            return _bad("Each BulkEmailEntry needs at least one destination address.")
        default_headers = _headers(template.get("Headers"))
        results, sent = [], []
        for entry, values in zip(entries, per_entry, strict=True):
            headers = default_headers | _headers(entry.get("ReplacementHeaders"))
            result, delivered = self._deliver(
                _destination(entry["Destination"]), compiled, default | values, headers, number
            )
            results.append(result)
            sent += delivered
        self.record(sent)
        return _ok({"BulkEmailEntryResults": results})

    def _deliver(self, recipients: list[str], compiled, values: dict, headers, number: int):
        """One entry: its BulkEmailEntryResult and the messages it delivered."""
        refused = [a for a in recipients if a.lower() in self.refused]
        if refused:
            return {"Status": "MESSAGE_REJECTED", "Error": _rejection(refused)}, []
        missing: set[str] = set()
        if self.keep_bodies:
            subject, html, text = (
                render(parts, values, self.escape_html and field == "Html", missing)
                for parts, field in zip(compiled, _FIELDS, strict=True)
            )
        else:  # lean: the subject only; the bodies checked for their variables
            subject, html, text = render(compiled[0], values, False, missing), "", ""
            for parts in compiled[1:]:
                check_variables(parts, values, missing)
        message_id = self._new_id()
        if missing:
            with self.lock:
                self.missing.extend((recipients[0], name) for name in sorted(missing))
                if self.strict_missing:
                    self.undelivered.append(message_id)
                    return {"Status": "SUCCESS", "MessageId": message_id}, []
        metadata = _metadata(headers)
        sent = [
            Sent(a, subject, html, text, headers, message_id, number, metadata) for a in recipients
        ]
        return {"Status": "SUCCESS", "MessageId": message_id}, sent

    def _send_email(self, data: dict, number: int) -> Reply:
        content = data.get("Content") if isinstance(data.get("Content"), dict) else {}
        recipients = _destination(data.get("Destination"))
        sender = data.get("FromEmailAddress")
        if isinstance(content.get("Raw"), dict):
            try:
                raw = base64.b64decode(content["Raw"].get("Data") or "", validate=True)
            except (binascii.Error, ValueError):
                return _bad("Content.Raw.Data is not base64.")
            header_from, header_to, rendered, headers = _parse_raw(raw)
            sender, recipients = sender or header_from, recipients or header_to
        elif isinstance(content.get("Simple"), dict):
            simple = content["Simple"]
            body = simple.get("Body") or {}
            fields = (simple.get("Subject"), body.get("Html"), body.get("Text"))
            rendered = tuple(str((field or {}).get("Data") or "") for field in fields)
            headers = _headers(simple.get("Headers"))
        else:
            return _bad("Content must hold Simple or Raw (Template: not in this fake).")
        if not sender or not recipients:
            return _bad("A From address and at least one destination are required.")
        refused = [a for a in recipients if a.lower() in self.refused]
        if refused:
            return error(400, "MessageRejected", _rejection(refused))
        message_id = self._new_id()
        meta = _metadata(headers)
        if not self.keep_bodies:
            rendered = (rendered[0], "", "")
        self.record([Sent(a, *rendered, headers, message_id, number, meta) for a in recipients])
        return _ok({"MessageId": message_id})

    def _new_id(self) -> str:
        """A message id shaped like SES's ("0100018f...-<uuid>-000000")."""
        return f"0100{next(self.ids):012x}-{uuid.uuid4()}-000000"


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; print the endpoint URL on the first line of stdout."""
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--access-key-id", default="AKIAFAKE")
    parser.add_argument("--escape-html", action="store_true")
    args = parser.parse_args(argv)
    server = FakeSES(args.access_key_id, host=args.host, port=args.port)
    server.escape_html = args.escape_html
    server.start()
    serve_until_interrupted(server, server.url)


if __name__ == "__main__":
    main()
