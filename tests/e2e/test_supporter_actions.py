"""Issue #16 in a real browser: an organisation signs an open letter and a moderator approves
it in the admin; a supporter writes to three ministers and the letters go out through
Anymail's Mailgun backend to the loopback Mailgun server."""

from __future__ import annotations

import datetime
import json
import re
from email.utils import parseaddr

import pytest
from django.core import mail

from advocacy.models import CampaignWinPage, Representative
from advocacy.models.actions import ActionTarget
from newsletter.sender import sender_identity
from tests.advocacy.actions.conftest import make_action
from tests.advocacy.conftest import make_letter
from tests.support.axe import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SIGN_ON_LINK = re.compile(r"https?://[^\s\"<>]+/letters/sign/confirm/[^\s\"<>/]+/")
ACTION_LINK = re.compile(r"https?://[^\s\"<>]+/actions/confirm/[^\s\"<>/]+/")
MINISTERS = [
    ("Anita Anand", "Minister of Foreign Affairs", "anand@parl.example.ca"),
    ("David McGuinty", "Minister of National Defence", "mcguinty@parl.example.ca"),
    ("Mark Carney", "Prime Minister", "carney@parl.example.ca"),
]


def signatory_count(page, live_server, letter_id: int) -> int:
    """The count the public API gives (fetched with the browser context, as JSON)."""
    answer = page.context.request.get(f"{live_server.url}/api/v2/pages/{letter_id}/?format=json")
    assert answer.ok
    return json.loads(answer.text())["signatory_count"]


def test_an_organisation_signs_a_letter_and_a_moderator_approves_it(
    live_server, page, artifacts, newsroom, superuser, settings
):
    settings.BASE_URL = live_server.url  # links in the email point at this server
    letter = make_letter(newsroom, 3, accepts_signatures=True)
    before = signatory_count(page, live_server, letter.pk)
    assert before == 3

    page.goto(live_server.url + letter.url)
    form = page.locator("#sign-on form")
    assert_accessible(page, "the letter with its sign-on form")
    form.get_by_label("Organisation name").fill("Masjid Al-Salam")
    form.get_by_label("City").fill("Ottawa")
    form.get_by_label("Province or territory").select_option("ON")
    form.get_by_label("Your name").fill("Amina Haddad")
    form.get_by_label("Your email address").fill("amina@example.org")
    form.get_by_label("Your role in the organisation").fill("Board chair")
    form.get_by_label(re.compile("I am authorised to sign")).check()
    form.get_by_role("button", name="Sign the letter").click()
    # The cacheable letter page carries no CSRF token; its script fetches one before the first
    # submit, so one press is enough (without the script a second press is asked for:
    # tests/advocacy/signons/test_public.py).
    page.wait_for_url(re.compile(r"/letters/sign/thanks/"))
    assert page.locator("h1").inner_text().strip() == "Check your inbox"

    [message] = mail.outbox
    assert message.to == ["amina@example.org"]
    [link] = SIGN_ON_LINK.findall(message.body)
    page.goto(link)
    assert page.locator("h1").inner_text().strip() == "Confirm your signature"
    page.get_by_role("button", name="Confirm our signature").click()
    page.wait_for_selector('h1:has-text("your signature is confirmed")')
    assert "Masjid Al-Salam" not in page.context.request.get(live_server.url + letter.url).text()

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("pw-admin-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Sign-ons (1)").click()
    page.wait_for_url(re.compile(r"/admin/sign-ons/"))
    page.get_by_role("link", name="Masjid Al-Salam").click()
    assert "amina@example.org" in page.locator("main").inner_text()  # moderators see contacts
    page.get_by_role("button", name="Approve: add to the letter").click()
    page.wait_for_selector("text=is now on")
    page.screenshot(path=str(artifacts / "signon-approved-admin.png"), full_page=True)

    page.context.clear_cookies()  # the public page, as a reader sees it
    page.goto(live_server.url + letter.url)
    names = page.locator("#signatories-list > li").all_inner_texts()
    assert len(names) == 4 and "Masjid Al-Salam" in names[-1]
    assert "amina@example.org" not in page.content() and "Amina" not in page.content()
    assert signatory_count(page, live_server, letter.pk) == before + 1


def test_a_supporter_writes_to_three_ministers_and_the_win_counts_the_letters(
    live_server, page, artifacts, newsroom, mailgun, settings
):
    settings.BASE_URL = live_server.url
    action = make_action(newsroom, "write-ministers")
    for n, (name, role, email) in enumerate(MINISTERS):
        minister = Representative.objects.create(name=name, role=role, email=email)
        ActionTarget.objects.create(page=action, representative=minister, sort_order=n)
    win = newsroom.add_child(
        instance=CampaignWinPage(
            title="Arms permits paused",
            slug="arms-permits-paused",
            date=datetime.date(2025, 6, 1),
            outcome="win",
            action=action,
        )
    )
    win.save_revision().publish()

    page.goto(live_server.url + action.url)
    assert_accessible(page, "the letter-writing action")
    assert "Please stop all arms exports." in page.locator(".action-letter").inner_text()
    page.get_by_label("Your name").fill("Amira Haddad")
    page.get_by_label("Email address").fill("amira@example.org")
    page.get_by_label("Postal code").fill("K2P 1A1")
    page.get_by_label("Your own words (optional)").fill("My family lives in Ottawa.")
    page.get_by_role("button", name="Send my letter").click()
    page.wait_for_url(re.compile(r"/actions/thanks/"))
    assert page.locator("h1").inner_text().strip() == "Check your inbox"

    [confirmation] = mailgun.deliveries
    assert confirmation.to == "amira@example.org"
    [link] = ACTION_LINK.findall(confirmation["text"])
    page.goto(link)
    assert page.locator("h1").inner_text().strip() == "Confirm your letter"
    page.get_by_role("button", name="Confirm and send").click()
    page.wait_for_selector('h1:has-text("Thank you")')
    assert mailgun.wait_for_deliveries(5)  # the confirmation, three letters, the copy

    organisation = parseaddr(sender_identity().from_address())[1]
    counts = mailgun.delivery_counts()
    for _name, _role, email in MINISTERS:
        assert counts[email] == 1
        [call] = [c for c in mailgun.calls if email in c["to"]]
        assert call["to"] == [email] and call["subject"] == "Stop arms exports now"
        assert parseaddr(call["from"])[1] == organisation
        assert parseaddr(call["headers"]["Reply-To"])[1] == "amira@example.org"
        assert "My family lives in Ottawa." in call["text"]
    assert counts["amira@example.org"] == 2  # the confirmation, then the copy
    assert mailgun.total_deliveries == 5

    page.goto(live_server.url + win.url)
    assert "3 emails sent" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "action-win-count.png"), full_page=True)
