"""Every Wagtail hook of the newsletter app: admin URLs, menus, buttons, log actions, and the
audience's modeladmin registration."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.models import Page
from wagtail_modeladmin.options import modeladmin_register

from newsletter.audience.admin import AudienceGroup
from newsletter.audience.admin_views import export_consent_records, import_view
from newsletter.issues import admin_views as issue_admin
from newsletter.issues.test_sends import can_send_tests
from newsletter.models import NewsletterArchivePage, NewsletterIssuePage
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
        "Newsletter sends",
        reverse(f"{sending_admin.URL_NAMESPACE}:index"),
        icon_name="mail",
        order=310,
    )


@hooks.register("register_page_header_buttons")
def issue_header_buttons(page: Page, user, view_name: str, next_url=None):
    """On an issue, for those who may send: "Send a test" and (published) "Send to lists"; on an
    archive: "Start an issue from recent content"."""
    specific_class = page.specific_class
    permissions = page.permissions_for_user(user)
    if specific_class is NewsletterIssuePage and can_send_tests(user, page):
        yield Button(
            "Send a test",
            reverse(f"{issue_admin.URL_NAMESPACE}:test_send", args=[page.pk]),
            icon_name="mail",
            priority=40,
        )
    if (
        specific_class is NewsletterIssuePage
        and page.live
        and user.has_perm(sending_admin.SEND_PERMISSION)
    ):
        yield Button(
            "Send to lists",
            reverse(f"{sending_admin.URL_NAMESPACE}:new", args=[page.pk]),
            icon_name="mail",
            priority=41,
        )
    if specific_class is NewsletterArchivePage and permissions.can_add_subpage():
        yield Button(
            "Start an issue from recent content",
            reverse(f"{issue_admin.URL_NAMESPACE}:start_issue", args=[page.pk]),
            icon_name="plus",
            priority=5,
        )


@hooks.register("register_log_actions")
def register_newsletter_log_actions(actions) -> None:
    actions.register_action("newsletter.test_send", "Send test", "Test email sent")
    actions.register_action("newsletter.send", "Send", "Sending started")
    for action in sending_admin.ACTIONS:
        label = action.replace("_", " ").capitalize()
        actions.register_action(f"newsletter.{action}", label, f"Send: {label.lower()}")
