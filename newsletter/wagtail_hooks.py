"""Every Wagtail hook of the newsletter app: admin URLs, menus, the page viewsets that put the
issue buttons in the page header, the dashboard panel, log actions, and the audience's modeladmin
registration."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail_modeladmin.options import modeladmin_register

from newsletter.audience.admin import AudienceGroup
from newsletter.audience.admin_views import export_consent_records, import_view
from newsletter.dashboard import NewsletterPanel
from newsletter.insights import report_views, trends_views
from newsletter.issues import admin_views as issue_admin
from newsletter.issues.admin_header import ArchivePageViewSet, IssuePageViewSet
from newsletter.sending import admin_views as sending_admin

modeladmin_register(AudienceGroup)


@hooks.register("register_admin_urls")
def newsletter_admin_urls() -> list:
    issues = (issue_admin.urls(), issue_admin.URL_NAMESPACE)
    sends = (sending_admin.urls(), sending_admin.URL_NAMESPACE)
    return [
        path("newsletter/issues/", include(issues, namespace=issue_admin.URL_NAMESPACE)),
        path("newsletter/sends/", include(sends, namespace=sending_admin.URL_NAMESPACE)),
        path(
            "newsletter/reports/",
            include(
                (report_views.urls(), report_views.URL_NAMESPACE),
                namespace=report_views.URL_NAMESPACE,
            ),
        ),
        path(
            "newsletter/trends/",
            include(
                (trends_views.urls(), trends_views.URL_NAMESPACE),
                namespace=trends_views.URL_NAMESPACE,
            ),
        ),
        path(
            "newsletter/subscriber/export-consent/",
            export_consent_records,
            name="newsletter_export_consent",
        ),
        path("newsletter/subscriber/import/", import_view, name="newsletter_import"),
    ]


class SendsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(sending_admin.SEND_PERMISSION)


@hooks.register("register_admin_menu_item")
def sends_menu_item() -> MenuItem:
    return SendsMenuItem(
        _("Newsletter sends"),
        reverse(f"{sending_admin.URL_NAMESPACE}:index"),
        icon_name="mail",
        order=310,
    )


class InsightsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return trends_views.can_see_insights(request.user)


@hooks.register("register_admin_menu_item")
def insights_menu_item() -> MenuItem:
    return InsightsMenuItem(
        _("Newsletter insights"),
        reverse(f"{trends_views.URL_NAMESPACE}:index"),
        icon_name="view",
        order=311,
    )


@hooks.register("register_admin_viewset")
def newsletter_page_viewsets() -> list:
    """Issues and archives get their buttons in the page header (see issues/admin_header.py)."""
    return [
        IssuePageViewSet("newsletter_issue_pages"),
        ArchivePageViewSet("newsletter_archive_pages"),
    ]


@hooks.register("construct_homepage_panels")
def newsletter_dashboard_panel(request: HttpRequest, panels: list) -> None:
    """The dashboard's newsletter panel, for those who may see sends or subscribers."""
    panel = NewsletterPanel.for_user(request.user)
    if panel is not None:
        panels.append(panel)


@hooks.register("register_log_actions")
def register_newsletter_log_actions(actions) -> None:
    actions.register_action("newsletter.test_send", _("Send test"), _("Test email sent"))
    actions.register_action("newsletter.send", _("Send"), _("Sending started"))
    for action in sending_admin.ACTIONS:
        label, message = ACTION_LOG_LABELS.get(action) or _log_labels(action)
        actions.register_action(f"newsletter.{action}", label, message)


# The history labels of a send's actions (sending_admin.ACTIONS): (label, log message).
ACTION_LOG_LABELS = {
    "pause": (_("Pause"), _("Send: pause")),
    "resume": (_("Resume"), _("Send: resume")),
    "cancel": (_("Cancel"), _("Send: cancel")),
    "resend_unknown": (_("Resend unknown"), _("Send: resend unknown")),
}


def _log_labels(action: str) -> tuple[str, str]:
    """Labels made from the action's name, for an action without translated labels."""
    label = action.replace("_", " ").capitalize()
    return label, f"Send: {label.lower()}"


# Headless preview: "Preview on the front end" in the page editor's action menu, its admin view
# and the check of its settings (newsletter/headless/preview_admin.py).
from newsletter.headless.preview_admin import register_preview_hooks  # noqa: E402

register_preview_hooks()
