"""The shapes of the errors that name what a host site must add for an app to work: a missing
app, a missing URL include (or one behind Wagtail's catch-all), a missing base template.

Used by the newsletter's and the advocacy app's system checks; imports no models.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, Resolver404, ResolverMatch, resolve, reverse

from newsletter.apps import missing_apps

Messages = list[checks.CheckMessage]

WAGTAIL_CATCH_ALL = 'path("", include(wagtail_urls))'


def missing_app_errors(required: dict[str, str], who: str, error_id: str) -> Messages:
    """One error per app in ``required`` (name: what it is for) missing from INSTALLED_APPS."""
    return [
        checks.Error(
            f'"{name}" is not in INSTALLED_APPS: {who} needs it for {required[name]}.',
            hint=f'Add "{name}" to INSTALLED_APPS.',
            id=error_id,
        )
        for name in missing_apps(required)
    ]


def resolve_named(url_name: str) -> tuple[str | None, ResolverMatch | None]:
    """The path of the URL named ``url_name`` (None: no such URL), and what answers it."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None, None
    try:
        return url, resolve(url)
    except Resolver404:
        return url, None


def _view_path(match: ResolverMatch | None) -> str:
    """The dotted path of the view that answers ``match``, e.g. ``wagtail.views.serve``."""
    if match is None:
        return "no view"
    func = match.func
    module = getattr(func, "__module__", None) or type(func).__module__
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{name}"


def root_urlconf() -> str:
    """The dotted name of the root URLconf."""
    urlconf = settings.ROOT_URLCONF
    return urlconf if isinstance(urlconf, str) else getattr(urlconf, "__name__", str(urlconf))


def include_errors(
    url_name: str, include: str, views: Collection[Any], purpose: str, error_id: str
) -> Messages:
    """An error when the URL named ``url_name`` is missing (``include`` is not in the URLconf),
    or answered by another view than ``views`` (``include`` comes after Wagtail's catch-all)."""
    url, match = resolve_named(url_name)
    urlconf = root_urlconf()
    if url is None:
        return [
            checks.Error(
                f'No URL is named "{url_name}": {include} is not in the URLconf, so {purpose}.',
                hint=(
                    f"Add {include} to urlpatterns in {urlconf}, before Wagtail's "
                    f"{WAGTAIL_CATCH_ALL}."
                ),
                id=error_id,
            )
        ]
    if match is not None and match.func in views:
        return []
    return [
        checks.Error(
            f"{url} is answered by {_view_path(match)}, not by {include}: the include comes "
            f"after a pattern that catches the same URLs (Wagtail's catch-all?), so {purpose}.",
            hint=f"Move {include} above Wagtail's {WAGTAIL_CATCH_ALL} in {urlconf}.",
            id=error_id,
        )
    ]


def base_template_errors(
    name: str, setting: str, pages: str, consequence: str, error_id: str
) -> Messages:
    """An error when ``name``, the base template ``pages`` extend (``setting``), is missing."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return [
            checks.Error(
                f"{pages} extend {name!r} ({setting}), which no template directory has: "
                f"{consequence}.",
                hint=(
                    f"Set {setting} to your site's base template, e.g. "
                    f'{setting} = "mysite/base.html", with the blocks of `wagtail '
                    "start`'s base.html (title, extra_css, content, extra_js)."
                ),
                id=error_id,
            )
        ]
    return []
