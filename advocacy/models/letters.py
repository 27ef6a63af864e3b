"""Open letters: an addressee, numbered demands, a closing and many signatory organisations."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Orderable
from wagtail.search import index

from advocacy.blocks import INLINE_FEATURES, LetterBodyBlock
from advocacy.forms import OpenLetterPageForm
from advocacy.headless.fields import DemandListField, OrganisationField, SignatoriesField
from advocacy.models.base import AdvocacyPage
from advocacy.panels import SignatoryListPanel
from newsletter.formats import format_number
from newsletter.headless.fields import stream_field, typed


def signed_by(count: int) -> str:
    """A letter's card line: "Signed by 452 organisations", or "" for none."""
    if not count:
        return ""
    return ngettext(
        "Signed by %(count)s organisation", "Signed by %(count)s organisations", count
    ) % {"count": format_number(count)}


class OpenLetterPage(AdvocacyPage):
    """A letter to a decision maker, signed by organisations."""

    addressee = models.CharField(
        max_length=200, help_text=_("Who the letter is to, e.g. 'Prime Minister Mark Carney'.")
    )
    salutation = models.CharField(
        max_length=200, blank=True, help_text=_("e.g. 'Dear Prime Minister Carney,'")
    )
    body = StreamField(
        LetterBodyBlock(),
        blank=True,
        help_text=_("The letter, before the demands. The demands go in the Demands section below."),
    )
    demands_intro = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("e.g. 'We, the undersigned organizations, call for Canada to:'"),
    )
    demands = StreamField(
        [("demand", blocks.RichTextBlock(features=INLINE_FEATURES, icon="list-ol"))],
        blank=True,
        help_text=_("One block per demand; they are numbered in this order."),
    )
    after_demands = StreamField(
        LetterBodyBlock(),
        blank=True,
        help_text=_("Anything after the demands, before the closing."),
    )
    closing = models.CharField(max_length=100, default="Respectfully,")
    lead_signatory = models.ForeignKey(
        "advocacy.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The organisation that leads the letter; shown first."),
    )

    accepts_signatures = models.BooleanField(
        _("accept signatures"),
        default=False,
        help_text=_(
            "Show a sign-on form on the letter. Organisations confirm by email and appear "
            "after a moderator approves them."
        ),
    )
    signatures_close_on = models.DateField(
        _("signatures close on"),
        null=True,
        blank=True,
        help_text=_("The last day the form accepts signatures (optional)."),
    )
    sign_on_mailing_list = models.ForeignKey(
        "newsletter.MailingList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("newsletter list for signers"),
        help_text=_("Offer the contact this list (express consent checkbox). Blank: no checkbox."),
    )

    base_form_class = OpenLetterPageForm
    parent_page_types = ["advocacy.NewsroomPage"]
    subpage_types: list[str] = []
    kind_label = _("Open letter")

    content_panels = [
        *AdvocacyPage.content_panels,
        AdvocacyPage.summary_panel(),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("addressee"), FieldPanel("salutation")]),
                FieldPanel("body"),
            ],
            heading=_("Letter"),
        ),
        MultiFieldPanel(
            [FieldPanel("demands_intro"), FieldPanel("demands"), FieldPanel("after_demands")],
            heading=_("Demands"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("closing"),
                FieldPanel("lead_signatory"),
                FieldPanel("paste_signatories"),
                SignatoryListPanel("remove_signatories"),
            ],
            heading=_("Closing and signatories"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("accepts_signatures"), FieldPanel("signatures_close_on")]
                ),
                FieldPanel("sign_on_mailing_list"),
            ],
            heading=_("Sign-on form"),
        ),
    ]
    search_fields = [
        *AdvocacyPage.search_fields,
        index.SearchField("addressee"),
        index.SearchField("body"),
        index.SearchField("demands"),
    ]
    api_fields = [
        *AdvocacyPage.api_fields,
        APIField("addressee"),
        APIField("salutation"),
        APIField("body", serializer=stream_field(LetterBodyBlock, "LetterBody")),
        APIField("demands_intro"),
        APIField("demands", serializer=DemandListField()),
        APIField("after_demands", serializer=stream_field(LetterBodyBlock, "LetterBody")),
        APIField("closing"),
        APIField("lead_signatory", serializer=OrganisationField()),
        APIField("signatory_count", serializer=typed(int)),
        APIField("accepting_signatures", serializer=typed(bool)),
        APIField("signatories", serializer=SignatoriesField()),
    ]

    class Meta:
        verbose_name = _("open letter")
        verbose_name_plural = _("open letters")

    def save(self, *args, **kwargs):
        """Save the letter with its signatories, then update Wagtail's reference index once.

        Left to itself Wagtail re-indexes the whole letter after saving each signatory row,
        which is quadratic: seconds for a letter with hundreds of signatories.
        """
        from wagtail.signal_handlers import (
            disable_reference_index_auto_update,
            reference_index_auto_update_disabled,
        )
        from wagtail.tasks import update_reference_index_task

        if getattr(reference_index_auto_update_disabled, "value", False):
            return super().save(*args, **kwargs)  # the caller updates the index itself
        with disable_reference_index_auto_update():
            result = super().save(*args, **kwargs)
        update_reference_index_task.enqueue(
            self._meta.app_label, self._meta.model_name, str(self.pk)
        )
        return result

    @property
    def accepting_signatures(self) -> bool:
        """Whether the sign-on form takes signatures now (on, and not past its closing day)."""
        if not self.accepts_signatures:
            return False
        return self.signatures_close_on is None or timezone.localdate() <= self.signatures_close_on

    def sign_on_form(self):
        """An empty sign-on form for the letter page (see advocacy/signons/form.html)."""
        from advocacy.signons.forms import SignOnForm

        return SignOnForm(letter=self)

    @property
    def signatory_count(self) -> int:
        return self.signatories.count()

    def teaser_facts(self) -> str:
        return signed_by(self.signatory_count)

    def signatory_list(self) -> list[LetterSignatory]:
        """The signatories in order with their organisations, in one query."""
        return list(self.signatories.select_related("organisation").order_by("sort_order", "pk"))


class LetterSignatory(Orderable):
    """One organisation signing an open letter."""

    page = ParentalKey(OpenLetterPage, on_delete=models.CASCADE, related_name="signatories")
    organisation = models.ForeignKey(
        "advocacy.Organisation", on_delete=models.PROTECT, related_name="signed_letters"
    )

    class Meta(Orderable.Meta):
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")

    def __str__(self) -> str:
        return str(self.organisation)
