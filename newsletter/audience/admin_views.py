"""Admin views for the audience: add a subscriber with a consent note, inspect the consent
history, export consent records as CSV, import a CSV upload.

Registered in :mod:`newsletter.wagtail_hooks`. Every view checks its own permission; page
editors ("Comms editors") have none of them and get 403.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TypeVar

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.log_actions import log
from wagtail_modeladmin.views import CreateView, InspectView

from newsletter import conf
from newsletter.admin_access import forbidden_as_403
from newsletter.audience import subscriptions
from newsletter.audience.forms import clean_email
from newsletter.audience.importing import (
    ImportFileError,
    check_utf8,
    import_subscribers,
    text_stream,
)
from newsletter.csv_export import csv_cell, csv_download
from newsletter.models import MailingList, Subscriber, Subscription, Suppression
from newsletter.public import declared_body_over

EXPORT_PERMISSION = "newsletter.export_subscribers"
IMPORT_PERMISSION = "newsletter.import_subscribers"
Report = TypeVar("Report")


class SubscriberAddForm(WagtailAdminModelForm):
    """Add someone by hand: the address, the list and a note of how they consented."""

    mailing_list = forms.ModelChoiceField(queryset=MailingList.objects.all(), label=_("List"))
    consent_type = forms.ChoiceField(
        label=_("Consent type"),
        choices=Subscription.ConsentType.choices,
        initial=Subscription.ConsentType.EXPRESS,
    )
    consent_note = forms.CharField(
        label=_("Consent note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How and when they agreed, e.g. 'Signed the sign-up sheet at the 12 May rally'."
        ),
    )
    require_confirmation = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Ask them to confirm by email first (double opt-in)"),
        help_text=_("Untick only when you hold their written consent."),
    )

    class Meta:
        model = Subscriber
        fields = ["email", "name", "language"]

    def clean_email(self) -> str:
        return clean_email(self.cleaned_data["email"])

    def validate_unique(self) -> None:
        """An existing address is fine: the subscription is added to that subscriber."""


class SubscriberCreateView(CreateView):
    panels = [
        FieldPanel("email"),
        FieldPanel("name"),
        FieldPanel("language"),
        FieldPanel("mailing_list"),
        FieldPanel("consent_type"),
        FieldPanel("consent_note"),
        FieldPanel("require_confirmation"),
    ]

    def get_edit_handler(self):
        handler = ObjectList(self.panels, base_form_class=SubscriberAddForm)
        return handler.bind_to_model(Subscriber)

    def form_valid(self, form):
        data = form.cleaned_data
        subscriber, outcome = subscriptions.add_manually(
            data["email"],
            data["mailing_list"],
            subscriptions.ConsentRecord(
                consent_type=data["consent_type"],
                note=data["consent_note"],
                imported_by=self.request.user.get_username(),
            ),
            name=data["name"],
            language=data["language"],
            require_confirmation=data["require_confirmation"],
        )
        outcomes = subscriptions.Outcome
        text = {
            outcomes.PENDING: gettext("Confirmation email sent to %(email)s."),
            outcomes.RESENT: gettext("Confirmation email sent to %(email)s again."),
            outcomes.THROTTLED: gettext("%(email)s was sent a confirmation email minutes ago."),
            outcomes.LIMITED: gettext(
                "%(email)s has had today's confirmation emails: none was sent. Try again tomorrow."
            ),
            outcomes.ACTIVE: gettext("%(email)s is now subscribed to %(list)s."),
            outcomes.ALREADY_ACTIVE: gettext("%(email)s was already subscribed to %(list)s."),
            outcomes.SUPPRESSED: gettext(
                "%(email)s is suppressed: nothing was added. Remove the "
                "suppression first if they asked to receive emails again."
            ),
        }[outcome] % {"email": data["email"], "list": data["mailing_list"]}
        if subscriber is None:
            messages.error(self.request, text)
            return redirect(self.index_url)
        log(instance=subscriber, action="wagtail.create", content_changed=True)
        if outcome == subscriptions.Outcome.SUPPRESSED:
            messages.error(self.request, text)
        else:
            messages.success(self.request, text)
        return redirect(self.url_helper.get_action_url("inspect", quote(subscriber.pk)))


class SubscriberInspectView(InspectView):
    """The subscriber, every consent record they have given, and any suppression."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subscriptions"] = self.instance.subscriptions.select_related(
            "mailing_list", "consent_text", "import_run"
        ).order_by("-created_at", "-pk")
        context["suppression"] = Suppression.objects.filter(email=self.instance.email).first()
        context["can_export"] = self.request.user.has_perm(EXPORT_PERMISSION)
        return context


EXPORT_COLUMNS = [
    "email",
    "name",
    "language",
    "list",
    "status",
    "consent_type",
    "source",
    "source_detail",
    "consented_at",
    "confirmed_at",
    "confirmed_ip_address",
    "confirmed_user_agent",
    "ip_address",
    "user_agent",
    "consent_version",
    "consent_text",
    "imported_by",
    "note",
    "ended_at",
    "ended_how",
    "suppressed",
]


def consent_rows(params) -> Iterator[list[str]]:
    """Consent records as CSV rows (header first), filtered like the subscriber list."""
    records = Subscription.objects.select_related(
        "subscriber", "mailing_list", "consent_text"
    ).annotate(
        suppressed=Subquery(
            Suppression.objects.filter(email=OuterRef("subscriber__email")).values("reason")[:1]
        )
    )
    for param, lookup in {
        "list": "mailing_list__slug",
        "status": "status",
        "consent": "consent_type",
        "source": "source",
    }.items():
        if params.get(param):
            records = records.filter(**{lookup: params[param]})
    yield EXPORT_COLUMNS
    for s in records.order_by("pk").iterator(chunk_size=2000):
        yield [
            csv_cell(v)
            for v in (
                s.subscriber.email,
                s.subscriber.name,
                s.subscriber.language,
                s.mailing_list.slug,
                s.status,
                s.consent_type,
                s.source,
                s.source_detail,
                s.consented_at,
                s.confirmed_at,
                s.confirmed_ip_address,
                s.confirmed_user_agent,
                s.ip_address,
                s.user_agent,
                s.consent_text.version if s.consent_text else "",
                s.consent_text.text if s.consent_text else "",
                s.imported_by,
                s.note,
                s.ended_at,
                s.ended_how,
                s.suppressed,
            )
        ]


@forbidden_as_403
def export_consent_records(request: HttpRequest) -> HttpResponse:
    """Stream every consent record as CSV (``?list=&status=&consent=&source=`` narrow it)."""
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    return csv_download(consent_rows(request.GET), "consent-records")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with a header row: email (required), name, language (en/fr), "
            "consented_at (optional date)."
        ),
    )
    mailing_list = forms.ModelChoiceField(queryset=MailingList.objects.all(), label=_("Into list"))
    consent = forms.ChoiceField(
        label=_("Consent"),
        choices=Subscription.ConsentType.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Express: they asked for these emails. Implied: e.g. donors or volunteers; "
            "it lapses two years after consented_at."
        ),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=255,
        help_text=_("Where the addresses come from, e.g. 'Petition, May 2026'."),
    )
    dry_run = forms.BooleanField(
        required=False, label=_("Dry run: check and report, import nothing")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = conf.get("NEWSLETTER_IMPORT_MAX_UPLOAD_SIZE")
        if upload.size > limit:
            raise forms.ValidationError(
                gettext(
                    "The file is %(size)s; the limit is %(limit)s. Split it, or use the "
                    "newsletter_import_subscribers command."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload


def import_upload(
    form: forms.Form, run_import: Callable[[io.TextIOWrapper], Report]
) -> Report | None:
    """Run ``run_import`` on the form's uploaded ``file`` read as UTF-8 CSV text; a problem
    with the whole file (:class:`ImportFileError`) becomes the form's error and gives ``None``.
    """
    upload = form.cleaned_data["file"]
    binary = getattr(upload.file, "file", upload.file)
    try:
        check_utf8(binary)
        stream = text_stream(binary)
        try:
            return run_import(stream)
        finally:
            stream.detach()
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return None


@forbidden_as_403
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV and import it (or dry-run it), then show the report."""
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied
    limit = conf.get("NEWSLETTER_IMPORT_MAX_UPLOAD_SIZE")
    context: dict = {
        "limit": filesizeformat(limit),
        "page_title": gettext("Import subscribers"),
        "header_icon": "upload",
    }
    if request.method == "POST":
        if declared_body_over(request, limit + 65536):
            form = ImportForm()
            form.errors["file"] = form.error_class(
                [
                    gettext(
                        "The file is larger than the %(limit)s limit. Split it, "
                        "or use the newsletter_import_subscribers command."
                    )
                    % {"limit": filesizeformat(limit)}
                ]
            )
            return TemplateResponse(
                request, "newsletter/admin/import.html", {**context, "form": form}, status=413
            )
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            report = import_upload(
                form,
                lambda stream: import_subscribers(
                    stream,
                    mailing_list=data["mailing_list"],
                    consent_type=data["consent"],
                    source=data["source"],
                    imported_by=request.user.get_username(),
                    file_name=data["file"].name,
                    dry_run=data["dry_run"],
                ),
            )
            if report is not None:
                context.update(report=report, mailing_list=data["mailing_list"])
                return TemplateResponse(request, "newsletter/admin/import_report.html", context)
    else:
        form = ImportForm(initial={"mailing_list": request.GET.get("list")})
    context["form"] = form
    return TemplateResponse(request, "newsletter/admin/import.html", context)
