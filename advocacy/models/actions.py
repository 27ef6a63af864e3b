"""Supporter actions: a letter to representatives, or a petition, with live counts.

A supporter fills in the action's form; nothing is sent or counted until they confirm by the
emailed link (:class:`Participation` *pending* → *confirmed*). A confirmed letter goes to each
target (:class:`ActionMessage`, one per target) from the organisation's sending address with the
supporter as ``Reply-To``. One participation per address per action.

Targets are :class:`Representative` snippets: fixed on the page, or found from the supporter's
postal code through :class:`RidingArea` (forward sortation area → riding).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Orderable
from wagtail.search import index

from advocacy.blocks import BodyBlock
from advocacy.headless.schemas import TargetCount
from advocacy.models.base import AdvocacyPage
from advocacy.models.confirmations import ConfirmedByLink
from advocacy.models.organisations import PROVINCE_CHOICES
from newsletter.formats import format_number
from newsletter.headless.fields import choice_type, stream_field, typed
from newsletter.models.audience import normalise_email


def riding_key(name: str) -> str:
    """A riding's identity for matching, ignoring case, spacing and dash kinds."""
    return " ".join(name.replace("\u2013", "-").replace("\u2014", "-").split()).casefold()


class Representative(index.Indexed, models.Model):
    """An elected official or minister a letter-writing action can write to."""

    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(
        _("role"),
        max_length=200,
        help_text=_("e.g. 'Member of Parliament', 'Minister of Foreign Affairs'."),
    )
    riding = models.CharField(
        _("riding or constituency"),
        max_length=200,
        blank=True,
        help_text=_("As in the postal-area table, e.g. 'Ottawa Centre'. Blank for ministers."),
    )
    riding_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    province = models.CharField(
        _("province or territory"), max_length=2, choices=PROVINCE_CHOICES, blank=True
    )
    party = models.CharField(_("party"), max_length=100, blank=True)
    email = models.EmailField(_("email"))

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("role")]),
        FieldRowPanel([FieldPanel("riding"), FieldPanel("province")]),
        FieldRowPanel([FieldPanel("party"), FieldPanel("email")]),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("riding"),
        index.FilterField("province"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        constraints = [
            models.UniqueConstraint(fields=["email", "role"], name="representative_email_role")
        ]

    def __str__(self) -> str:
        if self.riding:
            return f"{self.name} ({self.riding})"
        return f"{self.name}, {self.role}"

    def save(self, *args, **kwargs) -> None:
        self.riding_key = riding_key(self.riding)
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)


class RidingArea(models.Model):
    """One row of the imported postal-area table: a forward sortation area (the first three
    characters of a postal code) lies in a riding. An area spanning ridings has one row each."""

    fsa = models.CharField(_("postal area (FSA)"), max_length=3, db_index=True)
    riding = models.CharField(_("riding"), max_length=200)
    riding_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["fsa", "riding"]
        verbose_name = _("postal area")
        verbose_name_plural = _("postal areas")
        constraints = [
            models.UniqueConstraint(fields=["fsa", "riding_key"], name="riding_area_fsa_riding")
        ]

    def __str__(self) -> str:
        return f"{self.fsa} → {self.riding}"

    def save(self, *args, **kwargs) -> None:
        self.fsa = self.fsa.strip().upper()
        self.riding_key = riding_key(self.riding)
        super().save(*args, **kwargs)


class ActionPage(AdvocacyPage):
    """A supporter action: a letter to representatives, or a petition."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter to representatives")
        PETITION = "petition", _("Petition")

    class Targeting(models.TextChoices):
        FIXED = "fixed", _("The representatives listed below")
        POSTAL_CODE = "postal_code", _("The supporter's representative, by postal code")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LETTER)
    intro = StreamField(
        BodyBlock(),
        blank=True,
        verbose_name=_("introduction"),
        help_text=_("Why this matters and what the action asks for."),
    )
    accepting = models.BooleanField(
        _("open to supporters"), default=True, help_text=_("Untick to close the form.")
    )
    closes_on = models.DateField(
        _("closing date"),
        null=True,
        blank=True,
        help_text=_("The last day supporters can take part (optional)."),
    )
    targeting = models.CharField(
        _("who the letter goes to"),
        max_length=12,
        choices=Targeting.choices,
        default=Targeting.FIXED,
    )
    letter_subject = models.CharField(_("letter subject"), max_length=200, blank=True)
    letter_body = models.TextField(
        _("letter"),
        blank=True,
        help_text=_(
            "Plain text. The supporter's name and personal paragraph are added at the end."
        ),
    )
    letter_editable = models.BooleanField(
        _("supporters may edit the letter"),
        default=False,
        help_text=_("Lets supporters change the subject and the letter before sending."),
    )
    goal = models.PositiveIntegerField(
        _("goal"), null=True, blank=True, help_text=_("Signatures sought, e.g. 3000 (petitions).")
    )
    mailing_list = models.ForeignKey(
        "newsletter.MailingList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("newsletter list"),
        help_text=_("Offer supporters this list (express consent checkbox). Blank: no checkbox."),
    )
    thank_you = models.TextField(
        _("thank-you message"),
        blank=True,
        help_text=_("Shown after a supporter confirms."),
    )

    parent_page_types = ["advocacy.NewsroomPage"]
    subpage_types: list[str] = []
    kind_label = pgettext_lazy("advocacy page kind", "Action")

    content_panels = [
        *AdvocacyPage.content_panels,
        AdvocacyPage.summary_panel(),
        FieldPanel("kind"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("accepting"), FieldPanel("closes_on")]),
                FieldPanel("goal"),
                FieldPanel("mailing_list"),
                FieldPanel("thank_you"),
            ],
            heading=_("Taking part"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("targeting"),
                InlinePanel("fixed_targets", label=_("Representatives")),
                FieldPanel("letter_subject"),
                FieldPanel("letter_body"),
                FieldPanel("letter_editable"),
            ],
            heading=_("Letter (letters to representatives)"),
        ),
    ]
    search_fields = [*AdvocacyPage.search_fields, index.SearchField("intro")]
    api_fields = [
        *AdvocacyPage.api_fields,
        APIField("kind", serializer=typed(choice_type(Kind))),
        APIField("intro", serializer=stream_field(BodyBlock, "Body")),
        APIField("is_open", serializer=typed(bool)),
        APIField("closes_on"),
        APIField("goal"),
        APIField("targeting", serializer=typed(choice_type(Targeting))),
        APIField("letter_subject"),
        APIField("letter_body"),
        APIField("letter_editable"),
        APIField("participant_count", serializer=typed(int)),
        APIField("message_count", serializer=typed(int)),
        APIField("messages_by_target", serializer=typed(list[TargetCount])),
        APIField("progress_percent", serializer=typed(int)),
    ]

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def serve(self, request, *args, **kwargs):
        """The page with its form and live counts, never cached (its counts change, and its
        form carries a CSRF token): see :mod:`advocacy.actions.views`."""
        from advocacy.actions.views import serve_action_page

        return serve_action_page(self, request)

    @property
    def label(self) -> str:
        return (
            str(self.get_kind_display())
            if self.kind == self.Kind.PETITION
            else str(self.kind_label)
        )

    @property
    def is_open(self) -> bool:
        """Whether supporters can take part now (open, and the closing date not passed)."""
        if not self.accepting:
            return False
        return self.closes_on is None or timezone.localdate() <= self.closes_on

    @property
    def participant_count(self) -> int:
        """Confirmed participations: supporters who wrote, or signatures."""
        return self.participations.filter(status=Participation.Status.CONFIRMED).count()

    @property
    def message_count(self) -> int:
        """Letters delivered to targets (0 for petitions)."""
        return ActionMessage.objects.filter(
            participation__page_id=self.pk, status=ActionMessage.Status.SENT
        ).count()

    def messages_by_target(self) -> list[dict]:
        """``[{"name", "count"}, ...]``: letters delivered per target, most first."""
        rows = (
            ActionMessage.objects.filter(
                participation__page_id=self.pk, status=ActionMessage.Status.SENT
            )
            .values("recipient_email", "recipient_name")
            .annotate(count=Count("pk"))
            .order_by("-count", "recipient_name", "recipient_email")
        )
        return [{"name": row["recipient_name"], "count": row["count"]} for row in rows]

    @property
    def progress_percent(self) -> int:
        """Signatures toward the goal, 0 to 100 (0 without a goal)."""
        if not self.goal:
            return 0
        return min(100, round(100 * self.participant_count / self.goal))

    def headline_count(self) -> int:
        """The action's number: letters sent for a letter action, signatures for a petition."""
        return self.message_count if self.kind == self.Kind.LETTER else self.participant_count

    def teaser_facts(self) -> str:
        return self.facts_for(self.participant_count)

    def facts_for(self, count: int) -> str:
        """The card line for ``count`` confirmed participations: "12 of 100 signatures",
        "12 signatures", "12 supporters wrote" (or "" for no letters yet)."""
        if self.kind == self.Kind.PETITION:
            if self.goal:
                return ngettext(
                    "%(count)s of %(goal)s signature", "%(count)s of %(goal)s signatures", self.goal
                ) % {"count": format_number(count), "goal": format_number(self.goal)}
            return ngettext("%(count)s signature", "%(count)s signatures", count) % {
                "count": format_number(count)
            }
        if not count:
            return ""
        return ngettext("%(count)s supporter wrote", "%(count)s supporters wrote", count) % {
            "count": format_number(count)
        }


class ActionTarget(Orderable):
    """A representative every supporter of an action writes to (fixed targeting)."""

    page = ParentalKey(ActionPage, on_delete=models.CASCADE, related_name="fixed_targets")
    representative = models.ForeignKey(
        Representative, on_delete=models.PROTECT, related_name="+", verbose_name=_("representative")
    )

    panels = [FieldPanel("representative")]

    class Meta(Orderable.Meta):
        verbose_name = _("target")
        verbose_name_plural = _("targets")


class Participation(ConfirmedByLink):
    """One supporter taking one action: their letter, or their signature."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the supporter to confirm")
        CONFIRMED = "confirmed", _("Confirmed")

    page = models.ForeignKey(
        ActionPage,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("action"),
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("letter"), blank=True)
    personal_message = models.TextField(_("personal paragraph"), blank=True)
    targets = models.ManyToManyField(
        Representative, blank=True, related_name="+", verbose_name=_("targets")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["page", "email"], name="one_participation_per_address")
        ]
        indexes = [
            models.Index(fields=["page", "status"]),
            models.Index(fields=["email", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)


class ActionMessage(models.Model):
    """One letter from one supporter to one target."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="messages"
    )
    representative = models.ForeignKey(
        Representative, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_name = models.CharField(_("to"), max_length=200)
    recipient_email = models.EmailField(_("address"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("letter sent")
        verbose_name_plural = _("letters sent")
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "recipient_email"], name="one_letter_per_target"
            )
        ]
        indexes = [models.Index(fields=["status"], name="action_message_status")]

    def __str__(self) -> str:
        return f"{self.recipient_name} <{self.recipient_email}>"
