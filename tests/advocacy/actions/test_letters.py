"""A supporter writes to representatives: the form, the emailed confirmation, the letters.

Nothing is sent or counted before the supporter confirms; each target then gets its own
letter from the organisation with the supporter as Reply-To, and the supporter gets a copy."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from advocacy.models import Participation
from advocacy.models.actions import ActionMessage
from newsletter.models import MailingList, Subscription
from newsletter.sender import sender_identity
from tests.advocacy.actions.conftest import confirm_path, last_confirm_path

SUPPORTER = {"name": "Amira Haddad", "email": "Amira@Example.org", "postal_code": "k2p1a1"}


def take(client: Client, page, **fields):
    url = reverse("advocacy_supporters:take_action", args=[page.pk])
    return client.post(url, {**SUPPORTER, **fields})


def confirm(client: Client, path: str, capture):
    with capture(execute=True):
        return client.post(path)


def test_the_page_shows_the_letter_and_the_form(client, letter_action):
    response = client.get(letter_action.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "Stop arms exports now" in html and "Please stop all arms exports." in html
    assert 'name="postal_code"' in html and 'name="personal_message"' in html
    assert 'name="body"' not in html  # the letter is not editable on this action
    assert "0</strong> supporters wrote" in html


def test_nothing_is_sent_or_counted_before_the_supporter_confirms(client, letter_action):
    response = take(client, letter_action, personal_message="My family lives in Gaza.")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("advocacy_supporters:action_thanks"))
    assert "Check your inbox" in client.get(response["Location"]).content.decode()
    assert [m.to for m in mail.outbox] == [["amira@example.org"]]  # the confirmation only
    assert "Amira" not in mail.outbox[0].body  # the form's words are not echoed to the address
    participation = Participation.objects.get()
    assert participation.status == Participation.Status.PENDING
    assert participation.postal_code == "K2P 1A1"
    assert letter_action.participant_count == 0 and letter_action.message_count == 0
    assert not ActionMessage.objects.exists()


def test_confirming_sends_one_letter_per_target_and_a_copy_through_mailgun(
    client, letter_action, ministers, mailgun, django_capture_on_commit_callbacks
):
    take(client, letter_action, personal_message="My family lives in Gaza.")
    (confirmation,) = mailgun.deliveries
    assert confirmation["to"] == "amira@example.org"
    path = confirm_path(confirmation["text"])

    page = client.get(path)
    assert page.status_code == 200 and b"Confirm and send" in page.content
    assert b"Anita Anand" in page.content and len(mailgun.deliveries) == 1  # GET sends nothing

    response = confirm(client, path, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and b"Thank you for writing!" in response.content
    letters = [d for d in mailgun.deliveries if d["to"].endswith("@parl.example.ca")]
    assert sorted(d["to"] for d in letters) == sorted(m.email for m in ministers)
    for letter in letters:
        call = letter.call
        assert call["from"] == sender_identity().from_address()  # never the supporter
        assert "amira@example.org" not in call["from"]
        assert call["headers"]["Reply-To"] == "Amira Haddad <amira@example.org>"
        assert letter["subject"] == "Stop arms exports now"
        assert letter["text"] == (
            "Dear Minister,\n\nPlease stop all arms exports.\n\nMy family lives in Gaza.\n\n"
            "Sincerely,\nAmira Haddad\nK2P 1A1\n"
        )
    (copy,) = mailgun.delivered_to("amira@example.org")[1:]
    assert "Anita Anand, David McGuinty, Mark Carney" in copy["text"]
    assert "My family lives in Gaza." in copy["text"]
    messages = ActionMessage.objects.all()
    assert {m.status for m in messages} == {ActionMessage.Status.SENT}
    assert all(m.message_id.startswith("<") for m in messages)
    assert letter_action.participant_count == 1 and letter_action.message_count == 3

    again = confirm(client, path, django_capture_on_commit_callbacks)  # a second click
    assert again.status_code == 200 and len(mailgun.deliveries) == 5
    assert client.get(path).status_code == 200  # the link now shows the thank-you page


def test_a_second_participation_by_the_same_address_changes_nothing(
    client, letter_action, django_capture_on_commit_callbacks
):
    take(client, letter_action)
    confirm(client, last_confirm_path(), django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    response = take(client, letter_action, email="amira@example.org", name="Someone else")
    assert response.status_code == 302  # the same answer as for a new address
    assert len(mail.outbox) == sent
    assert Participation.objects.get().name == "Amira Haddad"
    assert letter_action.participant_count == 1 and letter_action.message_count == 3


def test_a_pending_address_gets_the_email_again_after_the_interval(client, letter_action, settings):
    take(client, letter_action)
    take(client, letter_action)  # moments later: throttled
    assert len(mail.outbox) == 1
    settings.NEWSLETTER_CONFIRM_RESEND_INTERVAL = 0
    take(client, letter_action, personal_message="Corrected.")
    assert len(mail.outbox) == 2
    assert Participation.objects.get().personal_message == "Corrected."

    # New values, new link: the first email's link (which showed other values) is dead, so
    # whoever confirms sees, on the confirm page, exactly what they confirm.
    first, second = (confirm_path(message.body) for message in mail.outbox)
    assert first != second
    assert client.post(first).status_code == 400
    assert Participation.objects.get().status == Participation.Status.PENDING
    assert client.get(second).status_code == 200 and "Corrected." in client.get(second).text


@pytest.mark.parametrize("token", ["forged.token", "x" * 300, "abc"])
def test_a_forged_link_gets_a_clear_page_and_changes_nothing(client, letter_action, token):
    take(client, letter_action)
    path = reverse("advocacy_supporters:action_confirm", args=[token])
    response = client.post(path)
    assert response.status_code == 400 and b"This link is not valid" in response.content
    assert Participation.objects.get().status == Participation.Status.PENDING


def test_a_tampered_link_is_refused(client, letter_action):
    take(client, letter_action)
    path = last_confirm_path()
    response = client.post(path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:])
    assert response.status_code == 400
    assert Participation.objects.get().status == Participation.Status.PENDING


def test_an_expired_link_gets_a_clear_page(client, letter_action, settings):
    take(client, letter_action)
    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1  # every link is now older than its maximum age
    response = client.post(last_confirm_path())
    assert response.status_code == 400 and b"This link has expired" in response.content
    assert Participation.objects.get().status == Participation.Status.PENDING


def test_a_closed_action_shows_a_message_and_refuses_posts(client, letter_action):
    letter_action.accepting = False
    letter_action.save_revision().publish()
    page = client.get(letter_action.url)
    assert b"This action is closed" in page.content and b'name="email"' not in page.content
    response = take(client, letter_action)
    assert response.status_code == 400 and b"This action is closed" in response.content
    assert not Participation.objects.exists() and not mail.outbox


def test_a_confirmation_after_the_action_closed_counts_nothing(client, letter_action):
    take(client, letter_action)
    letter_action.accepting = False
    letter_action.save_revision().publish()
    response = client.post(last_confirm_path())
    assert response.status_code == 400
    assert Participation.objects.get().status == Participation.Status.PENDING


def test_invalid_input_shows_the_form_again_with_errors(client, letter_action):
    response = take(client, letter_action, email="not-an-address", postal_code="12345")
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Enter a Canadian postal code, like K1A 0B1." in html
    assert not Participation.objects.exists()


def test_a_post_without_a_csrf_token_asks_to_press_again(letter_action):
    response = take(Client(enforce_csrf_checks=True), letter_action)
    assert b"press the button again" in response.content
    assert not Participation.objects.exists() and not mail.outbox


def test_oversized_fields_are_refused_not_a_server_error(client, letter_action):
    response = take(client, letter_action, personal_message="x" * 5000, name="n" * 500)
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert not Participation.objects.exists()


def test_the_honeypot_answers_as_usual_and_does_nothing(client, letter_action):
    response = take(client, letter_action, website="http://spam.example")
    assert response.status_code == 302 and not Participation.objects.exists()


def test_the_rate_limit_answers_429(client, letter_action, settings):
    settings.ADVOCACY_FORM_RATE = "2/h"
    assert take(client, letter_action).status_code == 302
    assert take(client, letter_action).status_code == 302
    response = take(client, letter_action)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_ticking_the_box_subscribes_with_the_action_as_source(
    client, newsroom, ministers, django_capture_on_commit_callbacks
):
    from tests.advocacy.actions.conftest import make_action

    supporters = MailingList.objects.create(name="Supporters", slug="supporters")
    page = make_action(newsroom, "with-list", mailing_list=supporters)
    from advocacy.models.actions import ActionTarget

    ActionTarget.objects.create(page=page, representative=ministers[0])
    assert b"Supporters" in client.get(page.url).content
    take(client, page, consent="on", HTTP_USER_AGENT="Form browser")
    assert "also subscribes you" in mail.outbox[0].body
    assert not Subscription.objects.exists()  # not before confirming
    confirm(client, last_confirm_path(), django_capture_on_commit_callbacks)
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.source == Subscription.Source.ACTION
    assert subscription.subscriber.email == "amira@example.org"
    assert subscription.source_detail.endswith("/with-list/")
    assert subscription.consent_text is not None


def test_without_the_box_ticked_nobody_is_subscribed(
    client, newsroom, ministers, django_capture_on_commit_callbacks
):
    from advocacy.models.actions import ActionTarget
    from tests.advocacy.actions.conftest import make_action

    supporters = MailingList.objects.create(name="Supporters", slug="supporters")
    page = make_action(newsroom, "with-list", mailing_list=supporters)
    ActionTarget.objects.create(page=page, representative=ministers[0])
    take(client, page)
    assert "subscribes" not in mail.outbox[0].body
    confirm(client, last_confirm_path(), django_capture_on_commit_callbacks)
    assert not Subscription.objects.exists()


def test_an_address_gets_a_limited_number_of_confirmation_emails_a_day(
    client, letter_action, petition, settings
):
    settings.NEWSLETTER_CONFIRM_EMAILS_PER_DAY = 1
    take(client, letter_action)
    response = take(client, petition)
    assert response.status_code == 302  # the same answer
    assert len(mail.outbox) == 1 and Participation.objects.count() == 1


def test_re_sends_count_against_the_daily_allowance_too(letter_action, settings):
    """Posting again for a pending address, from ever new networks, after each interval:
    the address still gets no more than its allowance of emails a day."""
    settings.NEWSLETTER_CONFIRM_EMAILS_PER_DAY = 3
    settings.NEWSLETTER_CONFIRM_RESEND_INTERVAL = 0
    for n in range(6):
        response = take(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), letter_action)
        assert response.status_code == 302  # the same answer every time
    assert [m.to for m in mail.outbox] == [["amira@example.org"]] * 3
