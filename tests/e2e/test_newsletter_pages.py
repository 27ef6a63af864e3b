"""The newsletter's public pages in Chromium, on the demo: the navigation leads to them, the
consent checkbox is easy to hit, a failed submission stays on its page with a summary of the
problems, and the home page's form works in place without setting a cookie."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from newsletter.models import SubscribePage, Subscriber

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def load_demo() -> None:
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_failed_submission_stays_on_the_subscribe_page_with_a_summary(
    live_server, page, artifacts
):
    load_demo()
    join = SubscribePage.objects.live().filter(locale__language_code="en").get()
    page.goto(live_server.url + "/newsroom/")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Newsletter").click()
    page.wait_for_url(re.compile(r"/newsletter/$"))
    assert page.locator("h1").inner_text().strip() == "Newsletter"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Subscribe").click()
    page.wait_for_url(re.compile(re.escape(join.url) + "$"))
    title = page.title()
    assert title.startswith(join.title)

    consent = page.get_by_role("checkbox")
    box = consent.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    label = page.locator("label.checkbox__label").bounding_box()
    assert label["height"] >= 44  # the whole sentence is the target

    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name=join.button_label).click()
    page.wait_for_selector(".error-summary")

    assert page.title() == title
    assert page.locator("h1").inner_text().strip() == join.title
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert page.evaluate("document.activeElement.className") == "error-summary"
    email = page.get_by_label("Email address")
    assert email.get_attribute("aria-invalid") == "true"
    described = page.locator("#" + email.get_attribute("aria-describedby")).inner_text()
    assert "Enter a valid email address" in described
    assert page.get_by_role("checkbox").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(artifacts / "newsletter-subscribe-errors.png"), full_page=True)

    summary.get_by_role("link", name=re.compile("Tick the box")).click()
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=join.button_label).click()
    page.wait_for_url(re.compile(r"/newsletter/subscribe/thanks/$"))
    assert Subscriber.objects.filter(email="reader@example.org").exists()


def test_the_home_page_form_answers_in_place_and_sets_no_cookie(live_server, page, artifacts):
    load_demo()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/en/")
    assert page.context.cookies() == []  # nothing that keeps the page out of the cache

    form = page.locator("form.subscribe-form")
    form.get_by_role("button", name="Subscribe").click()
    page.wait_for_selector(".error-summary")
    assert page.url == live_server.url + "/en/"
    assert "Enter your email address." in form.get_by_role("alert").inner_text()
    assert form.get_by_label("Email address").get_attribute("aria-invalid") == "true"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    form.screenshot(path=str(artifacts / "newsletter-home-form-errors-375.png"))

    form.get_by_label("Email address").fill("phone@example.org")
    form.get_by_role("checkbox").check()
    form.get_by_role("button", name="Subscribe").click()
    done = page.get_by_role("status")
    assert "Check your inbox" in done.inner_text()
    assert page.url == live_server.url + "/en/"
    assert Subscriber.objects.filter(email="phone@example.org").exists()
