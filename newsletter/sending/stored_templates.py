"""Stored templates: a frozen send kept at the provider, so that one call reaches many readers.

Postmark, Amazon SES and Brevo personalise a batch only from a template stored on their side.
:func:`template_content` writes a send's subject and bodies in the provider's template language
(Postmark's Mustachio, SES's Handlebars, Brevo's ``{{ params.x }}``), each reader's values
becoming variables. Anything in the content the language would read as a tag (``{{``, and
Brevo's ``{%`` and ``{#``) is written as a variable whose value is that text, so it comes out
as written. Postmark and Brevo escape values in the HTML themselves; Amazon SES does not, so
its HTML names escaped copies of the values (``name_html``), as for Mailgun.

:class:`TemplateStore` uploads one (``upload``, idempotent: the name is derived from the send
and its content, and a name already there is reused) and removes it (``remove``). The stores
talk to the provider with the same settings as Anymail's backend for it.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any

from newsletter.issues.merge_tags import HTML_SUFFIX, MERGE_FIELDS, merge_tag


@dataclass(frozen=True)
class TemplateSyntax:
    """How one provider's template language writes a variable."""

    html: str  # a variable in the HTML body: "{{{key}}}" style format, ``{key}`` the name
    raw: str  # a variable never escaped (text body, subject, literal tags)
    literals: tuple[str, ...]  # what the language reads as the start of a tag, longest first
    escapes_html: bool = True  # False: the HTML names escaped copies of the values (``_html``)


MUSTACHE = TemplateSyntax(html="{{{{{key}}}}}", raw="{{{{{{{key}}}}}}}", literals=("{{",))
# Amazon SES renders Handlebars without escaping HTML, and a backslash before "{{" escapes it.
HANDLEBARS = TemplateSyntax(
    html="{{{{{{{key}}}}}}}", raw="{{{{{{{key}}}}}}}", literals=("\\{{", "{{"), escapes_html=False
)
BREVO = TemplateSyntax(
    html="{{{{ params.{key} }}}}", raw="{{{{ params.{key} }}}}", literals=("{{", "{%", "{#")
)
SYNTAX = {"postmark": MUSTACHE, "amazon_ses": HANDLEBARS, "brevo": BREVO}
# The variables that print a literal tag opening: "lit0" -> "{{", ...
LITERAL_KEY = "lit{}"


def merge_values(syntax: TemplateSyntax, values: dict[str, str]) -> dict[str, str]:
    """One reader's merge data for a stored template: their values, HTML-escaped copies
    (``name_html``) where the provider does not escape, and the literal-tag variables."""
    merged = dict(values)
    if not syntax.escapes_html:
        merged |= {
            field + HTML_SUFFIX: html.escape(values.get(field, "")) for field in MERGE_FIELDS
        }
    merged |= {LITERAL_KEY.format(n): text for n, text in enumerate(syntax.literals)}
    return merged


def to_template(body: str, syntax: TemplateSyntax, variable: str, suffix: str = "") -> str:
    """``body`` in the provider's language: literal tag openings escaped first (one pass, so
    what it writes is not read again), then our merge tags written as ``variable`` (naming the
    field plus ``suffix``)."""
    if not body:
        return body
    pattern = "|".join(re.escape(literal) for literal in syntax.literals)
    keys = {text: LITERAL_KEY.format(n) for n, text in enumerate(syntax.literals)}
    body = re.sub(pattern, lambda m: syntax.raw.format(key=keys[m.group(0)]), body)
    for field in MERGE_FIELDS:
        body = body.replace(merge_tag(field), variable.format(key=field + suffix))
    return body


@dataclass(frozen=True)
class TemplateContent:
    """A send as a stored template: its name and its parts in the provider's language."""

    name: str
    subject: str
    html: str
    text: str


def template_content(provider: str, send_id: int, subject: str, html_body: str, text: str):
    """The send's content as ``provider``'s template, named ``newsletter-send-<id>-<digest>``
    (the digest of the content: a name never stands for two contents)."""
    syntax = SYNTAX[provider]
    suffix = "" if syntax.escapes_html else HTML_SUFFIX
    digest = hashlib.sha256("\0".join((subject, html_body, text)).encode()).hexdigest()[:12]
    return TemplateContent(
        name=f"newsletter-send-{send_id}-{digest}",
        subject=to_template(subject, syntax, syntax.raw),
        html=to_template(html_body, syntax, syntax.html, suffix),
        text=to_template(text, syntax, syntax.raw),
    )


class TemplateError(Exception):
    """The provider refused a template call; ``status_code`` as for Anymail's API errors."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TemplateStore:
    """One provider's template API."""

    def upload(self, template: TemplateContent, sender: str, reply_to: str) -> str:
        """Store ``template`` (or find it stored already); its id for Anymail's
        ``template_id``."""
        raise NotImplementedError

    def remove(self, template_id: str) -> None:
        """Delete a stored template; one already gone is fine."""
        raise NotImplementedError


def _anymail_setting(name: str, esp_name: str, default: Any = None) -> Any:
    from anymail.utils import get_anymail_setting

    return get_anymail_setting(name, esp_name=esp_name, default=default, allow_bare=True)


class _HTTPStore(TemplateStore):
    """A JSON-over-HTTP template API, at Anymail's configured API URL for the provider."""

    esp_name = ""
    default_url = ""

    def __init__(self) -> None:
        import requests

        url = _anymail_setting("api_url", self.esp_name, self.default_url)
        self.api_url = url if url.endswith("/") else url + "/"
        self.session = requests.Session()
        self.session.headers.update(self.auth_headers())

    def auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    def call(self, method: str, path: str, ok: tuple[int, ...], **kwargs):
        """One API call; a status not in ``ok`` raises :class:`TemplateError`."""
        response = self.session.request(method, self.api_url + path, timeout=30, **kwargs)
        if response.status_code not in ok:
            raise TemplateError(
                f"{self.esp_name} {method} {path}: HTTP {response.status_code} "
                f"{response.text[:300]}",
                response.status_code,
            )
        return response


class PostmarkTemplates(_HTTPStore):
    """Postmark's ``/templates`` API; the template is known by its alias (the name)."""

    esp_name = "Postmark"
    default_url = "https://api.postmarkapp.com/"

    def auth_headers(self) -> dict[str, str]:
        token = _anymail_setting("server_token", self.esp_name)
        return {"X-Postmark-Server-Token": token or "", "Accept": "application/json"}

    def upload(self, template: TemplateContent, sender: str, reply_to: str) -> str:
        body = {
            "Name": template.name,
            "Alias": template.name,
            "Subject": template.subject,
            "HtmlBody": template.html,
            "TextBody": template.text,
            "TemplateType": "Standard",
        }
        try:
            self.call("POST", "templates", (200,), json=body)
        except TemplateError as error:
            if error.status_code != 422:
                raise
            self.call("GET", f"templates/{template.name}", (200,))  # there already: reuse
        return template.name

    def remove(self, template_id: str) -> None:
        self.call("DELETE", f"templates/{template_id}", (200, 404, 422))


class BrevoTemplates(_HTTPStore):
    """Brevo's ``/smtp/templates`` API; the template is known by the id Brevo gives it.
    (Brevo templates have no plain-text part: Brevo makes one from the HTML.)"""

    esp_name = "Brevo"
    default_url = "https://api.brevo.com/v3/"

    def auth_headers(self) -> dict[str, str]:
        return {"api-key": _anymail_setting("api_key", self.esp_name) or ""}

    def upload(self, template: TemplateContent, sender: str, reply_to: str) -> str:
        from email.utils import parseaddr

        name, address = parseaddr(sender)
        body = {
            "templateName": template.name,
            "subject": template.subject,
            "htmlContent": template.html,
            "sender": {"name": name, "email": address} if name else {"email": address},
            "isActive": True,
        }
        if reply_to:
            body["replyTo"] = parseaddr(reply_to)[1]
        return str(self.call("POST", "smtp/templates", (200, 201), json=body).json()["id"])

    def remove(self, template_id: str) -> None:
        """Brevo deletes only inactive templates: deactivate it, then delete it."""
        path = f"smtp/templates/{template_id}"
        if self.call("PUT", path, (200, 204, 404), json={"isActive": False}).status_code != 404:
            self.call("DELETE", path, (200, 204, 404))


class SESTemplates(TemplateStore):
    """Amazon SES v2 ``CreateEmailTemplate``, through the boto3 client of Anymail's backend
    (the connection's own credentials and region)."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def _client(self):
        self.connection.open()
        return self.connection.client

    def _call(self, operation: str, ignore: str = "", **params) -> None:
        from botocore.exceptions import ClientError

        try:
            getattr(self._client(), operation)(**params)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == ignore:
                return
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise TemplateError(f"Amazon SES {operation}: {error}", status) from error

    def upload(self, template: TemplateContent, sender: str, reply_to: str) -> str:
        content = {"Subject": template.subject, "Html": template.html, "Text": template.text}
        self._call(
            "create_email_template",
            ignore="AlreadyExistsException",
            TemplateName=template.name,
            TemplateContent=content,
        )
        return template.name

    def remove(self, template_id: str) -> None:
        self._call("delete_email_template", ignore="NotFoundException", TemplateName=template_id)


def template_store(provider: str, connection) -> TemplateStore:
    """The template API of ``provider`` ("postmark", "amazon_ses", "brevo")."""
    if provider == "amazon_ses":
        return SESTemplates(connection)
    return {"postmark": PostmarkTemplates, "brevo": BrevoTemplates}[provider]()


def ensure_template(send_id: int, provider: str, content, connection) -> str:
    """The id of the send's stored template: the one recorded on the send, else uploaded now
    and recorded. Two workers starting together may both upload; the first to record wins and
    the other removes its own copy (Postmark and SES find the same name and reuse it)."""
    sends = _template_row(send_id, content.version)
    stored = sends.values_list("provider_template", flat=True).first()
    if stored:
        return stored
    template = template_content(provider, send_id, content.subject, content.html, content.text)
    store = template_store(provider, connection)
    template_id = store.upload(template, content.from_email, content.reply_to)
    if sends.filter(provider_template="").update(provider_template=template_id):
        return template_id
    winner = sends.values_list("provider_template", flat=True).get()
    if winner != template_id:
        store.remove(template_id)
    return winner


def _template_row(send_id: int, version: str):
    """The row that records the template of one version of a send: the send's own (``""``)
    or its version in that language."""
    from newsletter.models import Dispatch, DispatchVersion

    if not version:
        return Dispatch.objects.filter(pk=send_id)
    return DispatchVersion.objects.filter(dispatch_id=send_id, language=version)


def release_template(send_id: int) -> bool:
    """Remove a finished send's stored templates, one per version (unless
    ``NEWSLETTER_KEEP_PROVIDER_TEMPLATES``); returns whether one was removed. A failure to
    remove is logged, not raised: a template left at the provider loses nothing, and a
    re-send stores it again if it is gone."""
    from newsletter import conf
    from newsletter.models import Dispatch, DispatchVersion

    provider = Dispatch.objects.values_list("provider", flat=True).get(pk=send_id)
    if provider not in SYNTAX or conf.get("NEWSLETTER_KEEP_PROVIDER_TEMPLATES"):
        return False
    versions = DispatchVersion.objects.filter(dispatch_id=send_id)
    languages = ["", *versions.values_list("language", flat=True)]
    removed = [_release_one(send_id, provider, language) for language in languages]
    return any(removed)


def _release_one(send_id: int, provider: str, version: str) -> bool:
    """Remove the stored template of one version of a send, if it has one."""
    import logging

    from django.core.mail import get_connection

    rows = _template_row(send_id, version)
    template_id = rows.values_list("provider_template", flat=True).first()
    if not template_id or not rows.filter(provider_template=template_id).update(
        provider_template=""
    ):
        return False
    try:
        template_store(provider, get_connection()).remove(template_id)
    except Exception:
        logging.getLogger(__name__).warning(
            "Could not remove template %s of send %s at %s",
            template_id,
            send_id,
            provider,
            exc_info=True,
        )
        return False
    return True
