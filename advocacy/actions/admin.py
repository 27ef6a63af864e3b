"""Admin screens for actions: representatives, postal areas, participations.

* Representatives are snippets in the Advocacy menu (list, search, filter by province), with an
  "Import CSV" button (add and change representatives).
* "Postal areas" (in the Advocacy menu): the table's size and an upload replacing it
  (add, change and delete postal areas: an upload replaces the table).
* "Action results" (main menu, and a button on each action page): live counts for whoever
  can edit the page; the participant list and its CSV export for ``advocacy.view_participation``.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from advocacy.actions import admin_views
from advocacy.models import ActionPage, Representative

ADVOCACY_MENU_HOOK = "register_advocacy_menu_item"


class RepresentativeFilterSet(WagtailFilterSet):
    class Meta:
        model = Representative
        fields = ["province"]


class RepresentativeIndexView(IndexView):
    """The representatives listing, with an "Import CSV" button for those who may add."""

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perms(admin_views.IMPORT_REPRESENTATIVES_PERMISSIONS):
            buttons.append(
                HeaderButton(
                    _("Import CSV"),
                    url=reverse("advocacy_import_representatives"),
                    icon_name="upload",
                )
            )
        return buttons


class RepresentativeViewSet(SnippetViewSet):
    model = Representative
    icon = "user"
    menu_label = _("Representatives")
    index_view_class = RepresentativeIndexView
    list_display = ["name", "role", "riding", "province", "party"]
    list_per_page = 50
    # A substring match in the database, as for organisations (see OrganisationViewSet).
    search_fields = ["name", "riding", "role"]
    search_backend_name = None
    filterset_class = RepresentativeFilterSet
    ordering = ["name"]


class PermissionMenuItem(MenuItem):
    """A menu item shown only to users with all of ``permissions``."""

    def __init__(self, *args, permissions: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.permissions = permissions

    def is_shown(self, request) -> bool:
        return request.user.has_perms(self.permissions)


class ResultsMenuItem(MenuItem):
    """Shown to users who can edit some page, or see participations."""

    def is_shown(self, request) -> bool:
        user = request.user
        if user.has_perm(admin_views.VIEW_PARTICIPATION_PERMISSION):
            return True
        return PagePermissionPolicy().user_has_any_permission(user, ["change", "publish"])


@hooks.register(ADVOCACY_MENU_HOOK)
def postal_areas_menu_item() -> MenuItem:
    return PermissionMenuItem(
        _("Postal areas"),
        reverse("advocacy_postal_areas"),
        name="postal-areas",
        icon_name="site",
        order=900,
        permissions=admin_views.IMPORT_POSTAL_AREAS_PERMISSIONS,
    )


@hooks.register("register_admin_menu_item")
def action_results_menu_item() -> MenuItem:
    return ResultsMenuItem(
        _("Action results"),
        reverse("advocacy_action_results"),
        name="action-results",
        icon_name="tasks",
        order=320,
    )


@hooks.register("register_admin_urls")
def action_admin_urls() -> list:
    return [
        path(
            "advocacy/representatives/import/",
            admin_views.import_representatives_view,
            name="advocacy_import_representatives",
        ),
        path("advocacy/postal-areas/", admin_views.postal_areas_view, name="advocacy_postal_areas"),
        path("advocacy/actions/", admin_views.results_index, name="advocacy_action_results"),
        path(
            "advocacy/actions/<int:page_id>/",
            admin_views.results_detail,
            name="advocacy_action_result",
        ),
        path(
            "advocacy/actions/<int:page_id>/retry/",
            admin_views.retry_letters,
            name="advocacy_action_retry",
        ),
        path(
            "advocacy/actions/<int:page_id>/participants/",
            admin_views.participants,
            name="advocacy_action_participants",
        ),
        path(
            "advocacy/actions/<int:page_id>/participants.csv",
            admin_views.participants_csv,
            name="advocacy_action_participants_csv",
        ),
    ]


def _results_button(page, user, priority: int):
    if issubclass(page.specific_class or type(page), ActionPage) and admin_views.can_see_results(
        user, page
    ):
        yield Button(
            _("Results"),
            url=reverse("advocacy_action_result", args=[page.pk]),
            icon_name="tasks",
            priority=priority,
        )


@hooks.register("register_page_header_buttons")
def results_header_button(page, user, view_name, next_url=None):
    """ "Results" in an action page's header menu."""
    yield from _results_button(page, user, priority=25)


@hooks.register("register_page_listing_more_buttons")
def results_listing_button(page, user, next_url=None):
    """ "Results" in an action's "More" menu in the page listing."""
    yield from _results_button(page, user, priority=45)
