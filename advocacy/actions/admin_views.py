"""Admin views for actions: the CSV uploads (representatives, postal areas) and each action's
results (live counts for page editors; the participant list and its CSV export only for users
with ``advocacy.view_participation``, as it is personal data).

Registered in :mod:`advocacy.actions.admin`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from advocacy.actions.delivery import MAX_ATTEMPTS, retry_failed
from advocacy.actions.importing import (
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ImportResult,
    import_postal_areas,
    import_representatives,
    postal_areas_summary,
    representatives_summary,
)
from advocacy.models import ActionMessage, ActionPage, Participation, RidingArea
from newsletter.admin_access import forbidden
from newsletter.audience.admin_views import import_upload
from newsletter.csv_export import csv_cell, csv_download
from newsletter.public import declared_body_over

# An import adds and changes representatives; a postal-area upload replaces the whole table.
IMPORT_REPRESENTATIVES_PERMISSIONS = (
    "advocacy.add_representative",
    "advocacy.change_representative",
)
IMPORT_POSTAL_AREAS_PERMISSIONS = (
    "advocacy.add_ridingarea",
    "advocacy.change_ridingarea",
    "advocacy.delete_ridingarea",
)
VIEW_PARTICIPATION_PERMISSION = "advocacy.view_participation"

NO_IMPORT_PERMISSION = _("You do not have permission to import into this table.")
NO_RESULTS_PERMISSION = _(
    "You do not have permission to edit this action, so its results are not shown."
)
PERSONAL_DATA_MESSAGE = _(
    "The participant list holds supporters' personal data. Ask an administrator to add you to "
    "the “Audience managers” group if you need it."
)
PARTICIPANTS_PER_PAGE = 100


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message(upload.size))
        return upload


def too_large_message(size: int | None = None) -> str:
    """The upload limit, said plainly (with the file's size when known)."""
    limit = filesizeformat(MAX_UPLOAD_BYTES)
    if size is None:
        return gettext("The file is larger than the %(limit)s limit. Nothing was imported.") % {
            "limit": limit
        }
    return gettext(
        "The file is %(size)s; the limit is %(limit)s. Split it, or use the management "
        "command. Nothing was imported."
    ) % {"size": filesizeformat(size), "limit": limit}


def _upload_view(
    request: HttpRequest,
    context: dict,
    run_import: Callable[[Iterable[str]], ImportResult],
    summarise: Callable[[ImportResult], str],
) -> HttpResponse:
    """The upload form; after a POST the per-line problems, or the summary and warnings."""
    template = "advocacy/admin/csv_upload.html"
    context = {
        **context,
        "limit": filesizeformat(MAX_UPLOAD_BYTES),
        "max_rows": f"{MAX_ROWS:,}",
        "header_icon": "upload",
    }
    if request.method != "POST":
        return TemplateResponse(request, template, {**context, "form": CsvUploadForm()})
    if declared_body_over(request, MAX_UPLOAD_BYTES + 65536):
        form = CsvUploadForm()
        form.errors["file"] = form.error_class([too_large_message()])
        return TemplateResponse(request, template, {**context, "form": form}, status=413)
    form = CsvUploadForm(request.POST, request.FILES)
    result = import_upload(form, run_import) if form.is_valid() else None
    if result is not None:
        context["result"] = result
        if result.ok:
            context["summary"] = summarise(result)
        form = CsvUploadForm()
    status = 400 if form.errors or (result is not None and not result.ok) else 200
    return TemplateResponse(request, template, {**context, "form": form}, status=status)


def import_representatives_view(request: HttpRequest) -> HttpResponse:
    """Upload representatives as CSV (add or update by email and role)."""
    if not request.user.has_perms(IMPORT_REPRESENTATIVES_PERMISSIONS):
        return forbidden(request, NO_IMPORT_PERMISSION)
    context = {
        "page_title": gettext("Import representatives"),
        "kind": "representatives",
    }
    return _upload_view(request, context, import_representatives, representatives_summary)


def postal_areas_view(request: HttpRequest) -> HttpResponse:
    """The postal-area table's size, and an upload replacing it."""
    if not request.user.has_perms(IMPORT_POSTAL_AREAS_PERMISSIONS):
        return forbidden(request, NO_IMPORT_PERMISSION)
    context = {"page_title": gettext("Postal areas"), "kind": "postal_areas"}
    response = _upload_view(request, context, import_postal_areas, postal_areas_summary)
    # Counted once, after any upload: the table as it is now.
    response.context_data.update(
        area_rows=RidingArea.objects.count(),
        area_ridings=RidingArea.objects.values("riding_key").distinct().count(),
        area_fsas=RidingArea.objects.values("fsa").distinct().count(),
    )
    return response


# --- results ----------------------------------------------------------------------------------


def can_see_results(user, page: ActionPage) -> bool:
    """Page editors (and whoever may see participations) see an action's counts."""
    return (
        user.has_perm(VIEW_PARTICIPATION_PERMISSION) or page.permissions_for_user(user).can_edit()
    )


def counted_actions():
    """Every action with its confirmed and pending participations and letters sent/failed."""
    confirmed = Q(participations__status=Participation.Status.CONFIRMED)
    pending = Q(participations__status=Participation.Status.PENDING)
    return ActionPage.objects.annotate(
        confirmed_count=Count("participations", filter=confirmed),
        pending_count=Count("participations", filter=pending),
    ).order_by("-first_published_at", "title")


def results_index(request: HttpRequest) -> HttpResponse:
    """Each action the user can edit, with its live counts."""
    actions = [page for page in counted_actions() if can_see_results(request.user, page)]
    sent = dict(
        ActionMessage.objects.filter(status=ActionMessage.Status.SENT)
        .values_list("participation__page_id")
        .annotate(n=Count("pk"))
    )
    for page in actions:
        page.sent_count = sent.get(page.pk, 0)
    return TemplateResponse(
        request,
        "advocacy/admin/action_results.html",
        {"actions": actions, "page_title": gettext("Action results"), "header_icon": "tasks"},
    )


def letters_by_target(page: ActionPage) -> list[dict]:
    """``[{"name", "email", "sent", "failed", "queued"}]``, one per target, most sent first."""
    rows: dict[tuple[str, str], dict] = defaultdict(lambda: {"sent": 0, "failed": 0, "queued": 0})
    for name, email, status, count in (
        ActionMessage.objects.filter(participation__page=page)
        .values_list("recipient_name", "recipient_email", "status")
        .annotate(n=Count("pk"))
    ):
        row = rows[(name, email)]
        row.update(name=name, email=email)
        row[status] = count
    return sorted(rows.values(), key=lambda r: (-r["sent"], r["name"]))


def results_detail(request: HttpRequest, page_id: int) -> HttpResponse:
    """One action's live counts; a link to the participants for those allowed."""
    page = get_object_or_404(counted_actions(), pk=page_id)
    if not can_see_results(request.user, page):
        return forbidden(request, NO_RESULTS_PERMISSION)
    targets = letters_by_target(page)
    context = {
        "action": page,
        "targets": targets,
        "failed_letters": ActionMessage.objects.filter(
            participation__page=page,
            status=ActionMessage.Status.FAILED,
            attempts__lt=MAX_ATTEMPTS,
        ).count(),
        "max_attempts": MAX_ATTEMPTS,
        "can_see_participants": request.user.has_perm(VIEW_PARTICIPATION_PERMISSION),
        "page_title": gettext("Results: %(title)s") % {"title": page.title},
        "header_icon": "tasks",
    }
    return TemplateResponse(request, "advocacy/admin/action_result.html", context)


@require_POST
def retry_letters(request: HttpRequest, page_id: int) -> HttpResponse:
    """Send the action's failed letters again now (each keeps its attempt limit)."""
    page = get_object_or_404(ActionPage, pk=page_id)
    if not can_see_results(request.user, page):
        return forbidden(request, NO_RESULTS_PERMISSION)
    count = retry_failed(page)
    if count:
        messages.success(
            request,
            ngettext(
                "The failed letters of %(count)s supporter are being sent again.",
                "The failed letters of %(count)s supporters are being sent again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.warning(
            request, gettext("No failed letter has attempts left: nothing was sent again.")
        )
    return redirect("advocacy_action_result", page.pk)


def participants(request: HttpRequest, page_id: int) -> HttpResponse:
    """The action's participants, newest first (personal data: view_participation only)."""
    if not request.user.has_perm(VIEW_PARTICIPATION_PERMISSION):
        return forbidden(request, PERSONAL_DATA_MESSAGE)
    page = get_object_or_404(ActionPage, pk=page_id)
    rows = Participation.objects.filter(page=page).order_by("-created_at", "-pk")
    status = request.GET.get("status")
    if status in Participation.Status.values:
        rows = rows.filter(status=status)
    listing = Paginator(rows, PARTICIPANTS_PER_PAGE).get_page(request.GET.get("p"))
    context = {
        "action": page,
        "participants": listing,
        "status": status,
        "statuses": Participation.Status.choices,
        "page_title": gettext("Participants: %(title)s") % {"title": page.title},
        "header_icon": "group",
    }
    return TemplateResponse(request, "advocacy/admin/participants.html", context)


EXPORT_COLUMNS = ["name", "email", "postal_code", "status", "confirmed_at", "newsletter_consent"]


def participant_rows(page: ActionPage) -> Iterator[list[str]]:
    """The action's participants as CSV rows, header first, oldest first."""
    yield EXPORT_COLUMNS
    rows = Participation.objects.filter(page=page).order_by("created_at", "pk")
    for p in rows.iterator(chunk_size=2000):
        yield [
            csv_cell(value)
            for value in (
                p.name,
                p.email,
                p.postal_code,
                p.status,
                p.confirmed_at,
                "yes" if p.wants_newsletter else "no",
            )
        ]


def participants_csv(request: HttpRequest, page_id: int) -> HttpResponse:
    """Stream the participant list as CSV (view_participation only)."""
    if not request.user.has_perm(VIEW_PARTICIPATION_PERMISSION):
        return forbidden(request, PERSONAL_DATA_MESSAGE)
    page = get_object_or_404(ActionPage, pk=page_id)
    return csv_download(participant_rows(page), f"participants-{page.slug}")
