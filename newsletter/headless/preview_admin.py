"""The page editor's "Preview on the front end": an item in the editor's action menu that opens
the page's latest saved revision in the external front end (``NEWSLETTER_HEADLESS_PREVIEW_URL``,
e.g. ``"https://front.example.org/api/preview?token={token}"``), through an admin view that
checks the editor may edit the page and mints a token (``newsletter/headless/preview.py``).

The URL may also name ``{id}`` (the page id), ``{type}`` (e.g. ``advocacy.OpenLetterPage``) and
``{locale}`` (e.g. ``fr``). Without the setting there is no menu item and the view answers 404.
"""

from __future__ import annotations

from string import Formatter
from urllib.parse import quote

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.models import Page

from newsletter.admin_access import forbidden

# ``newsletter.headless.preview`` is imported in the functions that need it: it imports Wagtail's
# API v3 page schemas, whose building may load the ``wagtail_hooks`` modules, so this one.

URL_SETTING = "NEWSLETTER_HEADLESS_PREVIEW_URL"
URL_NAME = "newsletter_headless_preview"
URL_FIELDS = frozenset({"token", "id", "type", "locale"})


def url_problem(template: object) -> str | None:
    """What is wrong with ``template`` as a front-end preview URL, or None when it is usable."""
    if not isinstance(template, str):
        return f"{URL_SETTING} must be a string, got {type(template).__name__}."
    try:
        fields = {name for _text, name, _spec, _conv in Formatter().parse(template) if name}
    except ValueError as error:
        return f"{URL_SETTING} is not a valid format string ({error})."
    if "token" not in fields:
        example = "https://front.example.org/preview?token={token}"
        return f"{URL_SETTING} must contain {{token}}, e.g. '{example}'."
    unknown = sorted(fields - URL_FIELDS)
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(URL_FIELDS))
        return f"{URL_SETTING} may only use {allowed}; it uses {', '.join(unknown)}."
    return None


def front_end_url_template() -> str:
    """The front end's preview URL with its ``{token}`` placeholder, or '' when not set up;
    :class:`ImproperlyConfigured` when set but unusable."""
    template = getattr(settings, URL_SETTING, "") or ""
    problem = url_problem(template) if template else None
    if problem:
        raise ImproperlyConfigured(problem)
    return template


def front_end_url(template: str, page: Page, token: str) -> str:
    """``template`` filled in for ``page`` with ``token`` (each value URL-quoted)."""
    values = {
        "token": token,
        "id": str(page.pk),
        "type": page.specific_class._meta.label if page.specific_class else "",
        "locale": page.locale.language_code,
    }
    return template.format(**{name: quote(value, safe=":") for name, value in values.items()})


def unavailable(request: HttpRequest, message: str) -> HttpResponse:
    """HTTP 404 in the admin's frame, saying why there is nothing to preview."""
    return TemplateResponse(
        request,
        "newsletter/headless/preview_unavailable.html",
        {
            "page_title": _("Preview on the front end"),
            "header_icon": "warning",
            "message": message,
        },
        status=404,
    )


def preview_view(request: HttpRequest, page_id: int) -> HttpResponse:
    """Send an editor to the front end with a token for the page's latest saved revision."""
    from newsletter.headless.preview import preview_token

    template = front_end_url_template()
    if not template:
        return unavailable(
            request,
            _(
                "Preview on the front end is not set up: the site's settings give no front-end "
                "address (NEWSLETTER_HEADLESS_PREVIEW_URL)."
            ),
        )
    page = get_object_or_404(Page, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        return forbidden(request, _("You do not have permission to edit this page."))
    revision = page.get_latest_revision()
    if revision is None:
        return unavailable(
            request,
            _("This page has no saved draft yet. Save a draft, then open the preview again."),
        )
    response = HttpResponseRedirect(front_end_url(template, page, preview_token(revision)))
    # The address carries the token: keep it out of caches and of the front end's referrers.
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


class FrontEndPreviewMenuItem(ActionMenuItem):
    """ "Preview on the front end" in the page editor's action menu (a link, in a new tab)."""

    label = _("Preview on the front end")
    name = "action-headless-preview"
    icon_name = "view"
    template_name = "newsletter/headless/preview_menu_item.html"

    def is_shown(self, context: dict) -> bool:
        """On the edit view of a page the user may edit, when a usable front-end URL is set
        (a misconfigured one is reported by the system check, not by a broken editor)."""
        template = getattr(settings, URL_SETTING, "")
        if context.get("view") != "edit" or not template or url_problem(template):
            return False
        return self.get_user_page_permissions_tester(context).can_edit()

    def get_url(self, parent_context: dict) -> str:
        return reverse(URL_NAME, args=[parent_context["page"].pk])


def admin_urls() -> list:
    """The admin URL of :func:`preview_view`: ``/admin/headless-preview/<page id>/``."""
    return [path("headless-preview/<int:page_id>/", preview_view, name=URL_NAME)]


def menu_item() -> ActionMenuItem:
    """The action menu item, after Wagtail's own (Save draft, Publish, workflow actions)."""
    return FrontEndPreviewMenuItem(order=80)


def check_preview_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E020: ``NEWSLETTER_HEADLESS_PREVIEW_URL``, when set, is a format string with
    ``{token}``; E021: ``NEWSLETTER_HEADLESS_PREVIEW_SECONDS`` is a positive whole number."""
    from newsletter.headless.preview import SECONDS_SETTING, preview_seconds

    errors: list[checks.CheckMessage] = []
    template = getattr(settings, URL_SETTING, "")
    problem = url_problem(template) if template else None
    if problem:
        errors.append(
            checks.Error(
                problem,
                hint="Unset it to turn off preview on the front end.",
                id="newsletter.E020",
            )
        )
    try:
        preview_seconds()
    except ImproperlyConfigured as error:
        errors.append(
            checks.Error(
                str(error),
                hint=f"Leave {SECONDS_SETTING} unset for 30 minutes.",
                id="newsletter.E021",
            )
        )
    return errors


def register_preview_hooks() -> None:
    """Register the admin URL and the action menu item (from ``newsletter/wagtail_hooks.py``);
    the settings check is registered by ``NewsletterConfig.ready``."""
    hooks.register("register_admin_urls", admin_urls)
    hooks.register("register_page_action_menu_item", menu_item)
