"""The demo's admin in a real browser: the issue's page header offers "Send a test" and "Send to
lists", the archive's "Start an issue", and the dashboard shows the newsletter panel."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from newsletter.models import NewsletterArchivePage, NewsletterIssuePage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "pw-e2e-demo-admin-1"


def log_in_to_the_demo(live_server, page) -> None:
    call_command("load_demo_content", admin_password=PASSWORD, stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_issue_header_buttons_lead_to_the_test_form(live_server, page, artifacts):
    log_in_to_the_demo(live_server, page)
    issue = NewsletterIssuePage.objects.live().first()
    page.goto(live_server.url + reverse("wagtailadmin_pages:edit", args=[issue.pk]))

    header = page.locator("header.w-slim-header")
    test_button = header.get_by_role("link", name="Send a test")
    send_button = header.get_by_role("link", name="Send to lists")
    assert test_button.is_visible() and send_button.is_visible()  # not hidden in the "⋯" menu
    page.screenshot(path=str(artifacts / "admin-issue-header-buttons.png"))

    test_button.click()
    page.wait_for_url(re.compile(r"/admin/newsletter/issues/\d+/test-send/$"))
    assert page.get_by_role("button", name="Send the test").is_visible()

    archive = NewsletterArchivePage.objects.first()
    page.goto(live_server.url + reverse("wagtailadmin_explore", args=[archive.pk]))
    start = page.locator("header.w-slim-header").get_by_role("link", name="Start an issue")
    assert start.is_visible()
    start.click()
    page.wait_for_url(re.compile(r"/start-issue/$"))


def test_dashboard_shows_the_newsletter_panel(live_server, page, artifacts):
    log_in_to_the_demo(live_server, page)
    panel = page.locator("#newsletter-dashboard-section")
    assert panel.get_by_role("heading", name="Newsletter").is_visible()
    assert panel.get_by_text("Audience (active subscribers)").is_visible()
    assert panel.get_by_text("Pending confirmations").is_visible()
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "admin-dashboard-panel.png"))
