"""Render a newsletter issue to email once: Django templates -> MJML -> HTML -> inlined CSS.

The pipeline (one place, used by previews, test sends, the web version, the render command
and the sending engine):

1. each body block is prepared (pages read through their teaser) and rendered by its own
   template, ``newsletter/email/blocks/<type>.mjml`` and ``.txt``; a block that cannot render
   raises :class:`RenderError` naming the block;
2. ``newsletter/email/issue.mjml`` wraps them with the shared header and CASL footer;
3. ``mjml2html`` (MRML) turns MJML into table-based responsive HTML;
4. premailer inlines the CSS (no network, media queries kept, every URL made absolute from
   ``BASE_URL``) and the doctype is put back.

Personal values are merge fields (``[[name]]``, ``[[unsubscribe_url]]``,
``[[preferences_url]]``): :meth:`RenderedIssue.personalise` fills them per recipient with plain
string replacement, so a send renders once however many people receive it. Renders of a saved
revision are cached, keyed by revision and by the settings that appear in the email.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass
from typing import Any

import premailer
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from mjml import mjml2html

from advocacy.models.wins import wins_by_outcome
from advocacy.teasers import get_teaser
from newsletter import conf
from newsletter.plaintext import html_to_text

MERGE_FIELDS = ("name", "unsubscribe_url", "preferences_url")
CACHE_SECONDS = 24 * 60 * 60
TEMPLATE_VERSION = "1"  # bump when email templates change, to drop cached renders

logging.getLogger("cssutils").setLevel(logging.CRITICAL)


def merge_tag(key: str) -> str:
    """The placeholder for a personal value in rendered output, e.g. ``[[unsubscribe_url]]``."""
    return f"[[{key}]]"


class RenderError(ValueError):
    """An issue's content cannot be rendered; the message names the block and the problem."""


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


def personalise(html_body: str, text_body: str, values: dict[str, str]) -> tuple[str, str]:
    """Fill the merge tags of a rendered HTML and text body (escaped in the HTML)."""
    for key in MERGE_FIELDS:
        tag = merge_tag(key)
        value = values.get(key, "")
        html_body = html_body.replace(tag, html.escape(value))
        text_body = text_body.replace(tag, value)
    return html_body, text_body


def web_merge_values() -> dict[str, str]:
    """Neutral personal values for the public web version and previews."""
    from django.urls import reverse

    base = conf.base_url()
    try:
        manage = base + reverse("newsletter:manage")
    except Exception:  # the audience app may not offer a generic manage page
        manage = base + "/"
    return {"name": "", "unsubscribe_url": manage, "preferences_url": manage}


def newsletter_settings(site=None):
    """The newsletter settings of ``site`` (or of the default site)."""
    from wagtail.models import Site

    from newsletter.models import NewsletterSettings

    site = site or Site.objects.filter(is_default_site=True).first()
    return NewsletterSettings.for_site(site) if site else NewsletterSettings()


# --- blocks -----------------------------------------------------------------------------------


def _require(value: Any, what: str) -> Any:
    if value is None:
        raise RenderError(f"the chosen {what} no longer exists or is not set; choose another")
    return value


def _image(image, alt_text: str = "", spec: str = "width-1200") -> dict | None:
    if image is None:
        return None
    rendition = image.get_rendition(spec)
    alt = alt_text or getattr(image, "default_alt_text", "") or image.title
    return {"url": rendition.url, "width": rendition.width, "alt": alt}


def _teaser_card(page, title: str = "", summary: str = "", image=None) -> dict:
    teaser = get_teaser(_require(page, "page"))
    return {
        "title": title or teaser.title,
        "summary": summary or teaser.summary,
        "label": teaser.label,
        "facts": teaser.facts,
        "date": teaser.date,
        "url": teaser.url,
        "image": _image(image or teaser.image),
    }


def _rich_text(value) -> dict:
    source = str(value)
    return {"html": source, "text": html_to_text(source, conf.base_url())}


def prepare_block(block_type: str, value: Any, settings) -> dict:
    """The template context of one body block; raises RenderError for unusable content."""
    if block_type in ("intro", "text"):
        return _rich_text(value)
    if block_type == "heading":
        return {"text": value}
    if block_type == "divider":
        return {}
    if block_type == "featured_page":
        card = _teaser_card(value["page"], value["title"], value["summary"], value["image"])
        return {"card": card, "button_label": value["button_label"]}
    if block_type == "wins_roundup":
        groups, remaining = [], value["limit"] or 12
        for outcome, label, pages in wins_by_outcome(
            value["start_date"], value["end_date"], list(value["outcomes"] or [])
        ):
            if remaining <= 0:
                break
            cards = [_teaser_card(page) for page in pages[:remaining]]
            remaining -= len(cards)
            groups.append({"outcome": outcome, "label": label, "cards": cards})
        return {"heading": value["heading"], "intro": value["intro"], "groups": groups}
    if block_type == "open_letter":
        letter = _require(value["letter"], "open letter").specific
        demands = [_rich_text(child.value) for child in letter.demands]
        return {
            "letter": letter,
            "url": letter.get_full_url(),
            "count": letter.signatory_count,
            "demands": demands if value["show_demands"] else [],
            "button_label": value["button_label"],
        }
    if block_type == "donation_appeal":
        appeal = value["appeal"] or settings.default_donation_appeal
        if appeal is None:
            raise RenderError(
                "no donation appeal is chosen and the newsletter settings have no default"
            )
        return {"appeal": appeal, "message": _rich_text(appeal.message)}
    if block_type == "image":
        return {"image": _image(value["image"], value["alt_text"]), "link": value["link"]}
    if block_type == "button":
        page = value["page"]
        return {"label": value["label"], "url": page.get_full_url() if page else value["url"]}
    raise RenderError(f"there is no email template for blocks of type “{block_type}”")


def _render_blocks(issue, settings) -> tuple[str, str]:
    mjml_parts, text_parts = [], []
    for position, child in enumerate(issue.body, start=1):
        label = child.block.label or child.block_type
        try:
            context = prepare_block(child.block_type, child.value, settings)
            context["block_type"] = child.block_type
            name = f"newsletter/email/blocks/{child.block_type}"
            mjml_parts.append(render_to_string(f"{name}.mjml", context))
            text_parts.append(render_to_string(f"{name}.txt", context).strip())
        except RenderError as error:
            raise RenderError(f"Block {position} ({label}): {error}.") from None
        except Exception as error:  # a template or data problem: name the block, keep the cause
            raise RenderError(
                f"Block {position} ({label}) could not be rendered: {error}"
            ) from error
    return "\n".join(mjml_parts), "\n\n".join(part for part in text_parts if part)


# --- the whole issue --------------------------------------------------------------------------


def _issue_context(issue, settings) -> dict:
    site_url = settings.website_url or conf.base_url()
    return {
        "issue": issue,
        "subject": issue.subject or issue.title,
        "preheader": issue.preheader,
        "settings": settings,
        "organisation": settings.organisation_name or conf.sender_name(),
        "site_url": site_url,
        "view_url": issue.get_full_url() if issue.pk else site_url,
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


def _cache_key(issue, revision_id: int, settings) -> str:
    fingerprint = hashlib.sha256(
        f"{settings.fingerprint()}|{conf.base_url()}|{TEMPLATE_VERSION}".encode()
    ).hexdigest()[:16]
    return f"newsletter:render:{issue.pk}:{revision_id}:{fingerprint}"


def render_issue(issue, *, revision_id: int | None = None) -> RenderedIssue:
    """Render ``issue`` (a NewsletterIssuePage, saved or not) to a :class:`RenderedIssue`.

    With ``revision_id`` (the revision ``issue`` was loaded from) the result is cached.
    """
    site = issue.get_site() if issue.pk else None
    settings = newsletter_settings(site)
    key = _cache_key(issue, revision_id, settings) if revision_id else None
    if key and (cached := cache.get(key)) is not None:
        return cached
    body_mjml, body_text = _render_blocks(issue, settings)
    context = {**_issue_context(issue, settings), "body_mjml": body_mjml, "body_text": body_text}
    mjml_source = render_to_string("newsletter/email/issue.mjml", context)
    rendered = RenderedIssue(
        subject=context["subject"],
        preheader=issue.preheader,
        html=inline_css(mjml2html(mjml_source)),
        text=render_to_string("newsletter/email/issue.txt", context).strip() + "\n",
        sender_name=issue.sender_name or settings.sender_name or conf.sender_name(),
        reply_to=issue.reply_to or settings.reply_to,
    )
    if key:
        cache.set(key, rendered, CACHE_SECONDS)
    return rendered


def render_revision(issue, *, latest: bool = True):
    """Render the issue's latest (or live) revision, cached; fall back to the page itself."""
    revision = issue.latest_revision if latest else issue.live_revision
    if revision is None:
        return render_issue(issue)
    return render_issue(revision.as_object(), revision_id=revision.pk)


def render_for_web(issue, request: HttpRequest, revision_id: int | None = None) -> HttpResponse:
    """The issue as a web page ("view in browser"), with neutral links instead of personal ones."""
    try:
        rendered = render_issue(issue, revision_id=revision_id)
    except RenderError as error:
        from django.template.response import TemplateResponse

        return TemplateResponse(
            request, "newsletter/email/render_error.html", {"error": error}, status=503
        )
    body, _ = rendered.personalise(web_merge_values())
    return HttpResponse(body)
