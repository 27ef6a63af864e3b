"""Render a newsletter issue to email once: Django templates -> MJML -> HTML -> inlined CSS.

The pipeline (one place, used by previews, test sends, the web version, the render command
and the sending engine):

1. each body block renders itself (:class:`newsletter.issues.blocks.EmailBlock`); a block that
   cannot render raises :class:`RenderError` naming the block;
2. ``newsletter/email/issue.mjml`` wraps them with the brand bar (logo, header image, a
   Donate link when a block offers one), a section heading before each group of blocks and
   the CASL footer (:func:`newsletter.sender.sender_identity`);
3. ``mjml2html`` (MRML) turns MJML into table-based responsive HTML;
4. premailer inlines the CSS (no network, media queries kept, every URL made absolute from
   ``BASE_URL``) and the doctype is put back;
5. the email (not the web version) gets UTM parameters on links to the organisation's own
   site when the issue asks for them (:func:`newsletter.issues.utm.tag_issue`), in the HTML
   and the text alike, so previews, test sends and the frozen send all carry them.

The plain-text part is wrapped at 78 columns (URLs never broken). The web version
(:func:`web_response`) renders the same blocks without preheader and personal links, and
shows the email's body inside the host's base template.

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

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Site

from newsletter import conf
from newsletter.issues.blocks import EmailContext, EmailHeadingBlock, RenderError, email_image
from newsletter.issues.merge_tags import MERGE_FIELDS, merge_tag, personalise
from newsletter.issues.plaintext import wrap_plain_text
from newsletter.issues.utm import own_hosts, tag_issue
from newsletter.models.settings import NewsletterSettings
from newsletter.outage import Outage
from newsletter.public import render_public
from newsletter.sender import SenderIdentity, sender_identity

CACHE_SECONDS = 24 * 60 * 60
TEMPLATE_VERSION = "4"  # bump when email templates change, to drop cached renders
# After the preheader: invisible characters, so clients don't show the email's first words
# ("View in your browser") after the preview text.
PREHEADER_PADDING = "&#847;&zwnj;&nbsp;" * 90

logger = logging.getLogger(__name__)
logging.getLogger("cssutils").setLevel(logging.CRITICAL)


def mjml2html(source: str) -> str:
    """MJML to table-based HTML with MRML. ``mjml`` (like premailer in :func:`inline_css`) is
    imported on first use: only rendering needs it, not the start-up of every process."""
    from mjml import mjml2html as convert

    return convert(source)


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


@dataclass
class _Body:
    """The issue's blocks rendered: MJML, plain text and the links for the header bar."""

    mjml: list[str]
    text: list[str]
    header_links: list[tuple[str, str]]


def _render_block(position: int, child, context: EmailContext) -> tuple[str, str]:
    label = child.block.label or child.block_type
    try:
        return child.block.render_email(child.value, context)
    except RenderError as error:
        raise RenderError(
            gettext("Block %(position)d (%(label)s): %(error)s.")
            % {"position": position, "label": label, "error": error}
        ) from None
    except Exception as error:  # a template or data problem: name the block, keep the cause
        raise RenderError(
            gettext("Block %(position)d (%(label)s) could not be rendered: %(error)s")
            % {"position": position, "label": label, "error": error}
        ) from error


SECTION_HEADING = EmailHeadingBlock()


def _section_heading(child, previous, context: EmailContext) -> tuple[str, str] | None:
    """The (MJML, text) h2 a run of blocks starts with, unless a heading block precedes it."""
    heading = child.block.section_heading(child.value)
    if not heading or (previous is not None and previous.block_type == child.block_type):
        return None
    if previous is not None and isinstance(previous.block, EmailHeadingBlock):
        return None
    return SECTION_HEADING.render_email(heading, context)


def _render_blocks(issue, context: EmailContext) -> _Body:
    body = _Body([], [], [])
    previous = None
    for position, child in enumerate(issue.body, start=1):
        if heading := _section_heading(child, previous, context):
            body.mjml.append(heading[0])
            body.text.append(heading[1])
        mjml, text = _render_block(position, child, context)
        body.mjml.append(mjml)
        body.text.append(text)
        link = child.block.header_link(child.value, context)
        if link and link not in body.header_links:
            body.header_links.append(link)
        previous = child
    return body


def issue_language(issue) -> str:
    """The language the issue is written in: its Wagtail locale, else ``LANGUAGE_CODE``."""
    try:
        code = issue.locale.language_code if issue.locale_id else ""
    except Exception:  # an unsaved page whose locale is not set yet
        code = ""
    return code or settings.LANGUAGE_CODE


def brand_images(brand: NewsletterSettings) -> dict:
    """The logo (shown 48 px high) and header image from Settings > Newsletter settings."""
    logo = email_image(brand.logo, spec="height-96") if brand.logo_id else None
    if logo:
        logo["width"] = min(max(logo["width"] // 2, 1), 360)
    header = email_image(brand.header_image) if brand.header_image_id else None
    return {"logo": logo, "header_image": header}


def subscribe_url() -> str:
    """The public subscribe page's full URL (the newsletter's own form)."""
    try:
        return conf.base_url() + reverse("newsletter:subscribe")
    except NoReverseMatch:
        return conf.base_url() + "/"


def _issue_context(issue, sender: SenderIdentity, *, web: bool) -> dict:
    return {
        "issue": issue,
        "web": web,
        "language": issue_language(issue),
        "subject": issue.subject or issue.title,
        "preheader": issue.preheader,
        "preheader_padding": PREHEADER_PADDING,
        "sender": sender,
        "site_url": sender.website_url,
        "view_url": issue.get_full_url() if issue.pk else sender.website_url,
        "subscribe_url": subscribe_url(),
        "unsubscribe_url": merge_tag("unsubscribe_url"),
        "preferences_url": merge_tag("preferences_url"),
        "name": merge_tag("name"),
    }


def inline_css(mjml_html: str) -> str:
    """Inline CSS with premailer (no network), keep media queries, make every URL absolute."""
    import premailer  # with cssutils, about 50 modules: imported on first render only

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
    return "<!doctype html>\n" + with_main_landmark(inlined)


def with_main_landmark(html: str) -> str:
    """Wrap the body's content (MJML's ``role="article"`` email) in ``<main>``, so a screen
    reader (and axe) finds it when the email is opened as a page in a browser."""
    opening = re.search(r"<body[^>]*>", html)
    closing = html.rfind("</body>")
    if not opening or closing < opening.end():
        return html
    return f"{html[: opening.end()]}<main>{html[opening.end() : closing]}</main>{html[closing:]}"


def _cache_key(
    issue,
    revision_id: int,
    sender: SenderIdentity,
    brand: str,
    context: EmailContext,
    web: bool,
    hosts: list[str],
) -> str:
    blocks = issue.body.stream_block.child_blocks.values()
    outside = "|".join(block.render_fingerprint(context) for block in blocks)
    fingerprint = hashlib.sha256(
        f"{sender!r}|{outside}|{brand}|{context.base_url}|{hosts}|{TEMPLATE_VERSION}".encode()
    ).hexdigest()[:16]
    kind = "web" if web else "email"
    language = translation.get_language() or ""
    return f"newsletter:render:{issue.pk}:{revision_id}:{kind}:{language}:{fingerprint}"


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


def render_issue(issue, *, revision_id: int | None = None, web: bool = False) -> RenderedIssue:
    """Render ``issue`` (a NewsletterIssuePage, saved or not) to a :class:`RenderedIssue`, in
    the issue's language (its locale's: the footer, labels, dates and money too).

    With ``revision_id`` (the revision ``issue`` was loaded from) the result is cached. With
    ``web`` it is the web version: no preheader and no personal links, a Subscribe link instead.
    """
    with translation.override(issue_language(issue)):
        return _render_issue(issue, revision_id, web)


def _render_issue(issue, revision_id: int | None, web: bool) -> RenderedIssue:
    site = (issue.get_site() if issue.pk else None) or Site.objects.filter(
        is_default_site=True
    ).first()
    saved = NewsletterSettings.for_site_or_default(site)  # read once: sender, brand, cache key
    sender = sender_identity(site, saved=saved)
    brand = f"{saved.logo_id}:{saved.header_image_id}"
    context = EmailContext(site=site, base_url=conf.base_url())
    # The organisation's own hosts, whose links get UTM parameters (the email only).
    hosts = sorted(own_hosts()) if not web and issue.utm_enabled else []
    key = (
        _cache_key(issue, revision_id, sender, brand, context, web, hosts) if revision_id else None
    )
    if key and (cached := render_cache.get(key)) is not None:
        return cached
    body = _render_blocks(issue, context)
    data = {
        **_issue_context(issue, sender, web=web),
        "brand": brand_images(saved),
        "header_links": body.header_links,
        "body_mjml": "\n".join(body.mjml),
        "body_text": "\n\n".join(part for part in body.text if part),
    }
    mjml_source = render_to_string("newsletter/email/issue.mjml", data)
    text = render_to_string("newsletter/email/issue.txt", data).strip()
    html = inline_css(mjml2html(mjml_source))
    if hosts:  # after premailer made every link absolute; merge tags are never tagged
        html, text = tag_issue(issue, html, text, hosts)
    rendered = RenderedIssue(
        subject=data["subject"],
        preheader=issue.preheader,
        html=html,
        text=wrap_plain_text(text) + "\n",
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


def email_body(html: str) -> str:
    """The content of a rendered email's ``<body>``, to show inside a site page: without the
    ``role="article"`` wrapper's email-only attributes."""
    match = re.search(r"<body[^>]*>(.*)</body>", html, flags=re.S | re.I)
    inner = (match.group(1) if match else html).replace("<main>", "").replace("</main>", "")
    return re.sub(
        r'\s(?:role="article"|aria-roledescription="email"|aria-label="[^"]*")', "", inner
    )


def web_response(issue, request: HttpRequest, revision_id: int | None = None) -> HttpResponse:
    """The issue as a page of the site ("view in browser"): the host's base template around the
    email's content, without personal links (a Subscribe link instead)."""
    try:
        rendered = render_issue(issue, revision_id=revision_id, web=True)
    except RenderError as error:
        return _render_error(request, error, status=503)
    html, _ = rendered.personalise(web_merge_values())
    context = {
        "page": issue,
        "self": issue,
        "subject": rendered.subject,
        "email_body": email_body(html),
    }
    return render_public(request, "newsletter/issue_web.html", context)


def preview_response(issue, request: HttpRequest, mode_name: str) -> HttpResponse:
    """The editor's preview: the email itself as HTML, or (mode ``text``) its plain-text part."""
    try:
        rendered = render_issue(issue)
    except RenderError as error:
        return _render_error(request, error, status=200)
    if mode_name == "text":
        return HttpResponse(rendered.text_for_web(), content_type="text/plain; charset=utf-8")
    return HttpResponse(rendered.personalise(web_merge_values())[0])
