"""A reader subscribes on the public site in Chromium, confirms from the email, then leaves
from the preference page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from newsletter.audience.subscriptions import audience_count
from newsletter.models import MailingList, SubscribePage, Subscription, Suppression

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CONFIRM_LINK = re.compile(r"https?://\S+/newsletter/confirm/[^\s/]+/")


def test_subscribe_confirm_and_unsubscribe_in_the_browser(
    live_server, page, artifacts, home_page, settings
):
    settings.BASE_URL = live_server.url  # links in the email point at this server
    supporters = MailingList.objects.create(
        name="Supporters", slug="supporters", description="News and actions, twice a month."
    )
    join = home_page.add_child(
        instance=SubscribePage(
            title="Get our newsletter",
            slug="join",
            intro="<p>News from the campaigns, twice a month.</p>",
            mailing_list=supporters,
        )
    )
    join.save_revision().publish()

    page.goto(live_server.url + join.url)
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text().strip() == "Get our newsletter"
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_label("Name (optional)").fill("Rea Der")
    page.get_by_label(re.compile("Yes, I want to receive email newsletters")).check()
    page.screenshot(path=str(artifacts / "subscribe-flow-form.png"), full_page=True)
    page.get_by_role("button", name="Subscribe").click()

    page.wait_for_url(re.compile(r"/newsletter/subscribe/thanks/$"))
    assert page.locator("h1").inner_text().strip() == "Check your inbox"
    assert audience_count(supporters) == 0  # nobody is active before confirming

    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    [link] = CONFIRM_LINK.findall(message.body)
    page.goto(link)
    assert page.locator("h1").inner_text().strip() == "Confirm your subscription"
    page.get_by_role("button", name="Confirm my subscription").click()
    page.wait_for_selector('h1:has-text("You\'re subscribed")')
    assert audience_count(supporters) == 1
    page.screenshot(path=str(artifacts / "subscribe-flow-confirmed.png"), full_page=True)

    page.get_by_role("link", name="change your preferences").click()
    page.wait_for_url(re.compile(r"/newsletter/preferences/[^/]+/$"))
    assert page.locator("h1").inner_text().strip() == "Your email preferences"
    assert page.get_by_label(re.compile("Supporters")).is_checked()
    page.screenshot(path=str(artifacts / "subscribe-flow-preferences.png"), full_page=True)
    page.get_by_role("button", name="Unsubscribe from all emails").click()

    page.wait_for_selector('h1:has-text("You\'re unsubscribed")')
    assert "will no longer receive any of our emails" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "subscribe-flow.png"), full_page=True)
    assert audience_count(supporters) == 0
    record = Subscription.objects.get()
    assert record.status == Subscription.Status.UNSUBSCRIBED
    assert record.confirmed_at is not None
    assert Suppression.objects.filter(email="reader@example.org").exists()


def test_audience_manager_reads_the_consent_history_in_the_admin(
    live_server, page, artifacts, django_user_model, roles
):
    from newsletter.audience import subscriptions
    from newsletter.audience.consent import current_consent

    supporters = MailingList.objects.create(name="Supporters", slug="supporters")
    subscriptions.subscribe(
        "reader@example.org",
        supporters,
        subscriptions.ConsentRecord(consent_text=current_consent("en"), ip_address="203.0.113.5"),
    )
    subscriptions.confirm(Subscription.objects.get())
    manager = django_user_model.objects.create_user("aud", "aud@example.org", "pw-aud-1")
    manager.groups.add(roles["Audience managers"])

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("aud")
    page.get_by_label("Password").fill("pw-aud-1")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/admin/newsletter/subscriber/?status=active")
    page.get_by_role("link", name="Inspect").first.click()
    page.wait_for_selector("text=Consent history")
    main = page.locator("main").inner_text()
    assert "reader@example.org" in main and "203.0.113.5" in main
    assert "Yes, I want to receive email newsletters" in main
    page.screenshot(path=str(artifacts / "audience-admin-inspect.png"), full_page=True)
