"""Admin screens for issues: send a test ("proof"), start an issue from recent content."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, gettext_lazy, ngettext

from newsletter import conf
from newsletter.admin_access import forbidden
from newsletter.issues.blocks import RenderError
from newsletter.issues.recent_content import last_issue_time, recent_pages_since, start_issue
from newsletter.issues.test_sends import (
    TestSendForm,
    can_send_tests,
    send_test,
    test_sends_wait,
    too_many_tests_message,
)
from newsletter.models import NewsletterArchivePage, NewsletterIssuePage, NewsletterSettings

URL_NAMESPACE = "newsletter_issues"
CANNOT_TEST = gettext_lazy(
    "Sending a test needs the “Can send newsletters” permission (given by the “Newsletter "
    "senders” group) and permission to edit this issue."
)
CANNOT_ADD = gettext_lazy("Starting an issue needs permission to add pages below this archive.")


def test_send_view(request: HttpRequest, page_id: int) -> HttpResponse:
    """Send a test to up to 20 allowed addresses (the settings' test addresses by default, else
    the user's own); for users who may send newsletters, a few times an hour."""
    issue = get_object_or_404(NewsletterIssuePage, pk=page_id)
    if not can_send_tests(request.user, issue):
        return forbidden(request, CANNOT_TEST)
    site = issue.get_site()
    saved = NewsletterSettings.for_site_or_default(site)
    initial = {"recipients": saved.test_addresses or request.user.email}
    form = TestSendForm(request.POST or None, site=site, initial=initial)
    if request.method == "POST" and form.is_valid():
        sent = _send_test(request, issue, form)
        if sent is not None:
            messages.success(request, _sent_message(issue, sent, form))
            return redirect("wagtailadmin_pages:edit", issue.pk)
    return TemplateResponse(
        request,
        "newsletter/admin/test_send.html",
        {
            "issue": issue,
            "form": form,
            "page_title": gettext("Send a test of “%(title)s”") % {"title": issue.title},
            "tests_per_hour": conf.get("NEWSLETTER_TEST_SENDS_PER_HOUR"),
        },
    )


def _send_test(request: HttpRequest, issue: NewsletterIssuePage, form: TestSendForm) -> int | None:
    """Send the test unless the user is over the hourly limit or the issue cannot render (then
    the form says why): how many messages went."""
    wait = test_sends_wait(request.user)
    if wait is not None:
        form.add_error(None, too_many_tests_message(wait))
        return None
    try:
        return send_test(issue, form.cleaned_data["recipients"], request.user)
    except RenderError as error:
        form.add_error(None, str(error))
        return None


def _sent_message(issue: NewsletterIssuePage, sent: int, form: TestSendForm) -> str:
    """The success message: whom the test went to, and the suppressed addresses left out."""
    addresses = ", ".join(form.cleaned_data["recipients"])
    text = ngettext(
        "Test of “%(title)s” sent to %(count)d address: %(addresses)s.",
        "Test of “%(title)s” sent to %(count)d addresses: %(addresses)s.",
        sent,
    ) % {"title": issue.title, "count": sent, "addresses": addresses}
    if form.suppressed:
        text += " " + gettext(
            "Not sent to %(addresses)s: suppressed (unsubscribed, bounced or complained)."
        ) % {"addresses": ", ".join(form.suppressed)}
    return text


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
                "page_title": gettext("Start an issue from recent content"),
            },
        )
    issue = start_issue(archive, request.user)
    messages.success(
        request,
        gettext("Draft “%(title)s” created; edit it, preview it, test it.")
        % {"title": issue.title},
    )
    return redirect("wagtailadmin_pages:edit", issue.pk)


def urls() -> list:
    """The issue screens, under the ``newsletter_issues`` namespace."""
    return [
        path("<int:page_id>/test-send/", test_send_view, name="test_send"),
        path("archives/<int:archive_id>/start-issue/", start_issue_view, name="start_issue"),
    ]
