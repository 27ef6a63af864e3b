"""The newsletter's buttons in the page header of the Wagtail admin.

Wagtail's ``register_page_header_buttons`` hook only fills the header's "⋯" menu, so the
buttons an editor needs every time ("Send a test", "Send to lists", "Start an issue") come from
page viewsets (Wagtail's ``PageViewSet``, registered with ``register_admin_viewset``) whose edit
and explorer views add them to the header itself, beside the breadcrumbs.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.pages.edit import EditView
from wagtail.admin.views.pages.listing import ExplorableIndexView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.models import Page

from newsletter.issues.admin_views import URL_NAMESPACE as ISSUES_NAMESPACE
from newsletter.issues.test_sends import can_send_tests
from newsletter.models import NewsletterArchivePage, NewsletterIssuePage
from newsletter.sending.admin_views import SEND_PERMISSION
from newsletter.sending.admin_views import URL_NAMESPACE as SENDING_NAMESPACE


def issue_header_buttons(issue: Page, user) -> list[HeaderButton]:
    """On an issue: "Send a test" (may test it) and "Send to lists" (published, may send)."""
    buttons = []
    if can_send_tests(user, issue):
        buttons.append(
            HeaderButton(
                _("Send a test"),
                url=reverse(f"{ISSUES_NAMESPACE}:test_send", args=[issue.pk]),
                icon_name="mail",
                attrs={"data-newsletter-action": "test_send"},
                priority=40,
            )
        )
    if issue.live and user.has_perm(SEND_PERMISSION):
        buttons.append(
            HeaderButton(
                _("Send to lists"),
                url=reverse(f"{SENDING_NAMESPACE}:new", args=[issue.pk]),
                icon_name="mail",
                attrs={"data-newsletter-action": "send"},
                priority=41,
            )
        )
    return buttons


def archive_header_buttons(archive: Page, user) -> list[HeaderButton]:
    """On an archive (its edit view and its list of issues): "Start an issue", for those who
    may add issues below it."""
    if not archive.permissions_for_user(user).can_add_subpage():
        return []
    return [
        HeaderButton(
            _("Start an issue"),
            url=reverse(f"{ISSUES_NAMESPACE}:start_issue", args=[archive.pk]),
            icon_name="plus",
            attrs={"data-newsletter-action": "start_issue"},
            priority=30,
        )
    ]


class IssueEditView(EditView):
    """Wagtail's page editor with "Send a test" and "Send to lists" in the header."""

    @cached_property
    def header_buttons(self) -> list[HeaderButton]:
        return issue_header_buttons(self.page, self.request.user)


class ArchiveEditView(EditView):
    """Wagtail's page editor with "Start an issue" in the header."""

    @cached_property
    def header_buttons(self) -> list[HeaderButton]:
        return archive_header_buttons(self.page, self.request.user)


class IssueExplorerView(ExplorableIndexView):
    """The explorer's list of an archive's issues, with "Start an issue" in the header."""

    @cached_property
    def header_buttons(self) -> list:
        buttons = list(super().header_buttons)
        if isinstance(self.parent_page, NewsletterArchivePage):
            buttons += archive_header_buttons(self.parent_page, self.request.user)
        return buttons


class IssuePageViewSet(PageViewSet):
    """Issues: the editor's header buttons, and the archive's explorer listing."""

    model = NewsletterIssuePage
    edit_view_class = IssueEditView
    index_view_class = IssueExplorerView


class ArchivePageViewSet(PageViewSet):
    """Archives: "Start an issue" in the editor's header."""

    model = NewsletterArchivePage
    edit_view_class = ArchiveEditView
