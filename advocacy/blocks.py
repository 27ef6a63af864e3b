"""StreamField blocks shared by the advocacy page types."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from newsletter.issues.blocks import require_page_or_url
from newsletter.validators import validate_http_url

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]
INLINE_FEATURES = ["bold", "italic", "link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section heading (h2)")), ("h3", _("Sub-heading (h3)"))],
        default="h2",
        help_text=_("Use section headings for main parts; the page title is the only h1."),
    )

    class Meta:
        icon = "title"
        template = "advocacy/blocks/heading.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, help_text=_("Who said it, e.g. 'Jane Doe, MP'."))

    class Meta:
        icon = "openquote"
        template = "advocacy/blocks/quote.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        required=False,
        help_text=_(
            "Describe the image for people who cannot see it. "
            "Leave empty to use the image's own description."
        ),
    )
    caption = blocks.CharBlock(required=False)

    class Meta:
        icon = "image"
        template = "advocacy/blocks/image.html"


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False)
    button_label = blocks.CharBlock(max_length=40, default="Take action")
    page = blocks.PageChooserBlock(required=False, help_text=_("Link to a page on this site …"))
    url = blocks.URLBlock(
        required=False, help_text=_("… or to another website."), validators=[validate_http_url]
    )

    class Meta:
        icon = "pick"
        template = "advocacy/blocks/call_to_action.html"

    def clean(self, value):
        cleaned = super().clean(value)
        require_page_or_url(cleaned)
        return cleaned

    def get_api_representation(self, value, context=None):
        data = super().get_api_representation(value, context)
        data["link"] = value["page"].full_url if value.get("page") else value.get("url")
        return data


class DemandsBlock(blocks.StructBlock):
    """A numbered list of demands, as in an open letter or a statement."""

    intro = blocks.CharBlock(
        required=False,
        help_text=_("e.g. 'We, the undersigned organizations, call for Canada to:'"),
    )
    demands = blocks.ListBlock(blocks.RichTextBlock(features=INLINE_FEATURES), min_num=1)

    class Meta:
        icon = "list-ol"
        template = "advocacy/blocks/demands.html"


class DonationAppealBlock(blocks.StructBlock):
    appeal = SnippetChooserBlock("advocacy.DonationAppeal")

    class Meta:
        icon = "pick"
        template = "advocacy/blocks/donation_appeal.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        appeal = value["appeal"]  # its translation in the page's language, where there is one
        context["appeal"] = appeal.localized if appeal is not None else None
        return context

    def get_api_representation(self, value, context=None):
        appeal = value["appeal"]
        return appeal.localized.as_dict() if appeal else None

    def headless_schema(self) -> object:
        """API v3: the appeal in full (see :mod:`newsletter.headless.streams`)."""
        from advocacy.headless.schemas import DonationAppeal

        return DonationAppeal | None

    def headless_value(self, value, request=None) -> dict | None:
        from newsletter.headless.streams import rich_text_html

        data = self.get_api_representation(value)
        if data is not None:
            data["message"] = rich_text_html(data["message"])  # internal links resolved
        return data


class LetterBodyBlock(blocks.StreamBlock):
    """An open letter's body (before and after its demands): every body block but Demands.

    Why the letter's body offers no Demands block, rather than a warning on save: an open
    letter has its own Demands section, the one the API (``demands``), the newsletter's
    letter card and the signing page read. Demands written in the body would be invisible to
    all of them, and a warning would only catch the mistake after it was made (and say
    nothing when both places hold demands). With one place to put them, the mistake cannot
    be made. Migration 0006 turns any Demands block already in a letter's body into a
    numbered list, so no text is lost.
    """

    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, icon="pilcrow")
    heading = HeadingBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    embed = EmbedBlock(help_text=_("A YouTube, Vimeo or other oEmbed URL."), icon="media")
    call_to_action = CallToActionBlock()
    donation_appeal = DonationAppealBlock()


class BodyBlock(LetterBodyBlock):
    """The body of statements and campaign wins: the letter's blocks and Demands."""

    demands = DemandsBlock()
