"""Admin registration: snippets for organisations and donation appeals; the open letter's
paste-to-sign (organisations created on save only, the report shown after)."""

from __future__ import annotations

from django.contrib import messages
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from advocacy.forms import allow_creating_organisations
from advocacy.models import DonationAppeal, OpenLetterPage, Organisation


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


@hooks.register("before_edit_page")
def saving_a_letter_may_create_organisations(request, page) -> None:
    """Saving (POST to the edit view) may create pasted organisations; previewing may not.

    The preview views run no hook, so their ``form.save(commit=False)`` writes nothing. See
    ``advocacy.forms.allow_creating_organisations``.
    """
    if request.method == "POST" and isinstance(page, OpenLetterPage):
        allow_creating_organisations(request.user)


@hooks.register("before_create_page")
def creating_a_letter_may_create_organisations(request, parent_page, page_class) -> None:
    """As ``saving_a_letter_may_create_organisations``, for the create view."""
    if request.method == "POST" and issubclass(page_class, OpenLetterPage):
        allow_creating_organisations(request.user)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def report_pasted_signatories(request, page) -> None:
    """Tell the editor what the paste-to-sign field did (added, skipped and why)."""
    report = getattr(request.user, "_signatory_paste_report", None)
    if report is not None:
        del request.user._signatory_paste_report
        messages.info(request, report.summary())
