"""Admin actions on newsletter issues: send a test ("proof"), start an issue from recent content."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.log_actions import log
from wagtail.models import Page

from advocacy.models import AdvocacyPage
from newsletter.composition import compose, sample_merge_values
from newsletter.models import NewsletterArchivePage, NewsletterIssuePage
from newsletter.models.issues import parse_addresses
from newsletter.rendering import RenderError, newsletter_settings, render_revision

TEST_PREFIX = "[TEST] "
MAX_TEST_RECIPIENTS = 20


class TestSendForm(forms.Form):
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {MAX_TEST_RECIPIENTS} addresses, one per line or separated by commas.",
    )

    def clean_recipients(self) -> list[str]:
        addresses = parse_addresses(self.cleaned_data["recipients"])
        if not addresses:
            raise ValidationError("Enter at least one address.")
        if len(addresses) > MAX_TEST_RECIPIENTS:
            raise ValidationError(f"A test goes to at most {MAX_TEST_RECIPIENTS} addresses.")
        return addresses


def send_test(issue: NewsletterIssuePage, recipients: list[str], user=None) -> int:
    """Send the issue's latest revision to ``recipients`` with "[TEST]" in the subject; log it."""
    rendered = render_revision(issue, latest=True)
    settings = newsletter_settings(issue.get_site())
    connection = get_connection()
    messages_ = [
        compose(
            rendered,
            address,
            sample_merge_values(address),
            subject_prefix=TEST_PREFIX,
            sender_email=settings.sender_email,
            connection=connection,
        )
        for address in recipients
    ]
    sent = connection.send_messages(messages_) or 0
    log(
        instance=issue,
        action="newsletter.test_send",
        user=user,
        data={
            "recipients": recipients,
            "revision_id": issue.latest_revision_id,
            "subject": TEST_PREFIX + rendered.subject,
        },
    )
    return sent


def test_send_view(request, page_id: int):
    issue = get_object_or_404(NewsletterIssuePage, pk=page_id)
    if not issue.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    settings = newsletter_settings(issue.get_site())
    form = TestSendForm(request.POST or None, initial={"recipients": settings.test_addresses})
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


# --- start an issue from recent content --------------------------------------------------------


def recent_pages_since(since: datetime.datetime | None, limit: int = 12) -> list[AdvocacyPage]:
    """Advocacy pages first published after ``since`` (all if None), newest first."""
    pages = AdvocacyPage.objects.live().public()
    if since is not None:
        pages = pages.filter(first_published_at__gt=since)
    return list(pages.order_by("-first_published_at")[:limit].specific())


def last_issue_time(archive: NewsletterArchivePage) -> datetime.datetime | None:
    """When the newest published issue under ``archive`` first went out, or None."""
    last = (
        NewsletterIssuePage.objects.live()
        .child_of(archive)
        .order_by("-first_published_at")
        .values_list("first_published_at", flat=True)
        .first()
    )
    return last


def start_issue(archive: NewsletterArchivePage, user=None) -> NewsletterIssuePage:
    """Create a draft issue with the pages published since the last issue and the default appeal."""
    settings = newsletter_settings(archive.get_site())
    pages = recent_pages_since(last_issue_time(archive))
    today = timezone.localdate()
    body: list[tuple[str, object]] = [
        ("intro", "<p>Here is what we have been working on since our last newsletter.</p>")
    ]
    body += [("featured_page", {"page": page, "button_label": "Read more"}) for page in pages]
    if settings.default_donation_appeal_id:
        body.append(("donation_appeal", {"appeal": None}))
    title = f"Newsletter, {today:%B %-d, %Y}"
    issue = NewsletterIssuePage(
        title=title,
        subject=title,
        preheader=f"{len(pages)} updates from {settings.organisation_name or 'us'}"
        if pages
        else "",
        body=body,
        live=False,
        owner=user,
    )
    with transaction.atomic():
        archive.add_child(instance=issue)
        issue.save_revision(user=user, log_action=True)
    return issue


def start_issue_view(request, archive_id: int):
    archive = get_object_or_404(NewsletterArchivePage, pk=archive_id)
    if not archive.permissions_for_user(request.user).can_add_subpage():
        raise PermissionDenied
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


@hooks.register("register_admin_urls")
def issue_admin_urls():
    return [
        path(
            "newsletter/issues/<int:page_id>/test-send/",
            test_send_view,
            name="newsletter_test_send",
        ),
        path(
            "newsletter/archives/<int:archive_id>/start-issue/",
            start_issue_view,
            name="newsletter_start_issue",
        ),
    ]


@hooks.register("register_page_header_buttons")
def issue_header_buttons(page: Page, user, view_name: str, next_url=None):
    specific_class = page.specific_class
    if specific_class is NewsletterIssuePage and page.permissions_for_user(user).can_edit():
        yield Button(
            "Send a test",
            reverse("newsletter_test_send", args=[page.pk]),
            icon_name="mail",
            priority=40,
        )
    if (
        specific_class is NewsletterArchivePage
        and page.permissions_for_user(user).can_add_subpage()
    ):
        yield Button(
            "Start an issue from recent content",
            reverse("newsletter_start_issue", args=[page.pk]),
            icon_name="plus",
            priority=5,
        )


@hooks.register("register_log_actions")
def register_newsletter_log_actions(actions):
    actions.register_action("newsletter.test_send", "Send test", "Test email sent")
