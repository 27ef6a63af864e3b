"""Admin screens for sending: choose lists and confirm, watch progress live, pause, resume,
cancel, re-send unknown batches, and read the delivery funnel. Needs the "Can send newsletters"
permission (``newsletter.send_newsletter``), which editing pages does not give."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_tasks import default_task_backend
from wagtail.log_actions import log

from newsletter.admin_access import permission_required
from newsletter.audience.segments import segment_count
from newsletter.issues.blocks import RenderError
from newsletter.models import Dispatch, MailingList, NewsletterIssuePage, Segment
from newsletter.sending import control
from newsletter.sending.freeze import (
    PreviousRecipients,
    SendError,
    audience_of,
    create_send,
    previous_recipients,
    received_earlier,
    sunset_left_out,
)
from newsletter.sending.progress import funnel, progress
from newsletter.sending.tasks import start_scheduled
from newsletter.sending.versions import language_counts

SEND_PERMISSION = "newsletter.send_newsletter"
URL_NAMESPACE = "newsletter_sending"
send_permission_required = permission_required(
    SEND_PERMISSION,
    gettext_lazy(
        "Sending newsletters needs the “Can send newsletters” permission, which editing pages "
        "does not give. Ask an administrator to add you to the “Newsletter senders” group."
    ),
)


class SendForm(forms.Form):
    """Lists and/or segments, whether to include sunset-flagged readers, now or later."""

    lists = forms.ModelMultipleChoiceField(
        queryset=MailingList.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Send to"),
        required=False,
    )
    segments = forms.ModelMultipleChoiceField(
        queryset=Segment.objects.select_related("mailing_list").order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Segments"),
        required=False,
    )
    include_sunset = forms.BooleanField(
        required=False,
        label=gettext_lazy("Include inactive readers (sunset policy)"),
        help_text=gettext_lazy(
            "Readers flagged as inactive (no open or click for a long while) are left out of "
            "sends by default. Tick to send to them too."
        ),
    )
    when = forms.ChoiceField(
        choices=[("now", gettext_lazy("Now")), ("later", gettext_lazy("At a time"))],
        initial="now",
        widget=forms.RadioSelect,
    )
    scheduled_for = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    # On the review step, when some of the audience already received the issue in an earlier
    # send: they are left out unless this is ticked.
    include_previous_recipients = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The time is read in the admin's time zone (the user's Wagtail account setting, else the
        # site's TIME_ZONE), which is not necessarily the browser's: say which one.
        zone = timezone.get_current_timezone_name()
        help_text = gettext("In %(zone)s time (change it in your account settings).") % {
            "zone": zone
        }
        self.fields["scheduled_for"].help_text = help_text

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("lists") and not cleaned.get("segments") and "lists" not in self.errors:
            if self.fields["segments"].queryset.exists():
                self.add_error("lists", gettext("Choose at least one list or segment."))
            else:
                self.add_error("lists", gettext("Choose at least one list."))
        if cleaned.get("when") == "later":
            moment = cleaned.get("scheduled_for")
            if moment is None:
                self.add_error("scheduled_for", gettext("Choose when to send."))
            elif moment <= timezone.now():
                self.add_error("scheduled_for", gettext("Choose a time in the future."))
            elif not getattr(default_task_backend, "supports_defer", False):
                self.add_error(
                    "scheduled_for",
                    gettext(
                        "This site's task backend cannot run tasks later; send now, or ask an "
                        "administrator to set the TASKS setting to a queue that can (e.g. "
                        "django-tasks-db's DatabaseBackend, with a worker)."
                    ),
                )
        return cleaned


def _review(issue, lists: list, segments: list, include_sunset: bool, include_previous: bool):
    """The review step's figures: (recipients after suppression and the rules chosen,
    people who already received the issue, sunset-flagged readers left out)."""
    previous = previous_recipients(issue, lists, segments=segments, include_sunset=include_sunset)
    include_previous = bool(previous.count and include_previous)
    people = audience_of(lists, segments, include_sunset=include_sunset)
    reached = people.count()
    audience = reached - (0 if include_previous else previous.count)
    left_out = 0 if include_sunset else sunset_left_out(lists, segments)
    earlier = None if include_previous else received_earlier(issue.pk)
    languages = language_counts(people if earlier is None else people.exclude(earlier), issue)
    return audience, previous, left_out, languages


@send_permission_required
def send_view(request: HttpRequest, page_id: int) -> HttpResponse:
    """Choose lists and/or segments, see the audience after suppression, confirm, send now or
    later."""
    issue = get_object_or_404(NewsletterIssuePage, pk=page_id)
    if not issue.live:
        messages.error(
            request, gettext("Publish the issue first: the published version is what is sent.")
        )
        return redirect("wagtailadmin_pages:edit", issue.pk)
    form = SendForm(request.POST or None)
    context = {
        "issue": issue,
        "form": form,
        "page_title": gettext("Send “%(title)s”") % {"title": issue.title},
        "list_counts": [(m, audience_of([m]).count()) for m in form.fields["lists"].queryset],
        "segment_counts": [(s, segment_count(s)) for s in form.fields["segments"].queryset],
    }
    if request.method == "POST" and form.is_valid():
        lists = list(form.cleaned_data["lists"])
        segments = list(form.cleaned_data["segments"])
        include_sunset = form.cleaned_data["include_sunset"]
        audience, previous, sunset_out, languages = _review(
            issue, lists, segments, include_sunset, form.cleaned_data["include_previous_recipients"]
        )
        include_previous = bool(previous.count and form.cleaned_data["include_previous_recipients"])
        # Step 2, and again after an error: review before anything is sent.
        context.update(
            review=True,
            audience=audience,
            lists=lists,
            segments=segments,
            previous=previous,
            sunset_left_out=sunset_out,
            languages=languages,
            falling_back=[group for group in languages if group.falls_back],
        )
        if "confirm" not in request.POST:
            return TemplateResponse(request, "newsletter/admin/send.html", context)
        if not audience and previous.count:
            form.add_error(None, nobody_new_message(previous))
            return TemplateResponse(request, "newsletter/admin/send.html", context)
        scheduled = (
            form.cleaned_data["scheduled_for"] if form.cleaned_data["when"] == "later" else None
        )
        try:
            send = create_send(
                issue,
                lists,
                segments=segments,
                include_sunset=include_sunset,
                user=request.user,
                scheduled_for=scheduled,
            )
        except (RenderError, SendError) as error:
            form.add_error(None, str(error))
        else:
            if scheduled:
                start_scheduled.using(run_after=scheduled).enqueue(send.pk, include_previous)
                messages.success(
                    request, gettext("Scheduled for %(when)s.") % {"when": _when(scheduled)}
                )
            else:
                control.start(send, include_previous_recipients=include_previous)
            log(instance=issue, action="newsletter.send", user=request.user,
                data={"send": send.pk, "lists": [m.slug for m in lists],
                      "segments": [s.pk for s in segments], "include_sunset": include_sunset,
                      "include_previous_recipients": include_previous})  # fmt: skip
            return redirect(f"{URL_NAMESPACE}:detail", send.pk)
    return TemplateResponse(request, "newsletter/admin/send.html", context)


def nobody_new_message(previous: PreviousRecipients) -> str:
    """Everyone on the chosen lists already received the issue: nothing to send."""
    return gettext(
        "Nobody to send to: the issue was %(previously)s, everyone these lists reach now. "
        "To send it to them again, tick the box below."
    ) % {"previously": previous.describe()}


def _rate_and_eta(send: Dispatch, counts: dict[str, int]) -> tuple[float, float | None]:
    if not send.started_at or not counts["sent"]:
        return 0.0, None
    finished = send.status in Dispatch.FINISHED  # nothing is left: no "about 0 s left"
    end = send.finished_at or timezone.now()
    elapsed = max((end - send.started_at).total_seconds(), 0.001)
    rate = counts["sent"] / elapsed
    if finished:
        return rate, None
    return rate, (counts["remaining"] / rate if rate and counts["remaining"] else 0.0)


# What the operator can do, by send status: the one place the progress page's buttons, its
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


def _when(moment) -> str:
    """A moment in the admin's time zone, naming the zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'j F Y, H:i')} ({timezone.get_current_timezone_name()})"


def finished_summary(send: Dispatch, counts: dict[str, int], total: int) -> str:
    """The finished send in one sentence: how many it reached, what did not go, and when."""
    values = {"sent": counts["sent"], "total": total, "when": _when(send.finished_at)}
    if send.status == Dispatch.Status.CANCELLED:
        text = gettext("Cancelled: sent to %(sent)d of %(total)d recipients.") % values
    elif send.status == Dispatch.Status.FAILED:
        text = gettext("Failed: none of the %(total)d messages was accepted.") % values
    else:
        text = (
            ngettext(
                "Sent to %(sent)d of %(total)d recipient.",
                "Sent to %(sent)d of %(total)d recipients.",
                total,
            )
            % values
        )
    problems = [
        label % {"count": counts[key]}
        for key, label in (
            ("failed", gettext("%(count)d failed")),
            ("unknown", gettext("%(count)d unknown")),
            ("skipped", gettext("%(count)d skipped")),
        )
        if counts[key]
    ]
    if problems:
        text += " " + ", ".join(problems).capitalize() + "."
    if values["when"]:
        text += " " + gettext("Finished %(when)s.") % values
    return text


def send_state(send: Dispatch) -> dict:
    """Everything the progress page shows, as JSON-ready data."""
    counts = progress(send)
    rate, eta = _rate_and_eta(send, counts)
    total = send.total or counts["total"]
    done = total - counts["remaining"]
    finished = send.status in Dispatch.FINISHED
    unknown_batches = send.batches.filter(status="unknown").count()
    return {
        "id": send.pk,
        "status": send.status,
        "status_label": send.get_status_display(),
        "total": total,
        "done": done,
        # Nothing frozen yet (scheduled) is 0 %, not 100 %; a finished send of nobody is 100 %.
        "percent": round(100 * done / total, 1) if total else (100.0 if finished else 0.0),
        "counts": counts,
        "rate_per_second": round(rate, 1),
        "seconds_left": round(eta) if eta is not None else None,
        "funnel": funnel(send),
        "unknown_batches": unknown_batches,
        "actions": allowed_actions(send.status, unknown_batches),
        "finished": finished,
        # What a finished send did, in a sentence ("" while it runs).
        "summary": finished_summary(send, counts, total) if finished else "",
        # Why the send paused itself (provider trouble); "" when an operator paused it.
        "pause_reason": send.last_error if send.status == Dispatch.Status.PAUSED else "",
        # Once started, the send has a report (the page shows its link from then on).
        "started": send.started_at is not None,
    }


@send_permission_required
def send_detail(request: HttpRequest, send_id: int) -> HttpResponse:
    from newsletter.insights.complaints import complaint_warning

    send = get_object_or_404(Dispatch.objects.select_related("issue"), pk=send_id)
    state = send_state(send)
    if send.status == Dispatch.Status.SENT:
        title = gettext("Sent “%(subject)s”")
    elif state["finished"]:
        title = gettext("%(status)s: “%(subject)s”")
    else:
        title = gettext("Sending “%(subject)s”")
    return TemplateResponse(
        request,
        "newsletter/admin/send_detail.html",
        {
            "send": send,
            "state": state,
            "lists": send.mailing_lists.all(),
            "segments": send.segments.select_related("mailing_list"),
            "page_title": title % {"subject": send.subject, "status": state["status_label"]},
            # Above 0.1% of delivered: the warning the report page shows too.
            "complaint_warning": complaint_warning(send) if state["started"] else None,
        },
    )


@send_permission_required
def send_progress(request: HttpRequest, send_id: int) -> JsonResponse:
    send = get_object_or_404(Dispatch, pk=send_id)
    return JsonResponse(send_state(send))


ACTIONS = {
    "pause": (
        lambda d: control.set_paused(d, True),
        gettext_lazy("Paused: batches in flight finish, no new ones start."),
    ),
    "resume": (lambda d: control.set_paused(d, False), gettext_lazy("Resumed.")),
    "cancel": (control.cancel, gettext_lazy("Cancelled: nobody else receives this send.")),
    "resend_unknown": (
        control.resend_unknown,
        gettext_lazy("Unknown batches queued again: their recipients may receive this twice."),
    ),
}


@require_POST
@send_permission_required
def send_action(request: HttpRequest, send_id: int, action: str) -> HttpResponse:
    send = get_object_or_404(Dispatch, pk=send_id)
    if action not in ACTIONS:
        return HttpResponse(gettext("Unknown action."), status=400)
    unknown_batches = send.batches.filter(status="unknown").count()
    if action not in allowed_actions(send.status, unknown_batches):  # e.g. a stale page
        messages.error(
            request,
            gettext("Not possible now: this send is %(status)s.")
            % {"status": send.get_status_display().lower()},
        )
        return redirect(f"{URL_NAMESPACE}:detail", send.pk)
    run, message = ACTIONS[action]
    run(send)
    log(instance=send.issue, action=f"newsletter.{action}", user=request.user,
        data={"send": send.pk})  # fmt: skip
    messages.success(request, message)
    return redirect(f"{URL_NAMESPACE}:detail", send.pk)


@send_permission_required
def send_index(request: HttpRequest) -> HttpResponse:
    sends = (
        Dispatch.objects.select_related("issue")
        .prefetch_related("mailing_lists")
        .order_by("-created_at")[:100]
    )
    return TemplateResponse(
        request,
        "newsletter/admin/send_index.html",
        {"sends": sends, "page_title": gettext("Newsletter sends")},
    )


def urls() -> list:
    """The sending screens, under the ``newsletter_sending`` namespace."""
    return [
        path("new/<int:page_id>/", send_view, name="new"),
        path("", send_index, name="index"),
        path("<int:send_id>/", send_detail, name="detail"),
        path("<int:send_id>/progress.json", send_progress, name="progress"),
        path("<int:send_id>/<slug:action>/", send_action, name="action"),
    ]
