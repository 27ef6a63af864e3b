"""System checks that name what a host site must add for advocacy to work (errors, run with
every ``manage.py`` command): the apps beside it in ``INSTALLED_APPS``, its URL include before
Wagtail's catch-all, and the base template its pages extend. Each hint is the line to add.

Separate from the newsletter's checks, which need its models: advocacy also runs without the
newsletter app installed.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from advocacy import urls as advocacy_urls
from advocacy.apps import REQUIRED_APPS, missing_apps
from advocacy.models.base import base_template

Messages = list[checks.CheckMessage]

PUBLIC_INCLUDE = 'path("", include("advocacy.urls"))'
WAGTAIL_CATCH_ALL = 'path("", include(wagtail_urls))'
FEED_URL_NAME = "advocacy:feed"


def check_required_apps(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E001: each app advocacy needs beside it in ``INSTALLED_APPS``."""
    return [
        checks.Error(
            f'"{name}" is not in INSTALLED_APPS: advocacy needs it for {REQUIRED_APPS[name]}.',
            hint=f'Add "{name}" to INSTALLED_APPS.',
            id="advocacy.E001",
        )
        for name in missing_apps(REQUIRED_APPS, apps)
    ]


def _view_path(func: Any) -> str:
    module = getattr(func, "__module__", None) or type(func).__module__
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{name}"


def check_public_urls(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E002: ``advocacy.urls`` (the RSS feed) included, and before Wagtail's catch-all."""
    urlconf = settings.ROOT_URLCONF
    purpose = "the site has no RSS feed of statements, letters and wins"
    try:
        url = reverse(FEED_URL_NAME)
    except NoReverseMatch:
        return [
            checks.Error(
                f'No URL is named "{FEED_URL_NAME}": {PUBLIC_INCLUDE} is not in the URLconf, '
                f"so {purpose}.",
                hint=(
                    f"Add {PUBLIC_INCLUDE} to urlpatterns in {urlconf}, before Wagtail's "
                    f"{WAGTAIL_CATCH_ALL}."
                ),
                id="advocacy.E002",
            )
        ]
    try:
        match = resolve(url)
    except Resolver404:
        match = None
    if match is not None and match.func in {
        pattern.callback for pattern in advocacy_urls.urlpatterns
    }:
        return []
    answered_by = _view_path(match.func) if match is not None else "no view"
    return [
        checks.Error(
            f"{url} is answered by {answered_by}, not by {PUBLIC_INCLUDE}: the include comes "
            f"after a pattern that catches the same URLs (Wagtail's catch-all?), so {purpose}.",
            hint=f"Move {PUBLIC_INCLUDE} above Wagtail's {WAGTAIL_CATCH_ALL} in {urlconf}.",
            id="advocacy.E002",
        )
    ]


def check_base_template(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E003: the template the public pages extend (``ADVOCACY_BASE_TEMPLATE``) exists."""
    name = base_template()
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return [
            checks.Error(
                f"The advocacy pages extend {name!r} (ADVOCACY_BASE_TEMPLATE), which no template "
                "directory has: every statement, letter, win, newsroom and timeline page fails.",
                hint=(
                    "Set ADVOCACY_BASE_TEMPLATE to your site's base template, e.g. "
                    'ADVOCACY_BASE_TEMPLATE = "mysite/base.html", with the blocks of `wagtail '
                    "start`'s base.html (title, extra_css, content, extra_js)."
                ),
                id="advocacy.E003",
            )
        ]
    return []
