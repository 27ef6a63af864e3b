"""A fake Brevo v3 transactional email API on loopback, for tests and benchmarks.

Anymail's real Brevo backend (``anymail.backends.brevo.EmailBackend``) sends to it::

    with FakeBrevo() as server:
        settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        ...
        assert server.delivery_counts()["ada@example.com"] == 1

What it speaks (header ``api-key`` on every call, else 401 ``{"code": "unauthorized"}``):

* ``POST /v3/smtp/templates`` {templateName, subject, sender{name?, email}, htmlContent
  (10+ characters), replyTo?, isActive (default false, as at Brevo), tag?} -> 201 ``{"id"}``;
  ``GET``, ``PUT`` (204) and ``DELETE`` (204) ``/v3/smtp/templates/{id}``, ``GET`` the list.
  As documented, only an *inactive* template can be deleted: an active one answers 405
  (set :attr:`FakeBrevo.delete_active` to allow it). Unknown ids are 404 ``document_not_found``.
* ``POST /v3/smtp/email``: a stored template (``templateId``, an integer) or inline
  ``subject``/``htmlContent``/``textContent``; either plain ``to`` (one message, 201
  ``{"messageId"}``) or ``messageVersions`` (up to 1,000, 201 ``{"messageIds"}`` one per version,
  in order). Top-level ``params``/``headers`` are merged with each version's (the version wins);
  a version may override ``subject``, ``htmlContent``, ``textContent``, ``cc``, ``bcc`` (the
  call's own ``cc``/``bcc`` apply to every version, its ``to`` to none). A stored template's
  body is used whatever ``htmlContent`` the call has; a ``subject`` does override. The whole
  request is validated before anything is sent: an invalid or :meth:`refuse`-d address anywhere
  is 400 ``{"code": "invalid_parameter", "message": "email is not valid in to"}`` and
  nothing is delivered.
* ``GET /health`` and ``GET /fake/counts`` (no key needed).

The Brevo template language, as far as the fake goes: ``{{ params.name }}`` (dotted paths too)
prints the value HTML-escaped, in the subject too (:attr:`FakeBrevo.escape_subject`);
``{% autoescape off %}...{% endautoescape %}`` prints unescaped; ``{% verbatim %}...{%
endverbatim %}`` prints its content as written; ``{# ... #}`` is a comment. Any other ``{{``,
``{%`` or ``{#`` (filters, ``if``, ``for``, ``contact.X``...) makes the template invalid: 400
``template syntax error ...``. A missing param prints nothing and its name is appended to
:attr:`FakeBrevo.missing`. Brevo templates have no text part: a message's text is its HTML with
the tags stripped (unless an inline ``textContent`` is sent, rendered unescaped). A lean server
(``keep_bodies=False``) checks the bodies' params and keeps no bodies.

Faults (``fail_next``, ``throttle_next``, ``drop_next``, ``fail_ratio``) apply to authenticated
``/v3/smtp/email`` calls; a dropped call is delivered first. Run standalone::

    python -m tests.support.fake_brevo --port 8026 --api-key xkeysib-test
"""

from __future__ import annotations

import hmac
import html as html_lib
import itertools
import json
import re
import time
from collections.abc import Mapping
from typing import Any

try:
    from tests.support.loopback import Fault, LoopbackProvider, Reply, Sent, serve_until_interrupted
except ImportError:  # run as a script: tests/support is on sys.path
    from loopback import Fault, LoopbackProvider, Reply, Sent, serve_until_interrupted  # type: ignore[no-redef]

__all__ = [
    "MAX_VERSIONS",
    "FakeBrevo",
    "TemplateSyntaxError",
    "check_variables",
    "compile_template",
    "html_to_text",
    "render",
]

#: Brevo sends at most this many message versions in one call.
MAX_VERSIONS = 1000
MESSAGE_ID_DOMAIN = "smtp-relay.mailin.fr"

_TEMPLATE_PATH = re.compile(r"^/v3/smtp/templates/(\d+)$")
_OPEN = re.compile(r"\{[{%#]")
_VARIABLE = re.compile(r"\{\{\s*params\.([A-Za-z_]\w*(?:\.\w+)*)\s*\}\}")
_TAG = re.compile(r"\{%\s*(\w+)(?:\s+(\w+))?\s*%\}")
_COMMENT = re.compile(r"\{#.*?#\}")
_ADDRESS = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")
_INVISIBLE = re.compile(r"(?is)<(head|script|style)\b.*?</\1\s*>|<!--.*?-->")
_BREAK = re.compile(r"(?i)<br\s*/?>|</(?:p|div|h[1-6]|li|tr|table|blockquote)\s*>")
_TAG_MARKUP = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]{2,}|[\t\r\f\v\xa0]")  # single spaces stay
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


# --------------------------------------------------------------------------------------------
# The template language
# --------------------------------------------------------------------------------------------


class TemplateSyntaxError(ValueError):
    """The template is not valid Brevo template language (as far as the fake knows it)."""


def _syntax_error(source: str, start: int, what: str) -> TemplateSyntaxError:
    line = source.count("\n", 0, start) + 1
    return TemplateSyntaxError(
        f"template syntax error at line {line}: {what} near {source[start : start + 40]!r}"
    )


def compile_template(source: str, autoescape: bool = True) -> list[tuple]:
    """Parse ``source`` into nodes: ``("text", str)`` and ``("param", path, escape)``."""
    nodes: list[tuple] = []
    escape = [autoescape]
    pos = 0
    while (found := _OPEN.search(source, pos)) is not None:
        nodes.append(("text", source[pos : found.start()]))
        pos = _compile_tag(source, found.start(), nodes, escape)
    nodes.append(("text", source[pos:]))
    if len(escape) > 1:
        raise TemplateSyntaxError("template syntax error: {% autoescape %} is never closed")
    merged: list[tuple] = []
    for node in nodes:
        if node[0] == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + node[1])
        elif node != ("text", ""):
            merged.append(node)
    return merged


def _compile_tag(source: str, start: int, nodes: list[tuple], escape: list[bool]) -> int:
    """Read the tag at ``start`` into ``nodes``; return where the text after it begins."""
    opener = source[start : start + 2]
    if opener == "{{":
        match = _VARIABLE.match(source, start)
        if match is None:
            raise _syntax_error(source, start, "invalid variable")
        nodes.append(("param", tuple(match[1].split(".")), escape[-1]))
        return match.end()
    if opener == "{#":
        match = _COMMENT.match(source, start)
        if match is None:
            raise _syntax_error(source, start, "unclosed comment")
        return match.end()
    match = _TAG.match(source, start)
    if match is None:
        raise _syntax_error(source, start, "invalid tag")
    name, arg = match[1], match[2]
    if name == "verbatim":
        closing = r"\{%\s*endverbatim" + (rf"\s+{arg}" if arg else "") + r"\s*%\}"
        end = re.compile(closing).search(source, match.end())
        if end is None:
            raise _syntax_error(source, start, "unclosed {% verbatim %}")
        nodes.append(("text", source[match.end() : end.start()]))
        return end.end()
    if name == "autoescape" and arg in ("on", "off"):
        escape.append(arg == "on")
        return match.end()
    if name == "endautoescape" and arg is None and len(escape) > 1:
        escape.pop()
        return match.end()
    raise _syntax_error(source, start, f"unsupported tag {name!r}")


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _lookup(params: Mapping, path: tuple[str, ...]) -> tuple[bool, Any]:
    value: Any = params
    for key in path:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return False, None
    return True, value


def render(nodes: list[tuple], params: Mapping, missing: list[str] | None = None) -> str:
    """Render compiled nodes with ``params``; names not found are appended to ``missing``."""
    parts = []
    for node in nodes:
        if node[0] == "text":
            parts.append(node[1])
            continue
        found, value = _lookup(params, node[1])
        if not found:
            if missing is not None:
                missing.append(".".join(node[1]))
            continue
        text = _as_text(value)
        parts.append(html_lib.escape(text) if node[2] else text)
    return "".join(parts)


def check_variables(nodes: list[tuple], params: Mapping, missing: list[str]) -> None:
    """What :func:`render` would append to ``missing``, without rendering (a lean server)."""
    for node in nodes:
        if node[0] != "text" and not _lookup(params, node[1])[0]:
            missing.append(".".join(node[1]))


def html_to_text(html: str) -> str:
    """A plain-text version of an HTML body: tags stripped, entities decoded."""
    text = _TAG_MARKUP.sub("", _BREAK.sub("\n", _INVISIBLE.sub("", html)))
    text = _LINE_EDGES.sub("\n", _SPACES.sub(" ", html_lib.unescape(text)))
    return _BLANK_LINES.sub("\n\n", text).strip()


class _Sent(Sent):
    """A :class:`Sent` whose text is made from its HTML when first read (a benchmark's
    thousands of messages need not pay for it)."""

    @property  # type: ignore[override]
    def text(self) -> str:
        if self._text is None:
            self._text = html_to_text(self.html)
        return self._text

    @text.setter
    def text(self, value: str | None) -> None:
        self._text = value


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.reply = Reply(status, {"code": code, "message": message})


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body or b"null")
    except ValueError as error:
        raise _ApiError(400, "bad_request", f"Input must be a valid JSON object: {error}") from None
    if not isinstance(data, dict):
        raise _ApiError(400, "bad_request", "Input must be a valid JSON object")
    return data


def _addresses(entries: Any, field: str, refused: set[str]) -> list[str]:
    """The addresses of a ``to``/``cc``/``bcc`` list; 400 if one is invalid or refused."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise _ApiError(400, "invalid_parameter", f"{field} should be type array")
    addresses = []
    for entry in entries:
        email = entry.get("email") if isinstance(entry, dict) else None
        if not isinstance(email, str) or not _ADDRESS.match(email) or email.lower() in refused:
            raise _ApiError(400, "invalid_parameter", f"email is not valid in {field}")
        addresses.append(email)
    return addresses


def _merge_headers(*sources: Mapping | None) -> dict[str, str]:
    merged: dict[str, tuple[str, str]] = {}
    for source in sources:
        for name, value in (source or {}).items():
            if not isinstance(value, str):
                raise _ApiError(400, "invalid_parameter", f"header {name} should be type string")
            merged[name.lower()] = (name, value)
    return dict(merged.values())


def _metadata(headers: Mapping[str, str]) -> dict:
    """Anymail's metadata, which it sends as the ``X-Mailin-custom`` header."""
    raw = next((v for k, v in headers.items() if k.lower() == "x-mailin-custom"), None)
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"X-Mailin-custom": raw}
    return value if isinstance(value, dict) else {"X-Mailin-custom": value}


class FakeBrevo(LoopbackProvider):
    """The fake Brevo API. ``templates`` (id -> template as ``GET`` returns it),
    ``template_calls``, ``send_calls``, ``sent`` and ``missing`` are readable."""

    name = "brevo"
    escape_subject = True  # params print HTML-escaped in the subject too
    delete_active = False  # Brevo answers 405 to deleting an active template

    def __init__(self, api_key: str = "xkeysib-test", **kwargs: Any):
        super().__init__(**kwargs)
        self.api_key = api_key
        self.templates: dict[int, dict] = {}
        self.template_calls: list[dict] = []  # {"method", "path", "status", "id"}
        self.missing: list[str] = []  # params a template used but a message did not have
        self._compiled: dict[int, tuple[list, list]] = {}
        self._template_ids = itertools.count(1)

    # -- settings ----------------------------------------------------------------------------

    def anymail_settings(self, **extra: Any) -> dict:
        """The ``ANYMAIL`` setting for Anymail's Brevo backend pointed at this server."""
        return {"BREVO_API_KEY": self.api_key, "BREVO_API_URL": self.url + "/v3/", **extra}

    def django_settings(self) -> dict:
        """``EMAIL_BACKEND`` and ``ANYMAIL``, e.g. for ``override_settings``."""
        return {
            "EMAIL_BACKEND": "anymail.backends.brevo.EmailBackend",
            "ANYMAIL": self.anymail_settings(),
        }

    def environment(self) -> dict[str, str]:
        """Environment variables that point this project's settings here (worker processes)."""
        return {
            "EMAIL_ESP": "brevo",
            "ANYMAIL_BREVO_API_KEY": self.api_key,
            "ANYMAIL_BREVO_API_URL": self.url + "/v3/",
        }

    def message_id(self) -> str:
        stamp = time.strftime("%Y%m%d%H%M", time.gmtime())
        return f"<{stamp}.{next(self.ids):011d}@{MESSAGE_ID_DOMAIN}>"

    # -- routing -----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        """Answer one HTTP request."""
        path = path.rstrip("/") or "/"
        if method == "GET" and path in ("/health", "/fake/counts"):
            payload = {"status": "ok"} if path == "/health" else dict(self.delivery_counts())
            return self._other(method, path, Reply(200, payload))
        key = (headers.get("api-key") or "").encode()
        authorized = hmac.compare_digest(key, self.api_key.encode())
        if method == "POST" and path == "/v3/smtp/email":
            return self._send_call(body, authorized)
        if not authorized:
            reply = Reply(401, {"code": "unauthorized", "message": "Key not found"})
        elif path == "/v3/smtp/templates" or _TEMPLATE_PATH.match(path):
            reply = self._template_call(method, path, body)
        else:
            reply = Reply(404, {"code": "not_found", "message": f"Invalid route {path}"})
        if path.startswith("/v3/smtp/templates"):
            with self.lock:
                self.template_calls.append(
                    {"method": method, "path": path, "status": reply.status, "id": _id(reply)}
                )
            return reply
        return self._other(method, path, reply)

    def _other(self, method: str, path: str, reply: Reply) -> Reply:
        with self.lock:
            self.other_calls.append((method, path, reply.status))
        return reply

    # -- templates ---------------------------------------------------------------------------

    def _template_call(self, method: str, path: str, body: bytes) -> Reply:
        try:
            if path == "/v3/smtp/templates":
                if method == "POST":
                    return self._create_template(_json_object(body))
                if method == "GET":
                    with self.lock:
                        listed = [dict(t) for t in self.templates.values()]
                    return Reply(200, {"count": len(listed), "templates": listed})
                raise _ApiError(405, "method_not_allowed", f"{method} is not allowed here")
            return self._one_template(method, int(path.rsplit("/", 1)[1]), body)
        except _ApiError as error:
            return error.reply

    def _compile(self, subject: str, html: str) -> tuple[list, list]:
        try:
            return compile_template(subject, self.escape_subject), compile_template(html)
        except TemplateSyntaxError as error:
            raise _ApiError(400, "invalid_parameter", str(error)) from None

    def _create_template(self, data: dict) -> Reply:
        for field in ("templateName", "subject", "sender"):
            if not data.get(field):
                raise _ApiError(400, "missing_parameter", f"{field} is missing")
        sender = data["sender"]
        if not isinstance(sender, dict) or not _ADDRESS.match(str(sender.get("email", ""))):
            raise _ApiError(400, "invalid_parameter", "sender is not valid")
        html = data.get("htmlContent")
        if not html:
            raise _ApiError(400, "missing_parameter", "htmlContent or htmlUrl is missing")
        if not isinstance(html, str) or len(html) < 10:
            raise _ApiError(400, "invalid_parameter", "htmlContent must have 10 characters or more")
        compiled = self._compile(str(data["subject"]), html)
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        with self.lock:
            template_id = next(self._template_ids)
            self.templates[template_id] = {
                "id": template_id,
                "name": data["templateName"],
                "subject": data["subject"],
                "isActive": bool(data.get("isActive", False)),
                "testSent": False,
                "sender": {"name": sender.get("name", ""), "email": sender["email"]},
                "replyTo": data.get("replyTo", ""),
                "toField": data.get("toField", ""),
                "tag": data.get("tag", ""),
                "htmlContent": html,
                "createdAt": now,
                "modifiedAt": now,
                "doiTemplate": False,
            }
            self._compiled[template_id] = compiled
        return Reply(201, {"id": template_id})

    def _one_template(self, method: str, template_id: int, body: bytes) -> Reply:
        with self.lock:
            template = self.templates.get(template_id)
            if template is None:
                raise _ApiError(404, "document_not_found", "Template ID does not exist")
            if method == "GET":
                return Reply(200, {**template, "sender": dict(template["sender"])})
            if method == "DELETE":
                if template["isActive"] and not self.delete_active:
                    raise _ApiError(405, "method_not_allowed", "Active template can't be deleted")
                del self.templates[template_id], self._compiled[template_id]
                return Reply(204)
        if method == "PUT":
            return self._update_template(template_id, _json_object(body))
        raise _ApiError(405, "method_not_allowed", f"{method} is not allowed here")

    def _update_template(self, template_id: int, data: dict) -> Reply:
        with self.lock:
            template = dict(self.templates[template_id])
        names = {"templateName": "name", "subject": "subject", "htmlContent": "htmlContent"}
        names |= {"replyTo": "replyTo", "tag": "tag", "toField": "toField", "sender": "sender"}
        template.update({names[k]: v for k, v in data.items() if k in names})
        if "isActive" in data:
            template["isActive"] = bool(data["isActive"])
        compiled = self._compile(str(template["subject"]), str(template["htmlContent"]))
        template["modifiedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        with self.lock:
            if template_id in self.templates:
                self.templates[template_id], self._compiled[template_id] = template, compiled
        return Reply(204)

    # -- sending -----------------------------------------------------------------------------

    def _send_call(self, body: bytes, authorized: bool) -> Reply:
        data: dict = {}
        invalid: Reply | None = None
        try:
            data = _json_object(body)
        except _ApiError as error:
            invalid = error.reply
        call = {"status": None, "recipients": _requested(data), "fault": None, "error": None}
        with self.lock:
            self.send_calls.append(call)
            number = len(self.send_calls) - 1
        if not authorized:
            reply = Reply(401, {"code": "unauthorized", "message": "Key not found"})
        else:
            fault = self.take_fault()
            call["fault"] = fault and fault.kind
            if fault is not None and fault.kind != "drop":
                reply = _fault_reply(fault)
            else:
                reply = self._deliver(data, number, call) if invalid is None else invalid
                reply.drop = fault is not None
        call["status"] = reply.status
        if reply.status >= 400:
            call["error"] = (reply.payload or {}).get("message")
        return reply

    def _content(self, data: dict) -> tuple[dict, dict]:
        """The sender and the default content of a call: a stored template or the inline
        ``subject``/``htmlContent``/``textContent``, as strings or compiled nodes."""
        template_id = data.get("templateId")
        if template_id is None:
            sender = data.get("sender")
            if not isinstance(sender, dict) or not _ADDRESS.match(str(sender.get("email", ""))):
                raise _ApiError(400, "missing_parameter", "sender is missing or not valid")
            return sender, {}
        if not isinstance(template_id, int) or isinstance(template_id, bool):
            raise _ApiError(400, "invalid_parameter", "templateId should be type integer")
        with self.lock:
            template = self.templates.get(template_id)
            compiled = self._compiled.get(template_id)
        if template is None or compiled is None:
            raise _ApiError(400, "invalid_parameter", "Template not found")
        if not template["isActive"]:
            raise _ApiError(400, "invalid_parameter", "Template is not active")
        subject, html = compiled
        return data.get("sender") or template["sender"], {"subject": subject, "html": html}

    def _versions(self, data: dict) -> list[dict]:
        """Every message the call asks for: each version over the call's defaults (the call's
        own ``to`` is ignored when there are versions, as at Brevo)."""
        versions = data.get("messageVersions")
        if versions is None:
            return [data]
        if not isinstance(versions, list) or not versions:
            raise _ApiError(400, "invalid_parameter", "messageVersions should be a non-empty array")
        if len(versions) > MAX_VERSIONS:
            raise _ApiError(
                400,
                "invalid_parameter",
                f"messageVersions: at most {MAX_VERSIONS} versions in one request,"
                f" got {len(versions)}",
            )
        if not all(isinstance(v, dict) for v in versions):
            raise _ApiError(400, "invalid_parameter", "messageVersions should be objects")
        return [{**data, "to": None, **version} for version in versions]

    def _plan(self, data: dict) -> tuple[Mapping, list[dict]]:
        """Validate the whole call (nothing is sent if any part is wrong); the messages."""
        sender, content = self._content(data)
        top_params = data.get("params") or {}
        messages, cache = [], {}
        for merged in self._versions(data):
            to = _addresses(merged.get("to"), "to", self.refused)
            if not to:
                raise _ApiError(400, "missing_parameter", "to is missing")
            copies = _addresses(merged.get("cc"), "cc", self.refused)
            copies += _addresses(merged.get("bcc"), "bcc", self.refused)
            params = merged.get("params") or {}
            if not isinstance(params, dict) or not isinstance(top_params, dict):
                raise _ApiError(400, "invalid_parameter", "params should be type object")
            headers = _merge_headers(data.get("headers"), merged.get("headers"))
            messages.append(
                {
                    "recipients": to + copies,
                    "params": {**top_params, **params},
                    "headers": headers,
                    **self._parts(merged, content, cache),
                }
            )
        return sender, messages

    def _parts(self, merged: dict, content: dict, cache: dict) -> dict:
        """A message's compiled subject, html and text (None: made from the html)."""

        def compiled(key: str, escape: bool) -> list | None:
            source = merged.get(key)
            if not source:
                return None
            if (key, source) not in cache:
                try:
                    cache[key, source] = compile_template(str(source), escape)
                except TemplateSyntaxError as error:
                    raise _ApiError(400, "invalid_parameter", f"{key}: {error}") from None
            return cache[key, source]

        subject = compiled("subject", self.escape_subject) or content.get("subject")
        if content:  # a stored template: its body, whatever htmlContent says
            return {"subject": subject, "html": content["html"], "text": None}
        html, text = compiled("htmlContent", True), compiled("textContent", False)
        if subject is None:
            raise _ApiError(400, "missing_parameter", "subject is missing")
        if html is None and text is None:
            raise _ApiError(400, "missing_parameter", "htmlContent or textContent is missing")
        return {"subject": subject, "html": html or [], "text": text}

    def _deliver(self, data: dict, number: int, call: dict) -> Reply:
        try:
            sender, messages = self._plan(data)
        except _ApiError as error:
            return error.reply
        sent: list[Sent] = []
        missing: list[str] = []
        ids = []
        for message in messages:
            params, message_id = message["params"], self.message_id()
            subject = render(message["subject"], params, missing)
            if self.keep_bodies:
                html = render(message["html"], params, missing)
                text = render(message["text"], params, missing) if message["text"] else None
            else:  # lean: the bodies checked for their variables, not kept
                for nodes in (message["html"], message["text"] or []):
                    check_variables(nodes, params, missing)
                html, text = "", ""
            metadata = _metadata(message["headers"])
            sent.extend(
                _Sent(to, subject, html, text, message["headers"], message_id, number, metadata)
                for to in message["recipients"]
            )
            ids.append(message_id)
        self.record(sent)
        with self.lock:
            self.missing.extend(missing)
        call.update(
            versions=len(messages),
            template_id=data.get("templateId"),
            message_ids=ids,
            sender=sender.get("email"),
            tags=data.get("tags", []),
        )
        if "messageVersions" in data:
            return Reply(201, {"messageIds": ids})
        return Reply(201, {"messageId": ids[0]})


def _requested(data: dict) -> list[str]:
    """The to/cc/bcc addresses a send call names, valid or not (for the call's record)."""
    versions = data.get("messageVersions")
    sources = versions if isinstance(versions, list) else [data]
    return [
        entry["email"]
        for source in sources
        if isinstance(source, dict)
        for field in ("to", "cc", "bcc")
        for entry in (source.get(field) or [])
        if isinstance(entry, dict) and "email" in entry
    ]


def _id(reply: Reply) -> int | None:
    payload = reply.payload
    return payload.get("id") if isinstance(payload, dict) else None


def _fault_reply(fault: Fault) -> Reply:
    if fault.kind == "throttle":
        reset = f"{fault.retry_after:g}"
        headers = {
            "Retry-After": reset,
            "x-sib-ratelimit-limit": "1000",
            "x-sib-ratelimit-remaining": "0",
            "x-sib-ratelimit-reset": reset,
        }
        payload = {"code": "too_many_requests", "message": "The rate limit has been exceeded"}
        return Reply(429, payload, headers)
    message = f"Internal server error (fake Brevo fault, status {fault.status})"
    return Reply(fault.status, {"code": "internal_error", "message": message})


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; print the API URL (``.../v3/``) on the first line of stdout."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="xkeysib-test")
    args = parser.parse_args(argv)
    server = FakeBrevo(args.api_key, host=args.host, port=args.port).start()
    serve_until_interrupted(server, server.url + "/v3/")


if __name__ == "__main__":
    main()
