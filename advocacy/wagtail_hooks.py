"""Admin registration: snippets for organisations and donation appeals, paste reports."""

from __future__ import annotations

from django.contrib import messages
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from advocacy.models import DonationAppeal, Organisation


class OrganisationFilterSet(WagtailFilterSet):
    class Meta:
        model = Organisation
        fields = ["province"]


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    list_display = ["name", "city", "province", "website"]
    list_per_page = 50
    search_fields = ["name", "city"]
    filterset_class = OrganisationFilterSet
    ordering = ["name_key"]


class DonationAppealViewSet(SnippetViewSet):
    model = DonationAppeal
    icon = "pick"
    menu_label = "Donation appeals"
    list_display = ["name", "headline", "suggested_amounts"]


class AdvocacySnippets(SnippetViewSetGroup):
    items = (OrganisationViewSet, DonationAppealViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = "Advocacy"
    menu_name = "advocacy"


register_snippet(AdvocacySnippets)


@hooks.register("insert_global_admin_css")
def signatory_list_css() -> str:
    """The open letter's signatory list: a scrolling box in columns."""
    return format_html('<link rel="stylesheet" href="{}">', static("advocacy/admin.css"))


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def report_pasted_signatories(request, page) -> None:
    """Tell the editor what the paste-to-sign field did (added, skipped and why)."""
    report = getattr(request.user, "_signatory_paste_report", None)
    if report is not None:
        del request.user._signatory_paste_report
        messages.info(request, report.summary())
