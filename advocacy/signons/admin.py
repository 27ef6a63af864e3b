"""The moderation queue in the Wagtail admin: its URLs, its menu item (with the number of
requests waiting, shown only to moderators and audience managers) and its history entries.
The views are in :mod:`advocacy.signons.admin_views`."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem

from advocacy.signons import admin_views


@hooks.register("register_admin_urls")
def sign_on_admin_urls() -> list:
    return [
        path(
            "sign-ons/",
            include(
                (admin_views.urls(), admin_views.URL_NAMESPACE),
                namespace=admin_views.URL_NAMESPACE,
            ),
        )
    ]


class SignOnMenuItem(MenuItem):
    """ "Sign-ons (3)": the count is of confirmed requests waiting for a decision."""

    def is_shown(self, request: HttpRequest) -> bool:
        return admin_views.can_see(request.user)

    def render_component(self, request: HttpRequest) -> LinkMenuItem:
        waiting = admin_views.waiting_count()
        label = f"{self.label} ({waiting})" if waiting else self.label
        return LinkMenuItem(self.name, label, self.url, icon_name=self.icon_name, attrs=self.attrs)


@hooks.register("register_admin_menu_item")
def sign_on_menu_item() -> MenuItem:
    return SignOnMenuItem(
        _("Sign-ons"),
        reverse(f"{admin_views.URL_NAMESPACE}:index"),
        name="sign-ons",
        icon_name="group",
        order=320,
    )


@hooks.register("register_log_actions")
def register_sign_on_log_actions(actions) -> None:
    actions.register_action("advocacy.sign_on_approve", _("Approve sign-on"), _("Sign-on approved"))
    actions.register_action("advocacy.sign_on_reject", _("Reject sign-on"), _("Sign-on rejected"))
