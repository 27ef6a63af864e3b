"""Admin screens for issues: send a test ("proof"), start an issue from recent content."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from newsletter.admin_access import forbidden
from newsletter.issues.blocks import RenderError
from newsletter.issues.recent_content import last_issue_time, recent_pages_since, start_issue
from newsletter.issues.test_sends import TestSendForm, send_test
from newsletter.models import NewsletterArchivePage, NewsletterIssuePage, NewsletterSettings

URL_NAMESPACE = "newsletter_issues"
CANNOT_EDIT = "Sending a test needs permission to edit this issue."
CANNOT_ADD = "Starting an issue needs permission to add pages below this archive."


def test_send_view(request: HttpRequest, page_id: int) -> HttpResponse:
    """Choose up to 20 addresses (the settings' test addresses by default) and send a test."""
    issue = get_object_or_404(NewsletterIssuePage, pk=page_id)
    if not issue.permissions_for_user(request.user).can_edit():
        return forbidden(request, CANNOT_EDIT)
    saved = NewsletterSettings.for_site_or_default(issue.get_site())
    form = TestSendForm(request.POST or None, initial={"recipients": saved.test_addresses})
    if request.method == "POST" and form.is_valid():
        try:
            sent = send_test(issue, form.cleaned_data["recipients"], request.user)
        except RenderError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Test of “{issue.title}” sent to {sent} address{'es' if sent != 1 else ''}: "
                + ", ".join(form.cleaned_data["recipients"]),
            )
            return redirect("wagtailadmin_pages:edit", issue.pk)
    return TemplateResponse(
        request,
        "newsletter/admin/test_send.html",
        {"issue": issue, "form": form, "page_title": f"Send a test of “{issue.title}”"},
    )


def start_issue_view(request: HttpRequest, archive_id: int) -> HttpResponse:
    """GET: what a new issue would feature; POST: create it as a draft and open the editor."""
    archive = get_object_or_404(NewsletterArchivePage, pk=archive_id)
    if not archive.permissions_for_user(request.user).can_add_subpage():
        return forbidden(request, CANNOT_ADD)
    if request.method != "POST":
        since = last_issue_time(archive)
        return TemplateResponse(
            request,
            "newsletter/admin/start_issue.html",
            {
                "archive": archive,
                "pages": recent_pages_since(since),
                "since": since,
                "page_title": "Start an issue from recent content",
            },
        )
    issue = start_issue(archive, request.user)
    messages.success(request, f"Draft “{issue.title}” created; edit it, preview it, test it.")
    return redirect("wagtailadmin_pages:edit", issue.pk)


def urls() -> list:
    """The issue screens, under the ``newsletter_issues`` namespace."""
    return [
        path("<int:page_id>/test-send/", test_send_view, name="test_send"),
        path("archives/<int:archive_id>/start-issue/", start_issue_view, name="start_issue"),
    ]
