"""The advocacy blocks of a newsletter issue: wins roundup, open letter, donation appeal.

Registered into every issue body with the newsletter's ``register_newsletter_blocks`` hook
(``advocacy/wagtail_hooks.py``); each renders itself to email with templates under
``advocacy/email/blocks/``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock

from advocacy.models import AdvocacySettings, Outcome
from advocacy.models.wins import wins_by_outcome
from newsletter.issues.blocks import (
    EmailBlock,
    EmailContext,
    RenderError,
    require,
    rich_text,
    teaser_card,
)


class WinsRoundupBlock(EmailBlock, blocks.StructBlock):
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

    email_template = "advocacy/email/blocks/wins_roundup"

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

    def email_context(self, value, context: EmailContext) -> dict:
        """Wins in the period, grouped by outcome, at most ``limit`` cards in all."""
        groups, remaining = [], value["limit"] or 12
        for outcome, label, pages in wins_by_outcome(
            value["start_date"], value["end_date"], list(value["outcomes"] or [])
        ):
            if remaining <= 0:
                break
            cards = [teaser_card(page) for page in pages[:remaining]]
            remaining -= len(cards)
            groups.append({"outcome": outcome, "label": label, "cards": cards})
        return {"heading": value["heading"], "intro": value["intro"], "groups": groups}


class OpenLetterBlock(EmailBlock, blocks.StructBlock):
    letter = blocks.PageChooserBlock(page_type="advocacy.OpenLetterPage")
    show_demands = blocks.BooleanBlock(default=True, required=False)
    button_label = blocks.CharBlock(default="Read the letter", max_length=40)

    email_template = "advocacy/email/blocks/open_letter"

    class Meta:
        icon = "mail"
        label = "Open letter"

    def email_context(self, value, context: EmailContext) -> dict:
        letter = require(value["letter"], "open letter").specific
        demands = [rich_text(child.value, context) for child in letter.demands]
        return {
            "letter": letter,
            "url": letter.get_full_url(),
            "count": letter.signatory_count,
            "demands": demands if value["show_demands"] else [],
            "button_label": value["button_label"],
        }


def default_appeal_id(site) -> int | None:
    """The id of the site's default donation appeal (Settings > Advocacy settings), or None."""
    return AdvocacySettings.for_site(site).default_donation_appeal_id if site else None


class DonationAppealBlock(EmailBlock, blocks.StructBlock):
    appeal = SnippetChooserBlock(
        "advocacy.DonationAppeal",
        required=False,
        help_text="Leave empty to use the default appeal from the advocacy settings.",
    )

    email_template = "advocacy/email/blocks/donation_appeal"

    class Meta:
        icon = "pick"
        label = "Donation appeal"

    def email_context(self, value, context: EmailContext) -> dict:
        appeal = value["appeal"]
        if appeal is None and context.site is not None:
            appeal = AdvocacySettings.for_site(context.site).default_donation_appeal
        if appeal is None:
            raise RenderError(
                "no donation appeal is chosen and the advocacy settings have no default"
            )
        return {"appeal": appeal, "message": rich_text(appeal.message, context)}

    def render_fingerprint(self, context: EmailContext) -> str:
        return str(default_appeal_id(context.site))


def newsletter_blocks() -> list[tuple[str, blocks.Block]]:
    """The (name, block) pairs advocacy adds to every newsletter issue's body."""
    return [
        ("wins_roundup", WinsRoundupBlock()),
        ("open_letter", OpenLetterBlock()),
        ("donation_appeal", DonationAppealBlock()),
    ]
