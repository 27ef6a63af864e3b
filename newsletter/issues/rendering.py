"""Render a newsletter issue to email once: Django templates -> MJML -> HTML -> inlined CSS.

The pipeline (one place, used by previews, test sends, the web version, the render command
and the sending engine):

1. each body block renders itself (:class:`newsletter.issues.blocks.EmailBlock`); a block that
   cannot render raises :class:`RenderError` naming the block;
2. ``newsletter/email/issue.mjml`` wraps them with the shared header and the CASL footer
   (:func:`newsletter.sender.sender_identity`);
3. ``mjml2html`` (MRML) turns MJML into table-based responsive HTML;
4. premailer inlines the CSS (no network, media queries kept, every URL made absolute from
   ``BASE_URL``) and the doctype is put back.

Personal values are merge tags (:mod:`newsletter.issues.merge_tags`), filled per recipient
by string replacement, so a send renders once however many people receive it. Renders of a
saved revision are cached, keyed by revision and by everything outside it that appears in
the email; a cache that can't be reached means rendering uncached (:class:`RenderCache`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

import premailer
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from mjml import mjml2html
from wagtail.models import Site

from newsletter import conf
from newsletter.issues.blocks import EmailContext, RenderError
from newsletter.issues.merge_tags import MERGE_FIELDS, merge_tag, personalise
from newsletter.outage import Outage
from newsletter.public import render_public
from newsletter.sender import SenderIdentity, sender_identity

CACHE_SECONDS = 24 * 60 * 60
TEMPLATE_VERSION = "2"  # bump when email templates change, to drop cached renders

logger = logging.getLogger(__name__)
logging.getLogger("cssutils").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class RenderedIssue:
    """A rendered issue: subject, preheader, HTML and text with merge tags for personal values."""

    subject: str
    preheader: str
    html: str
    text: str
    sender_name: str
    reply_to: str

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode())

    def personalise(self, values: dict[str, str]) -> tuple[str, str]:
        """The (html, text) one recipient receives: merge tags replaced by ``values``."""
        return personalise(self.html, self.text, values)

    def text_for_web(self) -> str:
        return self.personalise(web_merge_values())[1]


def web_merge_values() -> dict[str, str]:
    """Neutral personal values for the public web version and previews: links to the site."""
    home = conf.base_url() + "/"
    return {"name": "", "unsubscribe_url": home, "preferences_url": home}


def _render_blocks(issue, context: EmailContext) -> tuple[str, str]:
    mjml_parts, text_parts = [], []
    for position, child in enumerate(issue.body, start=1):
        label = child.block.label or child.block_type
        try:
            mjml, text = child.block.render_email(child.value, context)
        except RenderError as error:
            raise RenderError(f"Block {position} ({label}): {error}.") from None
        except Exception as error:  # a template or data problem: name the block, keep the cause
            raise RenderError(
                f"Block {position} ({label}) could not be rendered: {error}"
            ) from error
        mjml_parts.append(mjml)
        text_parts.append(text)
    return "\n".join(mjml_parts), "\n\n".join(part for part in text_parts if part)


def _issue_context(issue, sender: SenderIdentity) -> dict:
    return {
        "issue": issue,
        "subject": issue.subject or issue.title,
        "preheader": issue.preheader,
        "sender": sender,
        "site_url": sender.website_url,
        "view_url": issue.get_full_url() if issue.pk else sender.website_url,
        "unsubscribe_url": merge_tag("unsubscribe_url"),
        "preferences_url": merge_tag("preferences_url"),
        "name": merge_tag("name"),
    }


def inline_css(mjml_html: str) -> str:
    """Inline CSS with premailer (no network), keep media queries, make every URL absolute."""
    base = conf.base_url()
    inlined = premailer.Premailer(
        mjml_html,
        base_url=base + "/",
        allow_network=False,
        keep_style_tags=True,
        remove_classes=False,
        strip_important=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
    ).transform()
    # premailer joins merge tags onto the base URL; put them back as they were.
    for key in MERGE_FIELDS:
        inlined = inlined.replace(f"{base}/{merge_tag(key)}", merge_tag(key))
    inlined = re.sub(r"^\s*<!doctype[^>]*>\s*", "", inlined, flags=re.I)
    return "<!doctype html>\n" + inlined


def _cache_key(issue, revision_id: int, sender: SenderIdentity, context: EmailContext) -> str:
    blocks = issue.body.stream_block.child_blocks.values()
    outside = "|".join(block.render_fingerprint(context) for block in blocks)
    fingerprint = hashlib.sha256(
        f"{sender!r}|{outside}|{context.base_url}|{TEMPLATE_VERSION}".encode()
    ).hexdigest()[:16]
    return f"newsletter:render:{issue.pk}:{revision_id}:{fingerprint}"


class RenderCache:
    """The cache of rendered revisions, which never fails a render.

    The default cache may be a server (Redis) that can't be reached, and the host may not wrap
    it: any error from it counts as a miss (or a write not made), so the issue renders uncached.
    One warning is logged when the cache starts failing and one when it answers again.
    """

    def __init__(self) -> None:
        self.outage = Outage(
            "Newsletter render cache unavailable (%s): rendering issues uncached.",
            "Newsletter render cache answers again.",
            log=logger,
        )

    def get(self, key: str) -> RenderedIssue | None:
        try:
            value = cache.get(key)
        except Exception as error:  # any backend's connection error
            self.outage.failed(error)
            return None
        self.outage.answered()
        return value

    def set(self, key: str, rendered: RenderedIssue) -> None:
        try:
            cache.set(key, rendered, CACHE_SECONDS)
        except Exception as error:  # any backend's connection error
            self.outage.failed(error)
            return
        self.outage.answered()


render_cache = RenderCache()


def render_issue(issue, *, revision_id: int | None = None) -> RenderedIssue:
    """Render ``issue`` (a NewsletterIssuePage, saved or not) to a :class:`RenderedIssue`.

    With ``revision_id`` (the revision ``issue`` was loaded from) the result is cached.
    """
    site = (issue.get_site() if issue.pk else None) or Site.objects.filter(
        is_default_site=True
    ).first()
    sender = sender_identity(site)
    context = EmailContext(site=site, base_url=conf.base_url())
    key = _cache_key(issue, revision_id, sender, context) if revision_id else None
    if key and (cached := render_cache.get(key)) is not None:
        return cached
    body_mjml, body_text = _render_blocks(issue, context)
    data = {**_issue_context(issue, sender), "body_mjml": body_mjml, "body_text": body_text}
    mjml_source = render_to_string("newsletter/email/issue.mjml", data)
    rendered = RenderedIssue(
        subject=data["subject"],
        preheader=issue.preheader,
        html=inline_css(mjml2html(mjml_source)),
        text=render_to_string("newsletter/email/issue.txt", data).strip() + "\n",
        sender_name=issue.sender_name or sender.from_name,
        reply_to=issue.reply_to or sender.reply_to,
    )
    if key:
        render_cache.set(key, rendered)
    return rendered


def render_revision(issue, *, latest: bool = True) -> RenderedIssue:
    """Render the issue's latest (or live) revision, cached; fall back to the page itself."""
    revision = issue.latest_revision if latest else issue.live_revision
    if revision is None:
        return render_issue(issue)
    return render_issue(revision.as_object(), revision_id=revision.pk)


def _render_error(request: HttpRequest, error: RenderError, status: int) -> HttpResponse:
    return render_public(
        request, "newsletter/email/render_error.html", {"error": error}, status=status
    )


def web_response(issue, request: HttpRequest, revision_id: int | None = None) -> HttpResponse:
    """The issue as a web page ("view in browser"), with neutral links instead of personal ones."""
    try:
        rendered = render_issue(issue, revision_id=revision_id)
    except RenderError as error:
        return _render_error(request, error, status=503)
    body, _ = rendered.personalise(web_merge_values())
    return HttpResponse(body)


def preview_response(issue, request: HttpRequest, mode_name: str) -> HttpResponse:
    """The editor's preview: the email as HTML, or (mode ``text``) its plain-text part."""
    if mode_name != "text":
        return web_response(issue, request)
    try:
        rendered = render_issue(issue)
    except RenderError as error:
        return _render_error(request, error, status=200)
    return HttpResponse(rendered.text_for_web(), content_type="text/plain; charset=utf-8")
