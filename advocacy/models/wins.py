"""Campaign wins: an outcome, a decision, and what supporters did to get there."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.search import index

from advocacy.blocks import BodyBlock
from advocacy.models.base import AdvocacyPage
from newsletter.formats import format_number
from newsletter.headless.fields import PageLinkField, choice_type, stream_field, typed
from newsletter.languages import in_active_language


class Outcome(models.TextChoices):
    """Where a campaign stands; the label is what the site and emails show."""

    WIN = "win", _("Big new win")
    POSITIVE_MOVEMENT = "positive_movement", _("Positive movement")
    PENDING = "pending", _("Pending")
    UPDATE = "update", _("New update on win")


class SupporterAction(models.TextChoices):
    """What supporters did, worded to follow a number: '13,000 emails sent'."""

    EMAILS = "emails", _("emails sent")
    SIGNATURES = "signatures", _("petition signatures")
    LETTERS = "letters", _("letters sent")
    SUPPORTERS = "supporters", _("supporters")
    PARTICIPANTS = "participants", _("participants")


class CampaignWinPage(AdvocacyPage):
    """A campaign result: a win, positive movement, a pending demand, or an update on a win."""

    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.WIN)
    decision_date = models.DateField(null=True, blank=True, help_text=_("When the decision came."))
    decision_maker = models.CharField(
        max_length=200, blank=True, help_text=_("e.g. 'Foreign Affairs Minister Mélanie Joly'.")
    )
    supporter_count = models.PositiveIntegerField(
        _("supporter count"),
        null=True,
        blank=True,
        help_text=_("How many supporters took part, e.g. 13000."),
    )
    supporter_action = models.CharField(
        max_length=20, choices=SupporterAction.choices, default=SupporterAction.SUPPORTERS
    )
    related_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The campaign, letter or statement this result came from."),
    )
    action = models.ForeignKey(
        "advocacy.ActionPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wins",
        verbose_name=_("action"),
        help_text=_(
            "The supporter action behind this result. Its count (letters sent, or signatures) "
            "is shown while 'Supporter count' is blank."
        ),
    )
    body = StreamField(BodyBlock(), blank=True)

    parent_page_types = ["advocacy.NewsroomPage"]
    subpage_types: list[str] = []

    content_panels = [
        *AdvocacyPage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("outcome"),
                FieldRowPanel([FieldPanel("decision_date"), FieldPanel("decision_maker")]),
                FieldRowPanel([FieldPanel("supporter_count"), FieldPanel("supporter_action")]),
                FieldPanel("action"),
                FieldPanel("related_page"),
            ],
            heading=_("Outcome"),
        ),
        AdvocacyPage.summary_panel(),
        FieldPanel("body"),
    ]
    search_fields = [
        *AdvocacyPage.search_fields,
        index.SearchField("decision_maker"),
        index.SearchField("body"),
        index.FilterField("outcome"),
    ]
    api_fields = [
        *AdvocacyPage.api_fields,
        APIField("outcome", serializer=typed(choice_type(Outcome))),
        APIField("outcome_label", serializer=typed(str)),
        APIField("decision_date"),
        APIField("decision_maker"),
        APIField("supporter_count"),
        APIField("supporter_action", serializer=typed(choice_type(SupporterAction))),
        APIField("supporter_summary", serializer=typed(str)),
        APIField("related_page", serializer=PageLinkField()),
        APIField("body", serializer=stream_field(BodyBlock, "Body")),
    ]

    class Meta:
        verbose_name = _("campaign win")
        verbose_name_plural = _("campaign wins")

    @property
    def outcome_label(self) -> str:
        return self.get_outcome_display()

    @property
    def label(self) -> str:
        return self.outcome_label

    @property
    def supporter_summary(self) -> str:
        """'13,000 emails sent', or '' when no count is recorded.

        With a linked action and no count typed in, the figure is the action's live count
        (letters sent, or petition signatures) and the words follow the action's kind.
        """
        if self.supporter_count:
            return f"{format_number(self.supporter_count)} {self.get_supporter_action_display()}"
        action = self.action
        if action is None or not action.live:
            return ""
        return action_summary(action, action.headline_count())

    def teaser_facts(self) -> str:
        return self.supporter_summary


def action_summary(action, count: int) -> str:
    """A linked action's live count as a win shows it: "71 emails sent", "1,800 petition
    signatures" ('' for none); ``count`` is the action's ``headline_count()``."""
    if not count:
        return ""
    words = (
        SupporterAction.EMAILS.label
        if action.kind == action.Kind.LETTER
        else SupporterAction.SIGNATURES.label
    )
    return f"{format_number(count)} {words}"


def wins_by_outcome(
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    outcomes: list[str] | None = None,
) -> list[tuple[str, str, list[CampaignWinPage]]]:
    """Live wins in the active language (an issue's, when it renders) dated between
    ``start`` and ``end`` (inclusive), grouped by outcome.

    Returns ``[(outcome, label, [pages, newest first]), ...]`` in the order of
    :class:`Outcome` (wins first), leaving out outcomes with no pages.
    """
    pages = in_active_language(CampaignWinPage.objects.live().public().select_related("image"))
    if start:
        pages = pages.filter(date__gte=start)
    if end:
        pages = pages.filter(date__lte=end)
    if outcomes:
        pages = pages.filter(outcome__in=outcomes)
    grouped: dict[str, list[CampaignWinPage]] = {value: [] for value in Outcome.values}
    for page in pages.order_by("-date", "pk"):
        grouped[page.outcome].append(page)
    return [
        (value, str(label), grouped[value]) for value, label in Outcome.choices if grouped[value]
    ]
