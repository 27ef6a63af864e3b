"""What a host site must add for advocacy, named: the apps it needs (a system check, or, for
an app without which Django cannot even start, ImproperlyConfigured naming every missing app),
its URL include before Wagtail's catch-all, and its base template."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from advocacy import checks

ROOT = Path(__file__).resolve().parents[2]
URLCONFS = "tests.newsletter.urlconfs"


def without_apps(*names: str):
    is_installed = apps.is_installed
    return mock.patch.object(
        apps, "is_installed", lambda name: name not in names and is_installed(name)
    )


def test_the_project_needs_nothing_more():
    assert checks.check_required_apps() == [] and checks.check_public_urls() == []
    assert checks.check_base_template() == []


@pytest.mark.parametrize(
    "app",
    ["wagtail.contrib.settings", "wagtail.snippets", "wagtail.images", "wagtail.embeds", "taggit"],
)
def test_each_missing_app_is_named_with_the_line_to_add(app):
    with without_apps(app):
        messages = checks.check_required_apps()
    assert [m.id for m in messages] == ["advocacy.E001"]
    assert messages[0].msg.startswith(f'"{app}" is not in INSTALLED_APPS: advocacy needs it')
    assert messages[0].hint == f'Add "{app}" to INSTALLED_APPS.'


def test_missing_url_include_is_named(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.without_includes"
    messages = checks.check_public_urls()
    assert [m.id for m in messages] == ["advocacy.E002"]
    assert 'No URL is named "advocacy:feed"' in messages[0].msg
    assert messages[0].hint == (
        f'Add path("", include("advocacy.urls")) to urlpatterns in {URLCONFS}.without_includes, '
        'before Wagtail\'s path("", include(wagtail_urls)).'
    )


def test_include_after_wagtails_catch_all_is_named(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.after_catch_all"
    messages = checks.check_public_urls()
    assert [m.id for m in messages] == ["advocacy.E002"]
    assert messages[0].msg.startswith("/feed/ is answered by wagtail.views.serve")
    assert messages[0].hint.startswith('Move path("", include("advocacy.urls")) above')


def test_an_app_needed_to_start_stops_the_start_naming_every_missing_app():
    """Without wagtail.images Django would fail in another app's ready() with an error that
    names nothing; advocacy stops first, with every app advocacy and the newsletter miss."""
    config = apps.get_app_config("advocacy")
    missing = without_apps("wagtail.images", "taggit", "wagtail_modeladmin")
    with missing, pytest.raises(ImproperlyConfigured) as failure:
        config.import_models()
    message = str(failure.value)
    assert message.startswith("advocacy and newsletter need these apps in INSTALLED_APPS")
    assert '    "wagtail.images",  # advocacy: images on pages' in message
    assert "; newsletter: images in newsletter issues" in message
    assert '    "taggit",  # advocacy: the topics of pages' in message
    assert '    "wagtail_modeladmin",  # newsletter: ' in message


def test_a_site_without_wagtail_images_fails_to_start_with_improperly_configured():
    """For real, in a fresh process: django.setup() raises ImproperlyConfigured naming the app."""
    script = textwrap.dedent(
        """
        import django
        from django.conf import settings

        settings.configure(
            INSTALLED_APPS=[
                "advocacy", "newsletter", "wagtail.contrib.settings", "wagtail_modeladmin",
                "wagtail.embeds", "wagtail.sites", "wagtail.users", "wagtail.snippets",
                "wagtail.documents", "wagtail.search", "wagtail.admin", "wagtail",
                "modelcluster", "taggit", "django.contrib.auth", "django.contrib.contenttypes",
            ],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        )
        django.setup()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    last_lines = result.stderr.strip().splitlines()[-2:]
    assert last_lines[0].startswith("django.core.exceptions.ImproperlyConfigured: advocacy and")
    assert last_lines[1] == (
        '    "wagtail.images",  # advocacy: images on pages (without it the site does not start); '
        "newsletter: images in newsletter issues"
    )


def test_a_missing_base_template_is_named(settings):
    settings.ADVOCACY_BASE_TEMPLATE = "mysite/no_such_base.html"
    messages = checks.check_base_template()
    assert [m.id for m in messages] == ["advocacy.E003"]
    assert "extend 'mysite/no_such_base.html' (ADVOCACY_BASE_TEMPLATE)" in messages[0].msg
    assert 'ADVOCACY_BASE_TEMPLATE = "mysite/base.html"' in messages[0].hint
