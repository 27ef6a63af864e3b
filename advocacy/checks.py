"""System checks that name what a host site must add for advocacy to work (errors, run with
every ``manage.py`` command): the apps beside it in ``INSTALLED_APPS``, its URL include before
Wagtail's catch-all, and the base template its pages extend. Each hint is the line to add.

The shapes of the messages are the newsletter's (``newsletter.host_checks``), so both apps word
them alike.
"""

from __future__ import annotations

from typing import Any

from advocacy import supporter_urls
from advocacy import urls as advocacy_urls
from advocacy.apps import REQUIRED_APPS
from advocacy.models.base import base_template
from newsletter.host_checks import (
    Messages,
    base_template_errors,
    include_errors,
    missing_app_errors,
)

PUBLIC_INCLUDE = 'path("", include("advocacy.urls"))'
FEED_URL_NAME = "advocacy:feed"
SUPPORTER_INCLUDE = 'path("", include("advocacy.supporter_urls"))'
SUPPORTER_URL_NAME = "advocacy_supporters:action_thanks"


def check_required_apps(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E001: each app advocacy needs beside it in ``INSTALLED_APPS``."""
    return missing_app_errors(REQUIRED_APPS, "advocacy", "advocacy.E001")


def check_public_urls(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E002: ``advocacy.urls`` (the RSS feed) included, and before Wagtail's catch-all."""
    return include_errors(
        FEED_URL_NAME,
        PUBLIC_INCLUDE,
        {pattern.callback for pattern in advocacy_urls.urlpatterns},
        "the site has no RSS feed of statements, letters and wins",
        "advocacy.E002",
    )


def check_base_template(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E003: the template the public pages extend (``ADVOCACY_BASE_TEMPLATE``) exists."""
    return base_template_errors(
        base_template(),
        "ADVOCACY_BASE_TEMPLATE",
        "The advocacy pages",
        "every statement, letter, win, newsroom and timeline page fails",
        "advocacy.E003",
    )


def check_supporter_urls(app_configs: Any = None, **kwargs: Any) -> Messages:
    """E004: ``advocacy.supporter_urls`` (action and sign-on forms, their confirmation links,
    the JSON endpoints) included, and before Wagtail's catch-all."""
    return include_errors(
        SUPPORTER_URL_NAME,
        SUPPORTER_INCLUDE,
        {pattern.callback for pattern in supporter_urls.urlpatterns},
        "supporters cannot take actions or sign letters, nor confirm by the emailed links",
        "advocacy.E004",
    )
