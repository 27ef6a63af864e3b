"""Every Wagtail hook of the advocacy app: snippets for organisations and donation appeals;
the open letter's paste-to-sign (organisations created on save only, the report shown after);
the snippets Comms editors manage (newsletter roles); and what advocacy adds to newsletter
issues (blocks, recent content, the default appeal)."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from advocacy.actions.admin import ADVOCACY_MENU_HOOK, RepresentativeViewSet
from advocacy.forms import allow_creating_organisations
from advocacy.models import (
    AdvocacyPage,
    AdvocacySettings,
    DonationAppeal,
    OpenLetterPage,
    Organisation,
)
from advocacy.newsletter_blocks import newsletter_blocks


class OrganisationFilterSet(WagtailFilterSet):
    class Meta:
        model = Organisation
        fields = ["province"]


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    list_display = ["name", "city", "province", "website"]
    list_per_page = 50
    # Searched in the database (name or city containing the words typed), not through the
    # search backend: Wagtail's SQLite backend can't restrict a search to some fields (every
    # query failed with "no such column: name"), and a substring match suits names.
    search_fields = ["name", "city"]
    search_backend_name = None
    filterset_class = OrganisationFilterSet
    ordering = ["name_key"]


class DonationAppealViewSet(SnippetViewSet):
    model = DonationAppeal
    icon = "pick"
    menu_label = _("Donation appeals")
    list_display = ["name", "headline", "suggested_amounts"]


class AdvocacySnippets(SnippetViewSetGroup):
    items = (OrganisationViewSet, DonationAppealViewSet, RepresentativeViewSet)
    submenu_hook = ADVOCACY_MENU_HOOK  # more items: e.g. "Postal areas" (advocacy.actions.admin)
    menu_icon = "folder-open-inverse"
    menu_label = _("Advocacy")
    menu_name = "advocacy"


register_snippet(AdvocacySnippets)


@hooks.register("insert_global_admin_css")
def signatory_list_css() -> str:
    """The open letter's signatory list: a scrolling box in columns."""
    return format_html('<link rel="stylesheet" href="{}">', static("advocacy/admin.css"))


AUTOSAVE_PAUSED = _(
    "Autosave is paused: pasted and ticked signatories are applied when you save a draft or "
    "publish."
)


def pause_autosave_or_allow_creating_organisations(request):
    """On a POST to save an open letter, let its form create the pasted organisations.

    The preview views run no hook, so their ``form.save(commit=False)`` writes nothing: see
    ``advocacy.forms.allow_creating_organisations``.

    Wagtail 8 also autosaves: about a second after the editor stops typing, its ``w-autosave``
    controller posts the whole form to the same edit (or create) view with
    ``Accept: application/json``. Applied then, a paste being typed would create organisations
    from half-typed names and sign the draft with them, and a ticked signatory would be removed
    while its checkbox stays ticked, so the next save fails with "Select a valid choice". So
    while the paste box has text or a box is ticked, autosave is refused with a JSON error,
    the response Wagtail's own views give for an invalid form: its indicator shows the message
    as "paused" and the unsaved-changes warning stays on. Saving a draft or publishing is a
    normal form POST (not JSON), which applies them and reloads the page; autosave carries on.
    """
    pending = request.POST.get("paste_signatories", "").strip() or request.POST.getlist(
        "remove_signatories"
    )
    if pending and not request.accepts("text/html"):  # Wagtail's test for a JSON request
        return JsonResponse(
            {
                "success": False,
                "error_code": "validation_error",
                "error_message": str(AUTOSAVE_PAUSED),
            },
            status=400,
        )
    allow_creating_organisations(request.user)
    return None


@hooks.register("before_edit_page")
def before_saving_a_letter(request, page):
    if request.method == "POST" and isinstance(page, OpenLetterPage):
        return pause_autosave_or_allow_creating_organisations(request)
    return None


@hooks.register("before_create_page")
def before_creating_a_letter(request, parent_page, page_class):
    if request.method == "POST" and issubclass(page_class, OpenLetterPage):
        return pause_autosave_or_allow_creating_organisations(request)
    return None


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def report_pasted_signatories(request, page) -> None:
    """Tell the editor what the paste-to-sign field did (added, skipped and why)."""
    report = getattr(request.user, "_signatory_paste_report", None)
    if report is not None:
        del request.user._signatory_paste_report
        messages.info(request, report.summary())


# --- what advocacy adds to the newsletter's roles ----------------------------------------------


@hooks.register("register_newsletter_role_models")
def advocacy_models_for_newsletter_roles() -> dict[str, list[str]]:
    """Comms editors manage organisations, donation appeals, representatives and the postal-area
    table; Audience managers see and manage sign-on requests and action participations (personal
    data). ``manage.py newsletter_setup_roles`` gives each group add, change, delete and view."""
    return {
        "Comms editors": [
            "advocacy.Organisation",
            "advocacy.DonationAppeal",
            "advocacy.Representative",
            "advocacy.RidingArea",
        ],
        "Audience managers": [
            "advocacy.SignOnRequest",
            "advocacy.Participation",
            "advocacy.ActionMessage",
        ],
    }


# --- what advocacy adds to newsletter issues ----------------------------------------------------

hooks.register("register_newsletter_blocks", newsletter_blocks)


@hooks.register("newsletter_recent_pages")
def advocacy_pages_for_newsletters():
    """Statements, open letters and wins: the content an issue features."""
    return AdvocacyPage.objects.all()


@hooks.register("newsletter_new_issue_blocks")
def default_appeal_for_new_issues(site) -> list[tuple[str, dict]]:
    """A new issue asks for donations when the site has a default appeal."""
    if site and AdvocacySettings.for_site(site).default_donation_appeal_id:
        return [("donation_appeal", {"appeal": None})]
    return []


# --- supporter actions and sign-ons: each package registers its own admin screens -----------

from advocacy.actions import admin as action_admin  # noqa: E402,F401
from advocacy.signons import admin as sign_on_admin  # noqa: E402,F401
