"""The advocacy blocks of a newsletter issue: wins roundup, open letter, donation appeal.

Registered into every issue body with the newsletter's ``register_newsletter_blocks`` hook
(``advocacy/wagtail_hooks.py``); each renders itself to email with templates under
``advocacy/email/blocks/``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock

from advocacy.models import AdvocacySettings, DonationAppeal, NewsroomPage, Outcome
from advocacy.models.wins import wins_by_outcome
from newsletter.formats import format_money
from newsletter.issues.blocks import (
    EmailBlock,
    EmailContext,
    RenderError,
    require,
    rich_text,
    teaser_card,
)
from newsletter.public import first_live_pages


class WinsRoundupBlock(EmailBlock, blocks.StructBlock):
    heading = blocks.CharBlock(
        default="Campaign wins", max_length=120, label=gettext_lazy("Heading")
    )
    intro = blocks.TextBlock(required=False, label=gettext_lazy("Intro"))
    start_date = blocks.DateBlock(
        required=False,
        label=gettext_lazy("Start date"),
        help_text=gettext_lazy("Wins dated on or after this day."),
    )
    end_date = blocks.DateBlock(
        required=False,
        label=gettext_lazy("End date"),
        help_text=gettext_lazy("… and on or before this day."),
    )
    outcomes = blocks.MultipleChoiceBlock(
        choices=Outcome.choices,
        required=False,
        label=gettext_lazy("Outcomes"),
        help_text=gettext_lazy("Leave empty for every outcome."),
    )
    limit = blocks.IntegerBlock(
        default=12,
        min_value=1,
        max_value=50,
        label=gettext_lazy("Limit"),
        help_text=gettext_lazy("At most."),
    )

    email_template = "advocacy/email/blocks/wins_roundup"

    class Meta:
        icon = "success"
        label = gettext_lazy("Campaign wins roundup")

    def clean(self, value):
        cleaned = super().clean(value)
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and start > end:
            raise StructBlockValidationError(
                block_errors={"end_date": ValidationError(_("The end date is before the start."))}
            )
        return cleaned

    def email_context(self, value, context: EmailContext) -> dict:
        """Wins in the period, grouped by outcome, at most ``limit`` cards in all.

        Every group keeps its true count; the results left out are counted ("and 3 more")
        and linked to the newsroom filtered by that outcome, when there is one.
        """
        groups = [
            {
                "outcome": outcome,
                "label": label,
                "cards": [teaser_card(page) for page in shown],
                "total": total,
                "more": total - len(shown),
                "more_url": more_url,
            }
            for outcome, label, shown, total, more_url in roundup_groups(value, context)
        ]
        return {"heading": value["heading"], "intro": value["intro"], "groups": groups}

    def headless_schema(self) -> object:
        """API v3: the wins grouped by outcome with their counts, as the email shows them."""
        from advocacy.headless.issue_schemas import IssueWinsRoundup

        return IssueWinsRoundup

    def headless_value(self, value, request=None) -> dict:
        from newsletter.headless.issue_schemas import card_data

        groups = [
            {
                "outcome": outcome,
                "label": label,
                "count": total,
                "items": [card_data(page, request) for page in shown],
                "more_url": more_url,
            }
            for outcome, label, shown, total, more_url in roundup_groups(
                value, headless_context(request)
            )
        ]
        return {
            "heading": value["heading"] or "",
            "intro": value["intro"] or "",
            "start_date": value["start_date"],
            "end_date": value["end_date"],
            "groups": groups,
        }


def roundup_groups(value, context: EmailContext) -> list[tuple[str, str, list, int, str]]:
    """The roundup's wins by outcome: ``(outcome, label, shown pages, total, more_url)``.

    At most ``limit`` pages are shown across the groups; a group that leaves pages out links
    the newsroom filtered by its outcome (``more_url``), when there is a newsroom.
    """
    groups, remaining = [], value["limit"] or 12
    newsroom_url = None  # looked up only when a group leaves results out
    for outcome, label, pages in wins_by_outcome(
        value["start_date"], value["end_date"], list(value["outcomes"] or [])
    ):
        shown = pages[: max(remaining, 0)]
        remaining -= len(shown)
        more = len(shown) < len(pages)
        if more and newsroom_url is None:
            newsroom_url = _newsroom_url(context)
        more_url = f"{newsroom_url}?outcome={outcome}" if more and newsroom_url else ""
        groups.append((outcome, label, shown, len(pages), more_url))
    return groups


def headless_context(request=None) -> EmailContext:
    """The site and public address for a block's API value: the request's site, else the
    default site (Wagtail's API serializes a page's body without a request)."""
    from wagtail.models import Site

    from newsletter import conf

    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    return EmailContext(site=site, base_url=conf.base_url())


def _newsroom_url(context: EmailContext) -> str:
    """The full URL of the site's newsroom (which filters wins by outcome), or ""."""
    newsroom = first_live_pages(context.site, {"newsroom": NewsroomPage})["newsroom"]
    return (newsroom.get_full_url() or "") if newsroom else ""


class OpenLetterBlock(EmailBlock, blocks.StructBlock):
    letter = blocks.PageChooserBlock(
        page_type="advocacy.OpenLetterPage", label=gettext_lazy("Letter")
    )
    show_demands = blocks.BooleanBlock(
        default=True, required=False, label=gettext_lazy("Show demands")
    )
    button_label = blocks.CharBlock(
        default="Read the letter", max_length=40, label=gettext_lazy("Button label")
    )

    email_template = "advocacy/email/blocks/open_letter"

    class Meta:
        icon = "mail"
        label = gettext_lazy("Open letter")

    def section_heading(self, value) -> str:
        return _("Open letter")

    def email_context(self, value, context: EmailContext) -> dict:
        letter = require(value["letter"], _("open letter")).specific
        demands = [rich_text(child.value, context) for child in letter.demands]
        return {
            "letter": letter,
            "url": letter.get_full_url(),
            "count": letter.signatory_count,
            "demands": demands if value["show_demands"] else [],
            "button_label": value["button_label"],
        }

    def headless_schema(self) -> object:
        """API v3: the letter with its addressee, demands, signatory count and card (null
        once unpublished)."""
        from advocacy.headless.issue_schemas import IssueOpenLetter

        return IssueOpenLetter | None

    def headless_value(self, value, request=None) -> dict | None:
        from newsletter.headless.issue_schemas import card_data
        from newsletter.headless.streams import rich_text_html

        page = value["letter"]
        card = card_data(page, request)
        if card is None:
            return None
        letter = page.specific
        demands = [
            {"number": number, "text": rich_text_html(child.value)}
            for number, child in enumerate(letter.demands, start=1)
        ]
        return {
            "id": letter.pk,
            "title": letter.title,
            "addressee": letter.addressee,
            "date": letter.date,
            "url": card["url"],
            "signatory_count": letter.signatory_count,
            "demands_intro": letter.demands_intro or "",
            "demands": demands if value["show_demands"] else [],
            "button_label": value["button_label"] or "",
            "card": card,
        }


def default_appeal_id(site) -> int | None:
    """The id of the site's default donation appeal (Settings > Advocacy settings), or None."""
    return AdvocacySettings.for_site(site).default_donation_appeal_id if site else None


class DonationAppealBlock(EmailBlock, blocks.StructBlock):
    appeal = SnippetChooserBlock(
        "advocacy.DonationAppeal",
        required=False,
        label=gettext_lazy("Appeal"),
        help_text=gettext_lazy("Leave empty to use the default appeal from the advocacy settings."),
    )

    email_template = "advocacy/email/blocks/donation_appeal"

    class Meta:
        icon = "pick"
        label = gettext_lazy("Donation appeal")

    def chosen_appeal(self, value, context: EmailContext) -> DonationAppeal:
        """The chosen appeal, else the site's default; RenderError when there is neither."""
        appeal = value["appeal"]
        if appeal is None and context.site is not None:
            appeal = AdvocacySettings.for_site(context.site).default_donation_appeal
        if appeal is None:
            raise RenderError(
                _("no donation appeal is chosen and the advocacy settings have no default")
            )
        return appeal.localized  # its translation in the issue's language, where there is one

    def email_context(self, value, context: EmailContext) -> dict:
        appeal = self.chosen_appeal(value, context)
        return {
            "appeal": appeal,
            "message": rich_text(appeal.message, context),
            "amounts": [
                {
                    "label": amount_label(amount, appeal.monthly_emphasis, appeal.currency),
                    "url": appeal.amount_url(amount),
                }
                for amount in appeal.amounts
            ],
        }

    def header_link(self, value, context: EmailContext) -> tuple[str, str] | None:
        return _("Donate"), self.chosen_appeal(value, context).button_url

    def render_fingerprint(self, context: EmailContext) -> str:
        return str(default_appeal_id(context.site))

    def headless_schema(self) -> object:
        """API v3: the appeal in full (the chosen one, else the site's default; null when
        there is neither), in the active language (the issue's, in the issues API)."""
        from advocacy.headless.schemas import DonationAppeal as DonationAppealOut

        return DonationAppealOut | None

    def headless_value(self, value, request=None) -> dict | None:
        from newsletter.headless.streams import rich_text_html

        try:
            appeal = self.chosen_appeal(value, headless_context(request))
        except RenderError:
            return None
        return {**appeal.as_dict(), "message": rich_text_html(appeal.message)}


def amount_label(amount: int, monthly: bool, currency: str = "CAD") -> str:
    """A suggested amount as a button: "Give $10 monthly" / « Donnez 10 $ par mois »."""
    shown = format_money(amount, currency)
    if monthly:
        return _("Give %(amount)s monthly") % {"amount": shown}
    return _("Give %(amount)s") % {"amount": shown}


def newsletter_blocks() -> list[tuple[str, blocks.Block]]:
    """The (name, block) pairs advocacy adds to every newsletter issue's body."""
    return [
        ("wins_roundup", WinsRoundupBlock()),
        ("open_letter", OpenLetterBlock()),
        ("donation_appeal", DonationAppealBlock()),
    ]
