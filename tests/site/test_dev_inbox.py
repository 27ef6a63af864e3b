# ruff: noqa: F811 (pytest fixtures imported from other conftest modules)
"""The development inbox: with DEBUG on and no provider, every email the site sends is kept as
an .eml file and readable at /dev/inbox/; production and the tests keep their backends."""

from __future__ import annotations

import importlib
import re
from html import unescape

import pytest
from django.urls import clear_url_caches
from hostsite import inbox

from newsletter.issues.test_sends import send_test
from tests.newsletter.conftest import subscribe_form_data, supporters  # noqa: F401 (fixture)
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)
from tests.site.test_production_settings import environment, read_settings

pytestmark = pytest.mark.django_db
SUBSCRIBE = "/newsletter/subscribe/"


@pytest.fixture
def kept(settings, tmp_path):
    """The inbox backend, writing into a temporary folder."""
    settings.EMAIL_BACKEND = "hostsite.inbox.InboxBackend"
    settings.DEV_INBOX_DIR = tmp_path / "inbox"
    return settings.DEV_INBOX_DIR


@pytest.fixture
def debug_urls(settings):
    """The host's URLs as DEBUG builds them (the inbox is mounted only then)."""
    import hostsite.urls

    settings.DEBUG = True
    importlib.reload(hostsite.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(hostsite.urls)
    clear_url_caches()


def test_development_defaults_to_the_inbox_and_production_does_not(tmp_path):
    development = read_settings(environment(tmp_path, DEBUG="1"), "EMAIL_BACKEND", "DEV_INBOX_DIR")
    assert development["EMAIL_BACKEND"] == "hostsite.inbox.InboxBackend"
    assert development["DEV_INBOX_DIR"].endswith("var/inbox")
    chosen = read_settings(environment(tmp_path, DEBUG="1", EMAIL_ESP="mailgun"), "EMAIL_BACKEND")
    assert chosen["EMAIL_BACKEND"] == "anymail.backends.mailgun.EmailBackend"
    production = read_settings(environment(tmp_path, SECRET_KEY="x" * 60), "EMAIL_BACKEND", "DEBUG")
    assert production == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DEBUG": False,
    }


def test_a_confirmation_email_is_listed_and_readable(client, kept, debug_urls, supporters):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    assert len(list(kept.glob("*.eml"))) == 1

    listing = client.get("/dev/inbox/")  # the test client is 127.0.0.1: a local browser
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "ada@example.org" in html
    link = re.search(r'href="(/dev/inbox/[^"]+/)"', html).group(1)

    shown = client.get(link).content.decode()
    assert "<iframe" in shown and 'sandbox="' in shown and "allow-scripts" not in shown
    srcdoc = unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert "<html" in srcdoc.lower()  # the HTML part, escaped into the attribute
    text = unescape(re.search(r"<pre>(.*?)</pre>", shown, re.S).group(1))
    assert "/newsletter/confirm/" in text  # the text part, with the confirmation link
    assert "<dt>To</dt><dd>ada@example.org</dd>" in shown


def test_the_newest_message_comes_first_and_shows_list_unsubscribe(
    client, kept, debug_urls, supporters, issue, superuser
):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    send_test(issue, ["admin@example.org"], superuser)
    client.force_login(superuser)

    html = client.get("/dev/inbox/", REMOTE_ADDR="203.0.113.9").content.decode()  # staff: allowed
    subjects = re.findall(r'<a href="/dev/inbox/[^"]+/">([^<]+)</a>', html)
    assert len(subjects) == 2 and subjects[0].startswith("[TEST]")
    link = re.search(r'href="(/dev/inbox/[^"]+/)"', html).group(1)
    assert "<dt>List-Unsubscribe</dt>" in client.get(link).content.decode()


def test_strangers_and_production_get_404(client, kept, debug_urls, supporters, settings):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    # (A 404 outside the language prefixes is sent on to /en/…, a 404 too: follow it.)
    assert client.get("/dev/inbox/", REMOTE_ADDR="203.0.113.9", follow=True).status_code == 404
    assert client.get("/dev/inbox/../../etc/passwd/", follow=True).status_code == 404
    settings.DEBUG = False  # mounted, but switched off
    assert client.get("/dev/inbox/", follow=True).status_code == 404


def test_without_debug_the_inbox_is_not_mounted(client, kept, supporters):
    client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))
    assert inbox.list_messages()  # kept …
    assert client.get("/dev/inbox/", follow=True).status_code == 404  # … but not served
