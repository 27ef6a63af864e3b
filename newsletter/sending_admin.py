"""Admin screens for sending: choose lists and confirm, watch progress live, pause, resume,
cancel, re-send unknown batches, and read the delivery funnel. Needs the "Can send newsletters"
permission (``newsletter.send_newsletter``), which editing pages does not give."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tasks import default_task_backend
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.log_actions import log

from newsletter import dispatch as engine
from newsletter.models import Dispatch, MailingList, NewsletterIssuePage
from newsletter.rendering import RenderError

SEND_PERMISSION = "newsletter.send_newsletter"


def forbidden(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "newsletter/admin/send_forbidden.html",
        {"page_title": "Permission denied"},
        status=403,
    )


def send_permission_required(view):
    """403 (not Wagtail's redirect) for users without the send permission."""

    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm(SEND_PERMISSION):
            return forbidden(request)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


class SendForm(forms.Form):
    lists = forms.ModelMultipleChoiceField(
        queryset=MailingList.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label="Send to",
        error_messages={"required": "Choose at least one list."},
    )
    when = forms.ChoiceField(
        choices=[("now", "Now"), ("later", "At a time")], initial="now", widget=forms.RadioSelect
    )
    scheduled_for = forms.DateTimeField(
        required=False,
        label="Send at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The time is read in the admin's time zone (the user's Wagtail account setting, else the
        # site's TIME_ZONE), which is not necessarily the browser's: say which one.
        zone = timezone.get_current_timezone_name()
        help_text = f"In {zone} time (change it in your account settings)."
        self.fields["scheduled_for"].help_text = help_text

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later":
            moment = cleaned.get("scheduled_for")
            if moment is None:
                self.add_error("scheduled_for", "Choose when to send.")
            elif moment <= timezone.now():
                self.add_error("scheduled_for", "Choose a time in the future.")
            elif not getattr(default_task_backend, "supports_defer", False):
                self.add_error(
                    "scheduled_for",
                    "This site's task backend cannot run tasks later; send now, or ask an "
                    "administrator to use TASKS_BACKEND=database.",
                )
        return cleaned


@send_permission_required
def send_view(request: HttpRequest, page_id: int) -> HttpResponse:
    """Choose lists, see the audience after suppression, confirm, send now or later."""
    issue = get_object_or_404(NewsletterIssuePage, pk=page_id)
    if not issue.live:
        messages.error(request, "Publish the issue first: the published version is what is sent.")
        return redirect("wagtailadmin_pages:edit", issue.pk)
    form = SendForm(request.POST or None)
    context = {
        "issue": issue,
        "form": form,
        "page_title": f"Send “{issue.title}”",
        "list_counts": [
            (m, engine.audience_of([m]).count()) for m in form.fields["lists"].queryset
        ],
    }
    if request.method == "POST" and form.is_valid():
        lists = list(form.cleaned_data["lists"])
        audience = engine.audience_of(lists).count()
        if "confirm" not in request.POST:  # step 2: review before anything is sent
            context.update(review=True, audience=audience, lists=lists)
            return TemplateResponse(request, "newsletter/admin/send.html", context)
        scheduled = (
            form.cleaned_data["scheduled_for"] if form.cleaned_data["when"] == "later" else None
        )
        try:
            dispatch = engine.create_dispatch(
                issue, lists, user=request.user, scheduled_for=scheduled
            )
        except (RenderError, engine.SendError) as error:
            form.add_error(None, str(error))
        else:
            if scheduled:
                from newsletter.dispatch_tasks import start_scheduled

                start_scheduled.using(run_after=scheduled).enqueue(dispatch.pk)
                messages.success(
                    request,
                    f"Scheduled for {timezone.localtime(scheduled):%-d %B %Y, %H:%M} "
                    f"({timezone.get_current_timezone_name()}).",
                )
            else:
                engine.start(dispatch)
            log(instance=issue, action="newsletter.send", user=request.user,
                data={"dispatch": dispatch.pk, "lists": [m.slug for m in lists]})  # fmt: skip
            return redirect("newsletter_dispatch", dispatch.pk)
    return TemplateResponse(request, "newsletter/admin/send.html", context)


def _rate_and_eta(dispatch: Dispatch, counts: dict[str, int]) -> tuple[float, float | None]:
    if not dispatch.started_at or not counts["sent"]:
        return 0.0, None
    end = dispatch.finished_at or timezone.now()
    elapsed = max((end - dispatch.started_at).total_seconds(), 0.001)
    rate = counts["sent"] / elapsed
    return rate, (counts["remaining"] / rate if rate and counts["remaining"] else 0.0)


# What the operator can do, by dispatch status: the one place the progress page's buttons, its
# JSON and the action view all read, so they cannot disagree.
ACTIONS_BY_STATUS = {
    Dispatch.Status.SCHEDULED: ("cancel",),
    Dispatch.Status.SENDING: ("pause", "cancel", "resend_unknown"),
    Dispatch.Status.PAUSED: ("resume", "cancel"),
    Dispatch.Status.SENT: ("resend_unknown",),
    Dispatch.Status.FAILED: ("resend_unknown",),
}


def allowed_actions(status: str, unknown_batches: int) -> list[str]:
    """The actions valid now, in button order. *Re-send unknown* needs unknown batches, and is
    not offered on a paused send (it would resume it) nor a cancelled one (nobody else gets it)."""
    actions = ACTIONS_BY_STATUS.get(status, ())
    return [a for a in actions if a != "resend_unknown" or unknown_batches]


def dispatch_state(dispatch: Dispatch) -> dict:
    """Everything the progress page shows, as JSON-ready data."""
    engine.recover_stale_batches(dispatch.pk, restart=True)
    if dispatch.status == Dispatch.Status.SENDING:
        engine.finish_if_done(dispatch.pk)
    dispatch.refresh_from_db()
    counts = engine.progress(dispatch)
    rate, eta = _rate_and_eta(dispatch, counts)
    total = dispatch.total or counts["total"]
    done = total - counts["remaining"]
    finished = dispatch.status in Dispatch.FINISHED
    unknown_batches = dispatch.batches.filter(status="unknown").count()
    return {
        "id": dispatch.pk,
        "status": dispatch.status,
        "status_label": dispatch.get_status_display(),
        "total": total,
        "done": done,
        # Nothing frozen yet (scheduled) is 0 %, not 100 %; a finished send of nobody is 100 %.
        "percent": round(100 * done / total, 1) if total else (100.0 if finished else 0.0),
        "counts": counts,
        "rate_per_second": round(rate, 1),
        "seconds_left": round(eta) if eta is not None else None,
        "funnel": engine.funnel(dispatch),
        "unknown_batches": unknown_batches,
        "actions": allowed_actions(dispatch.status, unknown_batches),
        "finished": finished,
    }


@send_permission_required
def dispatch_view(request: HttpRequest, dispatch_id: int) -> HttpResponse:
    dispatch = get_object_or_404(Dispatch.objects.select_related("issue"), pk=dispatch_id)
    return TemplateResponse(
        request,
        "newsletter/admin/dispatch.html",
        {
            "dispatch": dispatch,
            "state": dispatch_state(dispatch),
            "lists": dispatch.mailing_lists.all(),
            "page_title": f"Sending “{dispatch.subject}”",
        },
    )


@send_permission_required
def dispatch_progress(request: HttpRequest, dispatch_id: int) -> JsonResponse:
    dispatch = get_object_or_404(Dispatch, pk=dispatch_id)
    return JsonResponse(dispatch_state(dispatch))


ACTIONS = {
    "pause": (
        lambda d: engine.set_paused(d, True),
        "Paused: batches in flight finish, no new ones start.",
    ),
    "resume": (lambda d: engine.set_paused(d, False), "Resumed."),
    "cancel": (engine.cancel, "Cancelled: nobody else receives this dispatch."),
    "resend_unknown": (
        engine.resend_unknown,
        "Unknown batches queued again: their recipients may receive this twice.",
    ),
}


@require_POST
@send_permission_required
def dispatch_action(request: HttpRequest, dispatch_id: int, action: str) -> HttpResponse:
    dispatch = get_object_or_404(Dispatch, pk=dispatch_id)
    if action not in ACTIONS:
        return HttpResponse("Unknown action.", status=400)
    unknown_batches = dispatch.batches.filter(status="unknown").count()
    if action not in allowed_actions(dispatch.status, unknown_batches):  # e.g. a stale page
        messages.error(
            request, f"Not possible now: this send is {dispatch.get_status_display().lower()}."
        )
        return redirect("newsletter_dispatch", dispatch.pk)
    run, message = ACTIONS[action]
    run(dispatch)
    log(instance=dispatch.issue, action=f"newsletter.{action}", user=request.user,
        data={"dispatch": dispatch.pk})  # fmt: skip
    messages.success(request, message)
    return redirect("newsletter_dispatch", dispatch.pk)


@send_permission_required
def dispatch_index(request: HttpRequest) -> HttpResponse:
    dispatches = Dispatch.objects.select_related("issue").order_by("-created_at")[:100]
    return TemplateResponse(
        request,
        "newsletter/admin/dispatch_index.html",
        {"dispatches": dispatches, "page_title": "Newsletter sends"},
    )


@hooks.register("register_admin_urls")
def sending_urls():
    return [
        path("newsletter/issues/<int:page_id>/send/", send_view, name="newsletter_send"),
        path("newsletter/sends/", dispatch_index, name="newsletter_dispatches"),
        path("newsletter/sends/<int:dispatch_id>/", dispatch_view, name="newsletter_dispatch"),
        path(
            "newsletter/sends/<int:dispatch_id>/progress.json",
            dispatch_progress,
            name="newsletter_dispatch_progress",
        ),
        path(
            "newsletter/sends/<int:dispatch_id>/<slug:action>/",
            dispatch_action,
            name="newsletter_dispatch_action",
        ),
    ]


class SendsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SEND_PERMISSION)


@hooks.register("register_admin_menu_item")
def sends_menu_item():
    return SendsMenuItem(
        "Newsletter sends", reverse("newsletter_dispatches"), icon_name="mail", order=310
    )


@hooks.register("register_page_header_buttons")
def send_button(page, user, view_name: str, next_url=None):
    if page.specific_class is NewsletterIssuePage and page.live and user.has_perm(SEND_PERMISSION):
        yield Button(
            "Send to lists",
            reverse("newsletter_send", args=[page.pk]),
            icon_name="mail",
            priority=41,
        )


@hooks.register("register_log_actions")
def register_sending_log_actions(actions):
    actions.register_action("newsletter.send", "Send", "Sending started")
    for action in ACTIONS:
        label = action.replace("_", " ").capitalize()
        actions.register_action(f"newsletter.{action}", label, f"Dispatch: {label.lower()}")
