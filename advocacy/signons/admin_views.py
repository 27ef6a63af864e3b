"""The moderation queue in the Wagtail admin: list, review, approve, reject, merge, bulk approve,
and the CSV export of a letter's signatories with their contacts.

Contacts are personal data: every view needs "Can moderate signatures"
(``advocacy.moderate_signonrequest``) or "Can view sign-on request"
(``advocacy.view_signonrequest``, audience managers), and answers 403 otherwise. Viewers see
the queue read-only and may export; only moderators decide, by POST (CSRF-protected).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from wagtail.log_actions import log

from advocacy.models import LetterSignatory, OpenLetterPage, Organisation, SignOnRequest
from advocacy.signons import moderation
from advocacy.signons.duplicates import DuplicateFinder
from advocacy.signons.forms import MergeForm, RejectForm
from newsletter.admin_access import forbidden
from newsletter.csv_export import csv_cell, csv_download

URL_NAMESPACE = "advocacy_sign_ons"
VIEW_PERMISSION = "advocacy.view_signonrequest"
MODERATE_PERMISSION = "advocacy.moderate_signonrequest"
PER_PAGE = 100
Status = SignOnRequest.Status

NO_ACCESS = gettext_lazy(
    "Sign-on requests hold contacts' names and email addresses: seeing them needs the “Can "
    "moderate signatures” or “Can view sign-on request” permission. Ask an administrator."
)
NOT_A_MODERATOR = gettext_lazy(
    "Deciding sign-on requests needs the “Can moderate signatures” permission. Ask an "
    "administrator."
)


def can_see(user) -> bool:
    return user.has_perm(VIEW_PERMISSION) or user.has_perm(MODERATE_PERMISSION)


def viewers_only(view: Callable) -> Callable:
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_see(request.user):
            return forbidden(request, NO_ACCESS)
        return view(request, *args, **kwargs)

    return checked


def moderators_only(view: Callable) -> Callable:
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(MODERATE_PERMISSION):
            return forbidden(request, NOT_A_MODERATOR)
        return view(request, *args, **kwargs)

    return checked


def waiting_count() -> int:
    """Confirmed requests waiting for a moderator."""
    return SignOnRequest.objects.filter(status=Status.CONFIRMED).count()


def _back(request: HttpRequest, sign_on: SignOnRequest | None = None) -> HttpResponse:
    """Back where the moderator came from (the queue, as filtered), else to the queue."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    url = reverse(f"{URL_NAMESPACE}:index")
    if sign_on is not None:
        url += f"?letter={sign_on.letter_id}"
    return redirect(url)


@viewers_only
def queue(request: HttpRequest) -> HttpResponse:
    """The requests (by default those waiting for a decision), filtered by letter and status."""
    status = request.GET.get("status", Status.CONFIRMED)
    requests = SignOnRequest.objects.select_related("letter", "organisation")
    if status in Status.values:
        requests = requests.filter(status=status)
    else:
        status = "all"
    letter_id = request.GET.get("letter", "")
    letter = None
    if letter_id.isascii() and letter_id.isdigit() and len(letter_id) < 12:
        letter = OpenLetterPage.objects.filter(pk=int(letter_id)).first()
    if letter is not None:
        requests = requests.filter(letter=letter)
    page = Paginator(requests.order_by("created_at", "pk"), PER_PAGE).get_page(request.GET.get("p"))
    finder = DuplicateFinder({r.letter_id for r in page})
    rows = [(r, finder.flags(r)) for r in page]
    letters = OpenLetterPage.objects.filter(sign_on_requests__isnull=False).distinct()
    return TemplateResponse(
        request,
        "advocacy/admin/signons/queue.html",
        {
            "page_title": gettext("Sign-on requests"),
            "header_icon": "group",
            "rows": rows,
            "page_obj": page,
            "status": status,
            "statuses": [*Status.choices, ("all", gettext("All"))],
            "letter": letter,
            "letters": letters.order_by("title"),
            "can_moderate": request.user.has_perm(MODERATE_PERMISSION),
            "waiting": waiting_count(),
        },
    )


@viewers_only
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request in full, its duplicate flags, and the moderator's choices."""
    sign_on = get_object_or_404(
        SignOnRequest.objects.select_related("letter", "organisation", "decided_by"), pk=pk
    )
    flags = DuplicateFinder([sign_on.letter_id]).flags(sign_on)
    flagged_ids = [o.pk for o in flags.organisations]
    others = Organisation.objects.exclude(pk__in=flagged_ids).only("pk", "name", "city")
    return TemplateResponse(
        request,
        "advocacy/admin/signons/detail.html",
        {
            "page_title": gettext("Sign-on request: %(name)s")
            % {"name": sign_on.organisation_name},
            "header_icon": "group",
            "sign_on": sign_on,
            "flags": flags,
            "other_organisations": others,
            "reject_form": RejectForm(),
            "can_moderate": request.user.has_perm(MODERATE_PERMISSION),
        },
    )


def _decided_message(request: HttpRequest, sign_on: SignOnRequest, exc: Exception) -> None:
    if isinstance(exc, moderation.NotConfirmed):
        text = gettext(
            "“%(name)s” cannot be approved: its contact has not confirmed the request by email."
        )
    else:
        text = gettext("“%(name)s” was already decided (%(status)s): nothing was changed.")
    sign_on.refresh_from_db(fields=["status"])
    messages.error(
        request,
        text % {"name": sign_on.organisation_name, "status": sign_on.get_status_display()},
    )


def _log(request: HttpRequest, sign_on: SignOnRequest, action: str, **data) -> None:
    """A line in the letter's history (the organisation, never the contact)."""
    log(
        instance=sign_on.letter,
        action=f"advocacy.sign_on_{action}",
        user=request.user,
        data={"organisation": sign_on.organisation_name, **data},
    )


@require_POST
@moderators_only
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    sign_on = get_object_or_404(SignOnRequest.objects.select_related("letter"), pk=pk)
    try:
        signed = moderation.approve(sign_on, request.user)
    except (moderation.AlreadyDecided, moderation.NotConfirmed) as exc:
        _decided_message(request, sign_on, exc)
        return _back(request, sign_on)
    _log(request, sign_on, "approve")
    messages.success(
        request,
        gettext("“%(name)s” is now on “%(letter)s”; its contact was emailed.")
        % {"name": signed.name, "letter": sign_on.letter.title},
    )
    return _back(request, sign_on)


@require_POST
@moderators_only
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    sign_on = get_object_or_404(SignOnRequest.objects.select_related("letter"), pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose the organisation to merge into."))
        return redirect(f"{URL_NAMESPACE}:detail", sign_on.pk)
    organisation = form.cleaned_data["organisation"]
    try:
        moderation.approve(sign_on, request.user, organisation)
    except (moderation.AlreadyDecided, moderation.NotConfirmed) as exc:
        _decided_message(request, sign_on, exc)
        return _back(request, sign_on)
    _log(request, sign_on, "approve", merged_into=organisation.name)
    messages.success(
        request,
        gettext("“%(name)s” signed “%(letter)s” as “%(organisation)s”; its contact was emailed.")
        % {
            "name": sign_on.organisation_name,
            "letter": sign_on.letter.title,
            "organisation": organisation.name,
        },
    )
    return _back(request, sign_on)


@require_POST
@moderators_only
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    sign_on = get_object_or_404(SignOnRequest.objects.select_related("letter"), pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("reason", [])))
        return redirect(f"{URL_NAMESPACE}:detail", sign_on.pk)
    try:
        moderation.reject(sign_on, request.user, form.cleaned_data["reason"])
    except moderation.AlreadyDecided as exc:
        _decided_message(request, sign_on, exc)
        return _back(request, sign_on)
    _log(request, sign_on, "reject")
    if sign_on.confirmed_at is not None:
        text = gettext("“%(name)s” was rejected; its contact was emailed.")
    else:
        text = gettext("“%(name)s” was rejected (its contact never confirmed: no email sent).")
    messages.success(request, text % {"name": sign_on.organisation_name})
    return _back(request, sign_on)


@require_POST
@moderators_only
def bulk_approve(request: HttpRequest) -> HttpResponse:
    """Approve the ticked requests (those confirmed; the others are skipped and counted)."""
    ids = [
        int(v) for v in request.POST.getlist("ids") if v.isascii() and v.isdigit() and len(v) < 12
    ]
    chosen = SignOnRequest.objects.select_related("letter").filter(pk__in=ids)
    approved, skipped = moderation.bulk_approve(chosen.order_by("created_at", "pk"), request.user)
    for sign_on in approved:
        _log(request, sign_on, "approve")
    if approved:
        messages.success(
            request,
            ngettext(
                "Approved %(n)s request; its contact was emailed.",
                "Approved %(n)s requests; their contacts were emailed.",
                len(approved),
            )
            % {"n": len(approved)},
        )
    if skipped or not approved:
        messages.warning(
            request,
            ngettext(
                "%(n)s request was skipped: not confirmed yet, or already decided.",
                "%(n)s requests were skipped: not confirmed yet, or already decided.",
                skipped,
            )
            % {"n": skipped},
        )
    return _back(request)


EXPORT_COLUMNS = [
    "organisation",
    "city",
    "province",
    "website",
    "contact_name",
    "contact_email",
    "contact_role",
    "confirmed_at",
    "approved_at",
]


def signatory_rows(letter: OpenLetterPage) -> Iterator[list[str]]:
    """The letter's signatories in order (header first), each with the contact of the request
    that put it there (blank for organisations an editor added)."""
    contacts = {
        r.organisation_id: r
        for r in SignOnRequest.objects.filter(letter=letter, status=Status.APPROVED).order_by(
            "decided_at", "pk"
        )
    }
    yield EXPORT_COLUMNS
    signatories = (
        LetterSignatory.objects.filter(page_id=letter.pk)
        .select_related("organisation")
        .order_by("sort_order", "pk")
    )
    for row in signatories.iterator(chunk_size=1000):
        org = row.organisation
        sign_on = contacts.get(org.pk)
        yield [
            csv_cell(value)
            for value in (
                org.name,
                org.city,
                org.province,
                org.website,
                sign_on.contact_name if sign_on else "",
                sign_on.contact_email if sign_on else "",
                sign_on.contact_role if sign_on else "",
                sign_on.confirmed_at if sign_on else "",
                sign_on.decided_at if sign_on else "",
            )
        ]


@viewers_only
def export(request: HttpRequest, letter_id: int) -> HttpResponse:
    """Stream the letter's signatories with their contacts as CSV."""
    letter = get_object_or_404(OpenLetterPage, pk=letter_id)
    return csv_download(signatory_rows(letter), f"signatories-{letter.slug}")


def urls() -> list:
    """The moderation screens, under the ``advocacy_sign_ons`` namespace."""
    return [
        path("", queue, name="index"),
        path("bulk-approve/", bulk_approve, name="bulk_approve"),
        path("export/<int:letter_id>/", export, name="export"),
        path("<int:pk>/", detail, name="detail"),
        path("<int:pk>/approve/", approve, name="approve"),
        path("<int:pk>/merge/", merge, name="merge"),
        path("<int:pk>/reject/", reject, name="reject"),
    ]
