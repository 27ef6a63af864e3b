"""StreamField blocks of a newsletter issue's body.

Every block has an email template (MJML) in ``newsletter/email/blocks/<name>.mjml`` and a
plain-text template in ``newsletter/email/blocks/<name>.txt``; see :mod:`newsletter.rendering`.
Featured pages are read only through their teaser (:func:`advocacy.teasers.get_teaser`), so any
Wagtail page can be featured.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from advocacy.blocks import require_page_or_url
from advocacy.models.wins import Outcome

EMAIL_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class FeaturedPageBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(help_text="Any page: a statement, letter, win, or other.")
    title = blocks.CharBlock(required=False, help_text="Leave empty to use the page's title.")
    summary = blocks.TextBlock(required=False, help_text="Leave empty to use the page's summary.")
    image = ImageChooserBlock(required=False, help_text="Leave empty to use the page's image.")
    button_label = blocks.CharBlock(default="Read more", max_length=40)

    class Meta:
        icon = "doc-full"
        label = "Featured page"


class WinsRoundupBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Campaign wins", max_length=120)
    intro = blocks.TextBlock(required=False)
    start_date = blocks.DateBlock(required=False, help_text="Wins dated on or after this day.")
    end_date = blocks.DateBlock(required=False, help_text="… and on or before this day.")
    outcomes = blocks.MultipleChoiceBlock(
        choices=Outcome.choices,
        required=False,
        help_text="Leave empty for every outcome.",
    )
    limit = blocks.IntegerBlock(default=12, min_value=1, max_value=50, help_text="At most.")

    class Meta:
        icon = "success"
        label = "Campaign wins roundup"

    def clean(self, value):
        cleaned = super().clean(value)
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and start > end:
            raise StructBlockValidationError(
                block_errors={"end_date": ValidationError("The end date is before the start.")}
            )
        return cleaned


class OpenLetterBlock(blocks.StructBlock):
    letter = blocks.PageChooserBlock(page_type="advocacy.OpenLetterPage")
    show_demands = blocks.BooleanBlock(default=True, required=False)
    button_label = blocks.CharBlock(default="Read the letter", max_length=40)

    class Meta:
        icon = "mail"
        label = "Open letter"


class DonationAppealBlock(blocks.StructBlock):
    appeal = SnippetChooserBlock(
        "advocacy.DonationAppeal",
        required=False,
        help_text="Leave empty to use the default appeal from the newsletter settings.",
    )

    class Meta:
        icon = "pick"
        label = "Donation appeal"


class EmailImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        required=False, help_text="Describe the image; leave empty to use its own description."
    )
    link = blocks.URLBlock(required=False)

    class Meta:
        icon = "image"
        label = "Image"


class ButtonBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=40)
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False)

    class Meta:
        icon = "link"
        label = "Button"

    def clean(self, value):
        cleaned = super().clean(value)
        require_page_or_url(cleaned)
        return cleaned


class IssueBodyBlock(blocks.StreamBlock):
    intro = blocks.RichTextBlock(features=EMAIL_TEXT_FEATURES, icon="pilcrow", label="Intro")
    featured_page = FeaturedPageBlock()
    wins_roundup = WinsRoundupBlock()
    open_letter = OpenLetterBlock()
    donation_appeal = DonationAppealBlock()
    heading = blocks.CharBlock(max_length=160, icon="title")
    text = blocks.RichTextBlock(features=EMAIL_TEXT_FEATURES, icon="pilcrow")
    image = EmailImageBlock()
    button = ButtonBlock()
    divider = blocks.StaticBlock(icon="horizontalrule", admin_text="A horizontal line.")
