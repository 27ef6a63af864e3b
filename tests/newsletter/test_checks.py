"""System checks that name an unsafe newsletter configuration (``manage.py check --deploy``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.middleware.locale import LocaleMiddleware
from wagtail.models import Site

from newsletter.models import NewsletterSettings

SAFE = {
    "DEBUG": False,
    "BASE_URL": "https://news.example.ca",
    "ANYMAIL": {"WEBHOOK_SECRET": "tracker:s3cret"},
    "DEFAULT_FROM_EMAIL": "news@news.example.ca",
    "NEWSLETTER_SENDER_NAME": "Climate Action Network",
    "NEWSLETTER_POSTAL_ADDRESS": "123 Main St, Ottawa ON K1A 0A1",
    "NEWSLETTER_CONTACT_EMAIL": "info@news.example.ca",
}


@pytest.fixture
def safe(db, settings):
    """A production-like configuration with no newsletter warning; tests change one thing."""
    for name, value in SAFE.items():
        setattr(settings, name, value)
    Site.objects.filter(is_default_site=True).update(hostname="news.example.ca", port=443)
    return settings


def newsletter_warnings(deploy: bool = True) -> str:
    """What `manage.py check [--deploy]` prints about the newsletter ("" when nothing)."""
    out, err = StringIO(), StringIO()
    options = {"deploy": deploy, "tags": ["newsletter"], "fail_level": "ERROR"}
    call_command("check", stdout=out, stderr=err, **options)
    return err.getvalue()


def test_the_safe_configuration_has_no_newsletter_warning(safe):
    assert newsletter_warnings() == ""


def test_http_base_url_without_debug(safe):
    safe.BASE_URL = "http://news.example.ca"
    Site.objects.filter(is_default_site=True).update(port=80)
    output = newsletter_warnings()
    assert "newsletter.W001" in output
    assert "BASE_URL is 'http://news.example.ca', not https" in output
    assert "Set BASE_URL to the site's public https address" in output
    safe.DEBUG = True
    assert "newsletter.W001" not in newsletter_warnings()


def test_site_on_another_port_than_base_url(safe):
    """A Site on port 8000 and BASE_URL on 9000: one email would link to both."""
    safe.DEBUG = True
    safe.BASE_URL = "http://localhost:9000"
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=8000)
    output = newsletter_warnings(deploy=False)  # shown by runserver and every command too
    assert "newsletter.W002" in output
    assert "BASE_URL is http://localhost:9000" in output
    assert "the default Wagtail site is http://localhost:8000" in output
    assert "hostname 'localhost' and port 9000" in output

    Site.objects.filter(is_default_site=True).update(port=9000)
    assert newsletter_warnings(deploy=False) == ""


def test_site_on_another_host_than_base_url(safe):
    Site.objects.filter(is_default_site=True).update(hostname="localhost", port=80)
    output = newsletter_warnings()
    assert "newsletter.W002" in output
    assert "https://news.example.ca" in output
    assert "http://localhost" in output


def test_no_webhook_secret(safe):
    safe.ANYMAIL = {"MAILGUN_API_KEY": "key-1"}
    output = newsletter_warnings()
    assert "newsletter.W003" in output
    assert "Set ANYMAIL_WEBHOOK_SECRET" in output


@pytest.mark.parametrize(
    "address",
    ["webmaster@localhost", "news@localhost", "news@example.com", "news@mail.example.org", "news"],
)
def test_placeholder_sender_address(safe, address):
    safe.DEFAULT_FROM_EMAIL = address
    safe.NEWSLETTER_CONTACT_EMAIL = "info@news.example.ca"
    output = newsletter_warnings()
    assert "newsletter.W004" in output
    assert f"sent from {address!r}" in output
    assert "Set DEFAULT_FROM_EMAIL to an address on your organisation's own domain" in output


def test_sender_email_saved_in_the_admin_wins(safe):
    """The check reads the sender identity the emails use: the saved settings come first."""
    safe.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    site = Site.objects.get(is_default_site=True)
    NewsletterSettings.objects.update_or_create(
        site=site, defaults={"sender_email": "hello@climate-action.ca"}
    )
    assert "newsletter.W004" not in newsletter_warnings()


def test_from_without_the_organisation_name(safe):
    safe.NEWSLETTER_SENDER_NAME = ""
    safe.WAGTAIL_SITE_NAME = ""
    output = newsletter_warnings()
    assert "newsletter.W005" in output
    assert "without the organisation's name" in output
    assert "Set NEWSLETTER_SENDER_NAME" in output


def test_sender_address_with_its_own_display_name(safe):
    safe.DEFAULT_FROM_EMAIL = "Climate Action Network <news@news.example.ca>"
    output = newsletter_warnings()
    assert "newsletter.W005" in output
    assert "not a bare address" in output


def test_incomplete_casl_identity(safe):
    safe.NEWSLETTER_POSTAL_ADDRESS = ""
    output = newsletter_warnings()
    assert "newsletter.W006" in output
    assert "lacks a postal address" in output
    assert "Set NEWSLETTER_POSTAL_ADDRESS" in output
    assert "NEWSLETTER_CONTACT_EMAIL" not in output

    site = Site.objects.get(is_default_site=True)
    NewsletterSettings.objects.update_or_create(
        site=site, defaults={"mailing_address": "45 Rue Principale, Montréal QC H2X 1Y4"}
    )
    assert newsletter_warnings() == ""


def test_placeholder_contact_is_no_contact(safe):
    safe.NEWSLETTER_CONTACT_EMAIL = "info@example.com"
    output = newsletter_warnings()
    assert "newsletter.W006" in output
    assert "Set NEWSLETTER_CONTACT_EMAIL" in output


def test_production_only_checks_wait_for_deploy(safe):
    safe.ANYMAIL = {}
    safe.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    assert newsletter_warnings(deploy=False) == ""
    assert "newsletter.W003" in newsletter_warnings(deploy=True)


def test_warnings_fail_a_strict_deploy_check(safe):
    safe.ANYMAIL = {}
    with pytest.raises(SystemCheckError, match=r"newsletter\.W003"):
        call_command(
            "check", deploy=True, tags=["newsletter"], fail_level="WARNING", stderr=StringIO()
        )


class HostLocaleMiddleware(LocaleMiddleware):
    """A host's own subclass, as the demo site has."""


def test_translated_pages_without_locale_middleware_are_named(settings):
    from newsletter.checks import LOCALE_MIDDLEWARE, check_languages

    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fr", "Français")]
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "LocaleMiddleware" not in m]

    errors = check_languages()

    assert [e.id for e in errors] == ["newsletter.E006"]
    assert LOCALE_MIDDLEWARE in errors[0].hint
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.HostLocaleMiddleware"]
    assert check_languages() == []  # a subclass of Django's will do
    settings.WAGTAIL_I18N_ENABLED = False
    assert check_languages() == []


def test_a_send_stops_on_a_broken_configuration_while_status_still_answers(db, settings):
    """`newsletter_send` runs the newsletter's checks first and names what is missing;
    `newsletter_status`, which only reads, starts without any (scripts poll it)."""
    del settings.BASE_URL
    with pytest.raises(SystemCheckError, match=r"newsletter\.E004.*BASE_URL is not set"):
        call_command("newsletter_send", "latest", "--list", "supporters", skip_checks=False)
    out = StringIO()
    call_command("newsletter_status", stdout=out)  # it has no checks to run or skip
    assert out.getvalue().strip() == "No sends yet."
