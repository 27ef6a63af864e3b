"""The errors that tell a host site what to add for the newsletter: each app missing from
INSTALLED_APPS, each URL include (missing, or after Wagtail's catch-all), BASE_URL and the base
template of the public pages, each named with the exact line to add."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from newsletter import checks

URLCONFS = "tests.newsletter.urlconfs"
ERRORS = (
    checks.check_required_apps,
    checks.check_public_urls,
    checks.check_webhook_urls,
    checks.check_base_url_set,
    checks.check_base_template,
)


def errors() -> list:
    return [message for check in ERRORS for message in check()]


def text(messages: list) -> str:
    return "\n".join(f"{m.id} {m.msg}\nHINT: {m.hint}" for m in messages)


def without_apps(*names: str):
    """INSTALLED_APPS as the checks see it, without ``names``."""
    is_installed = apps.is_installed
    return mock.patch.object(
        apps, "is_installed", lambda name: name not in names and is_installed(name)
    )


def test_the_project_needs_nothing_more():
    assert errors() == []


@pytest.mark.django_db
def test_the_project_passes_manage_py_check():
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)  # SystemCheckError on any error
    assert "System check identified" in out.getvalue() + err.getvalue()
    assert "ERRORS:" not in err.getvalue()


@pytest.mark.parametrize(
    "app", ["wagtail.contrib.settings", "wagtail_modeladmin", "wagtail.images"]
)
def test_each_missing_app_is_named_with_the_line_to_add(app):
    with without_apps(app):
        messages = checks.check_required_apps()
    assert [m.id for m in messages] == ["newsletter.E001"]
    assert messages[0].msg.startswith(f'"{app}" is not in INSTALLED_APPS: the newsletter needs it')
    assert messages[0].hint == f'Add "{app}" to INSTALLED_APPS.'


def test_every_missing_app_is_named_at_once():
    with without_apps("wagtail.contrib.settings", "wagtail_modeladmin"):
        output = text(checks.check_required_apps())
    assert 'Add "wagtail.contrib.settings" to INSTALLED_APPS.' in output
    assert 'Add "wagtail_modeladmin" to INSTALLED_APPS.' in output


def test_missing_url_includes_are_named(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.without_includes"
    public, webhooks = checks.check_public_urls(), checks.check_webhook_urls()
    assert [m.id for m in public + webhooks] == ["newsletter.E002", "newsletter.E003"]
    assert 'No URL is named "newsletter:subscribe"' in public[0].msg
    assert public[0].hint == (
        f'Add path("", include("newsletter.urls")) to urlpatterns in {URLCONFS}.without_includes, '
        'before Wagtail\'s path("", include(wagtail_urls)).'
    )
    assert "bounces and complaints never suppress an address" in webhooks[0].msg
    assert 'Add path("anymail/", include("newsletter.webhook_urls"))' in webhooks[0].hint


def test_includes_after_wagtails_catch_all_are_named(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.after_catch_all"
    public, webhooks = checks.check_public_urls(), checks.check_webhook_urls()
    assert [m.id for m in public + webhooks] == ["newsletter.E002", "newsletter.E003"]
    assert public[0].msg.startswith("/newsletter/subscribe/ is answered by wagtail.views.serve")
    assert public[0].hint == (
        'Move path("", include("newsletter.urls")) above Wagtail\'s '
        f'path("", include(wagtail_urls)) in {URLCONFS}.after_catch_all.'
    )
    assert "is answered by wagtail.views.serve" in webhooks[0].msg
    assert webhooks[0].hint.startswith('Move path("anymail/", include("newsletter.webhook_urls"))')


def test_anymails_own_webhook_urls_are_not_enough(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.anymail_urls"
    assert checks.check_public_urls() == []
    messages = checks.check_webhook_urls()
    assert [m.id for m in messages] == ["newsletter.E003"]
    assert "Anymail's own view" in messages[0].msg
    assert messages[0].hint == (
        'Replace include("anymail.urls") with path("anymail/", include("newsletter.webhook_urls")) '
        f"in {URLCONFS}.anymail_urls."
    )


def test_the_newsletter_needs_no_advocacy_url(settings):
    settings.ROOT_URLCONF = f"{URLCONFS}.newsletter_only"
    assert checks.check_public_urls() == [] and checks.check_webhook_urls() == []


def test_missing_base_url_is_named_with_a_value(settings):
    del settings.BASE_URL
    messages = checks.check_base_url_set()
    assert [m.id for m in messages] == ["newsletter.E004"]
    assert "BASE_URL is not set" in messages[0].msg
    assert "they point at http://localhost:8000" in messages[0].msg
    assert 'BASE_URL = "http://localhost:8000"' in messages[0].hint
    assert 'BASE_URL = "https://news.example.org"' in messages[0].hint


@pytest.mark.parametrize("value", ["news.example.org", "/news", "ftp://news.example.org", ""])
def test_base_url_without_http_scheme_and_host(settings, value):
    settings.BASE_URL = value
    messages = checks.check_base_url_set()
    assert [m.id for m in messages] == ["newsletter.E004"]
    assert f"BASE_URL is {value!r}, not an http(s) address" in messages[0].msg


@pytest.mark.django_db
def test_manage_py_check_fails_and_names_them(settings):
    """Registered: `manage.py check` (and so `migrate`, `runserver`) stops on them."""
    settings.ROOT_URLCONF = f"{URLCONFS}.without_includes"
    del settings.BASE_URL
    with pytest.raises(SystemCheckError) as failure, without_apps("wagtail_modeladmin"):
        call_command("check", "--tag", "newsletter", stdout=StringIO(), stderr=StringIO())
    output = str(failure.value)
    for error_id in ("E001", "E002", "E003", "E004"):
        assert f"newsletter.{error_id}" in output
    assert 'Add "wagtail_modeladmin" to INSTALLED_APPS.' in output


def test_a_missing_base_template_is_named(settings):
    settings.NEWSLETTER_BASE_TEMPLATE = "mysite/no_such_base.html"
    messages = checks.check_base_template()
    assert [m.id for m in messages] == ["newsletter.E005"]
    assert "extend 'mysite/no_such_base.html' (NEWSLETTER_BASE_TEMPLATE)" in messages[0].msg
    assert 'NEWSLETTER_BASE_TEMPLATE = "mysite/base.html"' in messages[0].hint
    settings.NEWSLETTER_BASE_TEMPLATE = "newsletter/subscribe.html"  # any template that exists
    assert checks.check_base_template() == []
