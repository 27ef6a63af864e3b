"""Statements: press statements, joint statements, endorsements and campaign announcements."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Orderable
from wagtail.search import index

from advocacy.blocks import BodyBlock
from advocacy.headless.fields import OrganisationListField
from advocacy.models.base import AdvocacyPage
from newsletter.headless.fields import choice_type, stream_field, typed


class StatementPage(AdvocacyPage):
    """A public statement, optionally made jointly with partner organisations."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Statement")
        JOINT_STATEMENT = "joint_statement", _("Joint statement")
        ENDORSEMENT = "endorsement", _("Endorsement")
        CAMPAIGN = "campaign", _("Campaign")
        COALITION = "coalition", _("Coalition")
        EVENT = "event", _("Event")

    kind = models.CharField(
        max_length=20,
        choices=Kind.choices,
        default=Kind.STATEMENT,
        help_text=_("Shown as the label on cards, the timeline and in emails."),
    )
    body = StreamField(BodyBlock(), blank=True)

    parent_page_types = ["advocacy.NewsroomPage"]
    subpage_types: list[str] = []

    content_panels = [
        *AdvocacyPage.content_panels,
        FieldPanel("kind"),
        AdvocacyPage.summary_panel(),
        FieldPanel("body"),
        MultiFieldPanel(
            [InlinePanel("partners", label=_("Partner organisation"))],
            heading=_("Partner organisations"),
            help_text=_("For joint statements: the organisations that made it with you."),
        ),
    ]
    search_fields = [*AdvocacyPage.search_fields, index.SearchField("body")]
    api_fields = [
        *AdvocacyPage.api_fields,
        APIField("kind", serializer=typed(choice_type(Kind))),
        APIField("body", serializer=stream_field(BodyBlock, "Body")),
        APIField("partners", serializer=OrganisationListField()),
    ]

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")

    @property
    def label(self) -> str:
        return self.get_kind_display()


class StatementPartner(Orderable):
    """A partner organisation of a joint statement."""

    page = ParentalKey(StatementPage, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "advocacy.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    panels = [FieldPanel("organisation")]

    def __str__(self) -> str:
        return str(self.organisation)
