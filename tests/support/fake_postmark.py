"""A fake Postmark API on loopback, for tests and benchmarks; Anymail's real Postmark backend
sends to it (``settings.ANYMAIL = server.anymail_settings()``).

It speaks Postmark's documented API (header ``X-Postmark-Server-Token``, else 401; JSON):

* ``POST /templates``, ``GET /templates``, ``GET|DELETE /templates/{idOrAlias}``: an unknown
  template is 422 ErrorCode 1101; an alias in use, or a body that does not parse (an unclosed
  ``{{``, a section ``{{#x}}``) is 1122; a missing Name, Subject or body is 1120.
* ``POST /email``, ``/email/batch``, ``/email/withTemplate/``, ``/email/batchWithTemplates``:
  at most 500 messages a batch (else 422 ErrorCode 410, nothing sent), answered 200 with one
  result per message. A message whose recipients are all refused (:meth:`refuse`) gets 406
  ("Found inactive addresses: ..."); a single-message endpoint answers a failed message 422.
* ``GET /health``, ``GET /fake/counts``, ``GET /fake/stats`` (no token needed).

Templates render Mustachio variables: ``{{ name }}`` (HTML-escaped in HtmlBody only),
``{{{ name }}}`` (never escaped), dotted names, ``{{! comments }}``. A variable the model lacks
renders empty and is added to :attr:`FakePostmark.missing` as ``(To, name)`` (a lean server,
``keep_bodies=False``, checks the bodies' variables and keeps no bodies). Faults apply to the
send endpoints only. Standalone: ``python tests/support/fake_postmark.py --port 8026``.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import getaddresses
from typing import Any

try:
    from tests.support.loopback import LoopbackProvider, Reply, Sent, serve_until_interrupted
except ImportError:  # run as a script: tests/support is sys.path[0]
    from loopback import LoopbackProvider, Reply, Sent, serve_until_interrupted  # type: ignore[no-redef]

__all__ = [
    "MAX_BATCH_MESSAGES",
    "FakePostmark",
    "TemplateSyntaxError",
    "check_variables",
    "compile_template",
    "render",
]

MAX_BATCH_MESSAGES = 500
# Postmark's documented error codes (API overview, "Error codes").
BAD_TOKEN = 10  # "Bad or missing API token" (HTTP 401)
SERVER_ERROR = 101  # an error that shouldn't have occurred (HTTP 500)
INVALID_REQUEST = 300  # send validation: recipients, From, bodies
INVALID_JSON = 402
INACTIVE = 406  # inactive recipient
JSON_REQUIRED = 409
TOO_MANY_MESSAGES = 410  # "up to 500 messages in a single batched request"
TEMPLATE_NOT_FOUND = 1101
NO_TEMPLATE_DATA = 1109
TEMPLATE_FIELD_MISSING = 1120
TEMPLATE_FIELD_INVALID = 1122  # invalid field: alias in use, unparseable body
TEMPLATE_NOT_ALLOWED = 1123  # Subject/bodies given with a template
INACTIVE_TAIL = (
    "Inactive recipients are ones that have generated a hard bounce, a spam complaint, "
    "or a manual suppression."
)
_SEND_ENDPOINTS = {  # lowercased route -> (endpoint as documented, batch, templated)
    "email": ("email", False, False),
    "email/batch": ("email/batch", True, False),
    "email/withtemplate": ("email/withTemplate/", False, True),
    "email/batchwithtemplates": ("email/batchWithTemplates", True, True),
}
_NAME = re.compile(r"[A-Za-z_@$][\w@$-]*(?:\.[A-Za-z_@$][\w@$-]*)*")
_BODY_FIELDS = ("Subject", "HtmlBody", "TextBody")
_MISSING = object()
_SPECIAL = re.compile(r"[<>,\"(]")

Part = str | tuple[str, bool]  # text, or (variable name, raw)


class TemplateSyntaxError(ValueError):
    """A template body this fake (or Postmark) cannot parse."""


def compile_template(source: str | None) -> list[Part]:
    """Split Mustachio ``source`` into text and ``(name, raw)`` variables; raise
    :class:`TemplateSyntaxError` for an unclosed tag or anything but a plain variable."""
    parts: list[Part] = []
    source, pos = source or "", 0
    while (start := source.find("{{", pos)) >= 0:
        parts.append(source[pos:start])
        raw = source.startswith("{{{", start)
        opening, closing = ("{{{", "}}}") if raw else ("{{", "}}")
        end = source.find(closing, start + len(opening))
        if end < 0:
            raise TemplateSyntaxError(f"unclosed '{opening}' at character {start}")
        name = source[start + len(opening) : end].strip()
        pos = end + len(closing)
        if name.startswith("!") and not raw:
            continue  # a comment
        if "{{" in name or not _NAME.fullmatch(name):
            raise TemplateSyntaxError(f"unsupported tag '{source[start:pos]}'")
        parts.append((name, raw))
    parts.append(source[pos:])
    return [part for part in parts if part != ""]


def _lookup(model: Any, name: str) -> tuple[bool, Any]:
    value = model
    for key in name.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return False, None
        value = value[key]
    return True, value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def render(parts: list[Part], model: Mapping, escape: bool, missing: set[str]) -> str:
    """Render compiled ``parts`` with ``model``; names it lacks go to ``missing``."""
    out: list[str] = []
    for part in parts:
        if part.__class__ is str:
            out.append(part)  # type: ignore[arg-type]
            continue
        name, raw = part
        if "." in name:
            found, value = _lookup(model, name)
        else:
            value = model.get(name, _MISSING)
            found = value is not _MISSING
        if not found:
            missing.add(name)
            continue
        text = value if value.__class__ is str else _as_text(value)
        out.append(text if raw or not escape else html.escape(text))
    return "".join(out)


def check_variables(parts: list[Part], model: Mapping, missing: set[str]) -> None:
    """What :func:`render` would add to ``missing``, without rendering (a lean server)."""
    for part in parts:
        if part.__class__ is not str:
            name = part[0]
            found = _lookup(model, name)[0] if "." in name else name in model
            if not found:
                missing.add(name)


def _error(code: int, message: str) -> dict:
    return {"ErrorCode": code, "Message": message}


def _addresses(value: Any) -> list[str]:
    """The addr-specs in a Postmark address field ("a@x, Name <b@y>")."""
    if not value or not isinstance(value, str):
        return []
    if _SPECIAL.search(value) is None:  # a bare address: the usual case, and fast
        return [value.strip()]
    return [addr for _name, addr in getaddresses([value]) if addr]


class FakePostmark(LoopbackProvider):
    """Postmark's server API (email and templates) on 127.0.0.1."""

    name = "postmark"

    def __init__(self, token: str = "postmark-test-token", **kwargs: Any):
        super().__init__(**kwargs)
        self.token = token
        self.templates: dict[str, dict] = {}  # alias (or str(TemplateId)) -> template
        self.template_calls: list[tuple[str, str, int]] = []  # (method, path, status)
        self.missing: list[tuple[str, str]] = []  # (To, variable) rendered empty
        self._compiled: dict[int, tuple[list[Part], list[Part], list[Part]]] = {}
        self._template_ids = iter(range(1_000_001, 10**9))

    # -- settings for clients ------------------------------------------------------------

    def anymail_settings(self, **extra: Any) -> dict:
        """The ANYMAIL setting for Anymail's Postmark backend pointed at this server."""
        return {"POSTMARK_SERVER_TOKEN": self.token, "POSTMARK_API_URL": self.url + "/", **extra}

    def django_settings(self, **extra: Any) -> dict:
        """EMAIL_BACKEND and ANYMAIL, e.g. for ``override_settings(**server.django_settings())``."""
        return {
            "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
            "ANYMAIL": self.anymail_settings(**extra),
        }

    def environment(self) -> dict[str, str]:
        """Environment variables pointing this project's settings here (worker processes)."""
        return {
            "EMAIL_ESP": "postmark",
            "ANYMAIL_POSTMARK_SERVER_TOKEN": self.token,
            "ANYMAIL_POSTMARK_API_URL": self.url + "/",
        }

    # -- routing -------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        """Answer one request: fake endpoints, then token, then the API."""
        route = path.strip("/")
        if method == "GET" and route in ("health", "fake/counts", "fake/stats"):
            return self._log(self.other_calls, method, path, self._fake_get(route))
        send = _SEND_ENDPOINTS.get(route.lower()) if method == "POST" else None
        is_template = route.lower() == "templates" or route.lower().startswith("templates/")
        refusal = self._refusal(headers)
        if send is not None:
            return self._send(send, body, refusal)
        log = self.template_calls if is_template else self.other_calls
        if refusal is not None:
            return self._log(log, method, path, refusal)
        if is_template:
            return self._log(log, method, path, self._templates_api(method, route, body))
        return self._log(log, method, path, Reply(404, {"Message": "Not found"}))

    def _refusal(self, headers: Mapping[str, str]) -> Reply | None:
        if headers.get("X-Postmark-Server-Token") != self.token:
            message = "Request does not contain a valid Server token."
            return Reply(401, _error(BAD_TOKEN, message))
        accept = (headers.get("Accept") or "*/*").lower()
        if not any(kind in accept for kind in ("application/json", "*/*", "application/*")):
            message = "Your HTTP request does not have the Accept header set to application/json."
            return Reply(422, _error(JSON_REQUIRED, message))
        return None

    # -- templates -----------------------------------------------------------------------

    def create_template(self, alias: str, subject: str, html_body: str, text_body: str) -> dict:
        """Store a template in-process (as ``POST /templates`` would); its API answer."""
        data = {"Name": alias, "Alias": alias, "Subject": subject}
        data.update(HtmlBody=html_body, TextBody=text_body)
        reply = self._create_template(data)
        if reply.status != 200:
            raise ValueError(reply.payload["Message"])
        return reply.payload

    def _templates_api(self, method: str, route: str, body: bytes) -> Reply:
        key = route.partition("/")[2]
        if method == "POST" and not key:
            try:
                data = json.loads(body or b"null")
            except ValueError:
                return Reply(422, _error(INVALID_JSON, "Received invalid JSON input."))
            return self._create_template(data)
        if method == "GET" and not key:
            with self.lock:
                listed = [self._summary(t) for t in self.templates.values()]
            return Reply(200, {"TotalCount": len(listed), "Templates": listed})
        if method not in ("GET", "DELETE") or not key:
            return Reply(404, {"Message": "Not found"})
        with self.lock:
            template = self.find_template(key)
            if template is None:
                message = "The 'TemplateId' or 'Alias' provided does not exist."
                return Reply(422, _error(TEMPLATE_NOT_FOUND, message))
            if method == "GET":
                return Reply(200, dict(template))
            self.templates.pop(template["Alias"] or str(template["TemplateId"]))
            self._compiled.pop(template["TemplateId"])
        return Reply(200, _error(0, f"Template {template['TemplateId']} removed."))

    def find_template(self, id_or_alias: Any) -> dict | None:
        """The stored template with this TemplateId (int or digits) or Alias, or None."""
        key = str(id_or_alias)
        with self.lock:
            if key.isdigit():
                wanted = int(key)
                return next((t for t in self.templates.values() if t["TemplateId"] == wanted), None)
            template = self.templates.get(key)
            return template if template is not None and template["Alias"] == key else None

    @staticmethod
    def _summary(template: dict) -> dict:
        fields = ("TemplateId", "Name", "Active", "Alias", "TemplateType", "LayoutTemplate")
        return {field: template[field] for field in fields}

    def _create_template(self, data: Any) -> Reply:
        problem = self._template_problem(data)
        if problem is not None:
            return Reply(422, problem)
        try:
            compiled = tuple(compile_template(data.get(field)) for field in _BODY_FIELDS)
        except TemplateSyntaxError as error:
            return Reply(422, _error(TEMPLATE_FIELD_INVALID, f"Template syntax error: {error}."))
        alias = data.get("Alias") or None
        with self.lock:
            if alias is not None and alias in self.templates:
                message = f"The Alias '{alias}' is already in use on this server."
                return Reply(422, _error(TEMPLATE_FIELD_INVALID, message))
            template_id = next(self._template_ids)
            template = {"TemplateId": template_id, "Name": data["Name"], "Alias": alias}
            template.update({field: data.get(field) for field in _BODY_FIELDS})
            template.update(Active=True, TemplateType="Standard", LayoutTemplate=None)
            self.templates[alias or str(template_id)] = template
            self._compiled[template_id] = compiled  # type: ignore[assignment]
        return Reply(200, self._summary(template))

    @staticmethod
    def _template_problem(data: Any) -> dict | None:
        if not isinstance(data, dict) or not data:
            return _error(NO_TEMPLATE_DATA, "No Template data received.")
        if data.get("TemplateType", "Standard") != "Standard":
            return _error(TEMPLATE_FIELD_INVALID, "Only Standard templates are supported here.")
        for field in ("Name", "Subject"):
            if not data.get(field):
                return _error(TEMPLATE_FIELD_MISSING, f"The '{field}' field is required.")
        if not (data.get("HtmlBody") or data.get("TextBody")):
            return _error(TEMPLATE_FIELD_MISSING, "Provide either 'HtmlBody' or 'TextBody'.")
        return None

    # -- sending -------------------------------------------------------------------------

    def _send(self, send: tuple[str, bool, bool], body: bytes, refusal: Reply | None) -> Reply:
        endpoint, batch, templated = send
        messages = _messages_of(body, batch, templated)
        recipients = [
            a for m in messages or () if isinstance(m, dict) for a in _addresses(m.get("To"))
        ]
        with self.lock:
            number = len(self.send_calls) + 1
            call = {"call": number, "endpoint": endpoint, "status": None, "fault": None}
            call.update(recipients=recipients, messages=len(messages or ()))
            self.send_calls.append(call)
        reply = refusal or self._fault_reply(call)
        if reply is None:
            reply = self._deliver_all(messages, batch, templated, number)
            reply.drop = call["fault"] == "drop"
        call["status"] = reply.status
        return reply

    def _fault_reply(self, call: dict) -> Reply | None:
        fault = self.take_fault()
        if fault is None:
            return None
        call["fault"] = fault.kind
        if fault.kind == "fail":
            return Reply(fault.status, _error(SERVER_ERROR, "Internal server error"))
        if fault.kind == "throttle":
            headers = {"Retry-After": f"{fault.retry_after:g}"}
            return Reply(429, _error(429, "Rate limit exceeded."), headers)
        return None  # drop: send, then close without answering

    def _deliver_all(self, messages: list | None, batch: bool, templated: bool, number: int):
        if messages is None:
            return Reply(422, _error(INVALID_JSON, "Received invalid JSON input."))
        if len(messages) > MAX_BATCH_MESSAGES:
            message = f"You may only send up to {MAX_BATCH_MESSAGES} messages in a batched call."
            return Reply(422, _error(TOO_MANY_MESSAGES, message))
        results, sent = [], []
        for message in messages:
            result, delivered = self._deliver(message, templated, number, batch)
            results.append(result)
            sent.extend(delivered)
        self.record(sent)
        if batch:
            return Reply(200, results)
        return Reply(200 if results[0]["ErrorCode"] == 0 else 422, results[0])

    def _deliver(self, message: Any, templated: bool, number: int, batch: bool):
        """One message: its result object and what it delivered."""
        if not isinstance(message, dict):
            return _error(INVALID_JSON, "Each message must be a JSON object."), []
        fields = {field: _addresses(message.get(field)) for field in ("To", "Cc", "Bcc")}
        everyone = [addr for addrs in fields.values() for addr in addrs]
        problem = _recipient_problem(message, fields, everyone)
        content = problem or self._content(message, templated)
        if isinstance(content, dict):
            return content, []
        inactive = [a.lower() for a in everyone if a.lower() in self.refused]
        if len(inactive) == len(everyone):
            who = "recipient(s) that have" if batch else "a recipient that has"
            text = f"You tried to send to {who} been marked as inactive. Found inactive addresses: "
            return _error(INACTIVE, f"{text}{', '.join(inactive)}. {INACTIVE_TAIL}"), []
        message_id = str(uuid.uuid4())
        subject, html_body, text_body = content
        headers = {h.get("Name"): h.get("Value") for h in message.get("Headers") or ()}
        metadata = message.get("Metadata") or {}
        sent = [
            Sent(addr, subject, html_body, text_body, headers, message_id, number, metadata)
            for addr in everyone
            if addr.lower() not in self.refused
        ]
        result = {"ErrorCode": 0, "Message": "OK", "MessageID": message_id}
        result["SubmittedAt"] = datetime.now(UTC).isoformat()
        if message.get("To"):
            result["To"] = message["To"]
        if inactive:
            skipped = f"will not deliver to these inactive addresses: {', '.join(inactive)}."
            result["Message"] = f"Message OK, but {skipped} {INACTIVE_TAIL}"
        return result, sent

    def _content(self, message: dict, templated: bool) -> tuple[str, str, str] | dict:
        """Subject, HTML and text of ``message`` (rendered if templated), or an error."""
        if not templated:
            if not (message.get("HtmlBody") or message.get("TextBody")):
                return _error(INVALID_REQUEST, "Provide either email TextBody or HtmlBody or both.")
            if not self.keep_bodies:
                return _as_text(message.get("Subject")), "", ""
            return tuple(_as_text(message.get(field)) for field in _BODY_FIELDS)  # type: ignore
        if any(message.get(field) for field in _BODY_FIELDS):
            text = "Subject, HtmlBody and TextBody are not allowed when sending with a template."
            return _error(TEMPLATE_NOT_ALLOWED, text)
        key = message.get("TemplateId") or message.get("TemplateAlias")
        template = self.find_template(key) if key else None
        compiled = self._compiled.get(template["TemplateId"]) if template else None
        if compiled is None:  # (or removed meanwhile)
            text = f"The template '{key}' does not exist (or neither TemplateId nor TemplateAlias)."
            return _error(TEMPLATE_NOT_FOUND, text)
        model = message.get("TemplateModel")
        if not isinstance(model, dict):
            return _error(TEMPLATE_FIELD_MISSING, "The 'TemplateModel' field is required.")
        missing: set[str] = set()
        if self.keep_bodies:
            pairs = zip(compiled, (False, True, False), strict=True)  # escape HtmlBody only
            rendered = tuple(render(parts, model, escape, missing) for parts, escape in pairs)
        else:  # lean: the subject only; the bodies checked for their variables
            rendered = (render(compiled[0], model, False, missing), "", "")
            for parts in compiled[1:]:
                check_variables(parts, model, missing)
        if missing:
            with self.lock:
                self.missing.extend((message.get("To") or "", name) for name in sorted(missing))
        return rendered  # type: ignore[return-value]


def _messages_of(body: bytes, batch: bool, templated: bool) -> list | None:
    """The messages a send call carries, or None when the body is not what it should be."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None
    if batch and templated:
        data = data.get("Messages") if isinstance(data, dict) else None
    elif not batch:
        data = [data] if isinstance(data, dict) else None
    return data if isinstance(data, list) else None


def _recipient_problem(message: dict, fields: dict, everyone: list[str]) -> dict | None:
    if not everyone:
        return _error(INVALID_REQUEST, "Zero recipients specified")
    for field, addrs in fields.items():
        for addr in addrs:
            if "@" not in addr or any(ch.isspace() for ch in addr):
                return _error(INVALID_REQUEST, f"Invalid '{field}' address: '{addr}'.")
    if not _addresses(message.get("From")):
        return _error(INVALID_REQUEST, f"Invalid 'From' address: '{message.get('From') or ''}'.")
    return None


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; print the API URL on the first line of stdout."""
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="postmark-test-token")
    args = parser.parse_args(argv)
    server = FakePostmark(args.token, host=args.host, port=args.port).start()
    serve_until_interrupted(server, server.url + "/")


if __name__ == "__main__":
    main()
