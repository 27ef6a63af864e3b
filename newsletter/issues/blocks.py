"""StreamField blocks of a newsletter issue's body; each block renders itself to email.

An email block says what its templates need (:meth:`EmailBlock.email_context`) and names its
templates (``<email_template>.mjml`` and ``.txt``); :mod:`newsletter.issues.rendering` iterates
the body without knowing block names. Other apps add blocks to every issue body with the
``register_newsletter_blocks`` Wagtail hook: a function returning ``[(name, block), ...]``
(the advocacy app adds its wins roundup, open letter and donation appeal this way). Featured
pages are read only through their teaser (:func:`newsletter.teasers.get_teaser`), so any
Wagtail page can be featured.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import blocks, hooks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock

from newsletter.issues.plaintext import html_to_text
from newsletter.teasers import get_teaser
from newsletter.validators import validate_http_url

EMAIL_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]
REGISTRY_HOOK = "register_newsletter_blocks"


class RenderError(ValueError):
    """An issue's content cannot be rendered; the message names the block and the problem."""


@dataclass(frozen=True)
class EmailContext:
    """What every block may read while an issue renders: the site and its public address."""

    site: Any  # a wagtail Site, or None for an unsaved issue
    base_url: str


# --- helpers for email blocks (also used by the blocks other apps register) -------------------


def require(value: Any, what: str) -> Any:
    """``value``, or a RenderError saying the chosen ``what`` is gone."""
    if value is None:
        raise RenderError(
            _("the chosen %(what)s no longer exists or is not set; choose another") % {"what": what}
        )
    return value


def email_image(image, alt_text: str = "", spec: str = "width-1200") -> dict | None:
    """An image's rendition for email: url, width and alt text (its own if none is given)."""
    if image is None:
        return None
    rendition = image.get_rendition(spec)
    alt = alt_text or getattr(image, "default_alt_text", "") or image.title
    return {"url": rendition.url, "width": rendition.width, "alt": alt}


def teaser_card(page, title: str = "", summary: str = "", image=None) -> dict:
    """A page as an email card, from its teaser; ``title``/``summary``/``image`` override it."""
    teaser = get_teaser(require(page, _("page")))
    return {
        "title": title or teaser.title,
        "summary": summary or teaser.summary,
        "label": teaser.label,
        "facts": teaser.facts,
        "date": teaser.date,
        "date_text": getattr(teaser, "date_text", ""),
        "url": teaser.url,
        "image": email_image(image or teaser.image),
    }


def read_label(card: dict) -> str:
    """A button label that says where it leads, from the card's kind: "Read the statement"."""
    kind = (card.get("label") or "").strip()
    if not kind:
        return _("Read the full story")
    return _("Read the %(kind)s") % {"kind": kind.lower()}


def rich_text(value, context: EmailContext) -> dict:
    """Rich text as email HTML and as plain text (links kept as absolute URLs)."""
    source = str(value)
    return {"html": source, "text": html_to_text(source, context.base_url)}


def require_page_or_url(value) -> None:
    """A link block needs a page on this site or a URL: say so on the URL field."""
    if not value.get("page") and not value.get("url"):
        raise StructBlockValidationError(
            block_errors={"url": ValidationError(_("Choose a page or enter a URL."))}
        )


# --- the email block protocol -------------------------------------------------------------------


class EmailBlock:
    """Mixin for issue blocks: ``email_context`` and two templates make the block's email."""

    email_template = ""  # e.g. "newsletter/email/blocks/text": .mjml and .txt beside each other

    def email_context(self, value, context: EmailContext) -> dict:
        """The block's template context; raise RenderError for content that cannot render."""
        return {"value": value}

    def render_email(self, value, context: EmailContext) -> tuple[str, str]:
        """The block as (MJML, plain text)."""
        data = {**self.email_context(value, context), "block_type": self.name}
        mjml = render_to_string(f"{self.email_template}.mjml", data)
        text = render_to_string(f"{self.email_template}.txt", data).strip()
        return mjml, text

    def render_fingerprint(self, context: EmailContext) -> str:
        """A value that changes when something outside the issue changes this block's email
        (e.g. a default from settings); part of the render cache key."""
        return ""

    def section_heading(self, value) -> str:
        """The h2 the email puts before a run of these blocks when no heading block precedes
        them ("" for blocks that carry their own heading or need none)."""
        return ""

    def header_link(self, value, context: EmailContext) -> tuple[str, str] | None:
        """A (label, url) link the email repeats in its header bar, e.g. "Donate"; or None."""
        return None


class EmailRichTextBlock(EmailBlock, blocks.RichTextBlock):
    def __init__(self, email_template: str, **kwargs) -> None:
        super().__init__(features=EMAIL_TEXT_FEATURES, **kwargs)
        self.email_template = email_template

    def email_context(self, value, context: EmailContext) -> dict:
        return rich_text(value, context)


class EmailHeadingBlock(EmailBlock, blocks.CharBlock):
    email_template = "newsletter/email/blocks/heading"

    def email_context(self, value, context: EmailContext) -> dict:
        return {"text": value}


class DividerBlock(EmailBlock, blocks.StaticBlock):
    email_template = "newsletter/email/blocks/divider"

    def email_context(self, value, context: EmailContext) -> dict:
        return {}


class FeaturedPageBlock(EmailBlock, blocks.StructBlock):
    page = blocks.PageChooserBlock(
        label=gettext_lazy("Page"),
        help_text=gettext_lazy("Any page: a statement, letter, win, or other."),
    )
    title = blocks.CharBlock(
        required=False,
        label=gettext_lazy("Title"),
        help_text=gettext_lazy("Leave empty to use the page's title."),
    )
    summary = blocks.TextBlock(
        required=False,
        label=gettext_lazy("Summary"),
        help_text=gettext_lazy("Leave empty to use the page's summary."),
    )
    image = ImageChooserBlock(
        required=False,
        label=gettext_lazy("Image"),
        help_text=gettext_lazy("Leave empty to use the page's image."),
    )
    button_label = blocks.CharBlock(
        required=False,
        max_length=40,
        label=gettext_lazy("Button label"),
        help_text=gettext_lazy(
            "Leave empty for a label naming the page's kind, e.g. 'Read the statement'."
        ),
    )

    email_template = "newsletter/email/blocks/featured_page"

    class Meta:
        icon = "doc-full"
        label = gettext_lazy("Featured page")

    def email_context(self, value, context: EmailContext) -> dict:
        card = teaser_card(value["page"], value["title"], value["summary"], value["image"])
        return {"card": card, "button_label": value["button_label"] or read_label(card)}

    def section_heading(self, value) -> str:
        return _("Also in this issue")

    def headless_schema(self) -> Any:
        """API v3: the page as a card, with the editor's overrides (null once unpublished)."""
        from newsletter.headless.issue_schemas import IssueFeaturedCard

        return IssueFeaturedCard | None

    def headless_value(self, value, request=None) -> dict | None:
        from newsletter.headless.issue_schemas import card_data

        card = card_data(
            value["page"],
            request,
            title=value["title"],
            summary=value["summary"],
            image=value["image"],
        )
        if card is None:
            return None
        return {**card, "button_label": value["button_label"] or read_label(card)}


class EmailImageBlock(EmailBlock, blocks.StructBlock):
    image = ImageChooserBlock(label=gettext_lazy("Image"))
    alt_text = blocks.CharBlock(
        required=False,
        label=gettext_lazy("Alt text"),
        help_text=gettext_lazy("Describe the image; leave empty to use its own description."),
    )
    link = blocks.URLBlock(
        required=False, label=gettext_lazy("Link"), validators=[validate_http_url]
    )

    email_template = "newsletter/email/blocks/image"

    class Meta:
        icon = "image"
        label = gettext_lazy("Image")

    def email_context(self, value, context: EmailContext) -> dict:
        return {"image": email_image(value["image"], value["alt_text"]), "link": value["link"]}

    def headless_schema(self) -> Any:
        """API v3: the image with renditions and the editor's alt text, and its link."""
        from newsletter.headless.issue_schemas import IssueImage

        return IssueImage

    def headless_value(self, value, request=None) -> dict:
        from newsletter.headless.images import image_data

        return {
            "image": image_data(value["image"], request, value["alt_text"] or ""),
            "link": value["link"] or "",
        }


class ButtonBlock(EmailBlock, blocks.StructBlock):
    label = blocks.CharBlock(max_length=40, label=gettext_lazy("Label"))
    page = blocks.PageChooserBlock(required=False, label=gettext_lazy("Page"))
    url = blocks.URLBlock(required=False, label=gettext_lazy("URL"), validators=[validate_http_url])

    email_template = "newsletter/email/blocks/button"

    class Meta:
        icon = "link"
        label = gettext_lazy("Button")

    def clean(self, value):
        cleaned = super().clean(value)
        require_page_or_url(cleaned)
        return cleaned

    def email_context(self, value, context: EmailContext) -> dict:
        page = value["page"]
        return {"label": value["label"], "url": page.get_full_url() if page else value["url"]}

    def headless_schema(self) -> Any:
        """API v3: the label and where the button leads."""
        from newsletter.headless.issue_schemas import IssueButton

        return IssueButton

    def headless_value(self, value, request=None) -> dict:
        from newsletter.headless.streams import page_link

        page = page_link(value["page"], request)
        return {
            "label": value["label"] or "",
            "url": page["url"] if page else (value["url"] or ""),
            "page": page,
        }


# --- the issue body ---------------------------------------------------------------------------


def registered_blocks() -> Iterator[tuple[str, blocks.Block]]:
    """The (name, block) pairs other apps add through the ``register_newsletter_blocks`` hook."""
    for register in hooks.get_hooks(REGISTRY_HOOK):
        yield from register()


class IssueBodyBlock(blocks.StreamBlock):
    """The blocks of an issue: this app's own, with the registered ones after featured pages.

    Built when the body field is first used (after every app is loaded), so the blocks other
    apps register are part of it.
    """

    def __init__(self, local_blocks=None, **kwargs) -> None:
        own_first = [
            ("intro", EmailRichTextBlock("newsletter/email/blocks/intro", icon="pilcrow",
                                         label=gettext_lazy("Intro"))),
            ("featured_page", FeaturedPageBlock()),
        ]  # fmt: skip
        own_last = [
            (
                "heading",
                EmailHeadingBlock(max_length=160, icon="title", label=gettext_lazy("Heading")),
            ),
            (
                "text",
                EmailRichTextBlock(
                    "newsletter/email/blocks/text", icon="pilcrow", label=gettext_lazy("Text")
                ),
            ),
            ("image", EmailImageBlock()),
            ("button", ButtonBlock()),
            (
                "divider",
                DividerBlock(
                    icon="horizontalrule",
                    label=gettext_lazy("Divider"),
                    admin_text=gettext_lazy("A horizontal line."),
                ),
            ),
        ]
        children = [*own_first, *registered_blocks(), *own_last, *(local_blocks or [])]
        super().__init__(children, **kwargs)


class IssueBodyField(StreamField):
    """The issue body. Its blocks depend on which apps are installed (the registry hook), so
    migrations record the block class, not its children: adding or removing an app that
    registers blocks needs no migration."""

    def __init__(self, block_types=IssueBodyBlock, **kwargs) -> None:
        kwargs.pop("block_lookup", None)
        super().__init__(block_types, **kwargs)

    def deconstruct(self):
        name, path, _args, kwargs = super(StreamField, self).deconstruct()
        return name, path, [IssueBodyBlock], kwargs
