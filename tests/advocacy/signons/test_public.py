"""The sign-on form on the letter, the confirmation email and link, and bad input."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from advocacy.confirmations import SIGN_ON_SALT, sign_token
from advocacy.models import SignOnRequest
from newsletter.models import Subscription
from tests.advocacy.signons.conftest import (
    confirm_links,
    form_data,
    path_of,
    sign_url,
)


def test_the_form_shows_only_while_the_letter_takes_signatures(client, letter_factory):
    closed = letter_factory(1, slug="closed")
    assert "Sign this letter for your organisation" not in client.get(closed.url).text

    open_letter = letter_factory(1, slug="open", accepts_signatures=True)
    html = client.get(open_letter.url).text
    assert "Sign this letter for your organisation" in html
    assert f'action="/letters/{open_letter.pk}/sign/"' in html
    assert "csrfmiddlewaretoken" not in html  # the cached page sets no cookie
    assert "newsletter" not in html.split('id="sign-on"')[1].split("</form>")[0].lower()

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = letter_factory(1, slug="ended", accepts_signatures=True, signatures_close_on=yesterday)
    html = client.get(ended.url).text
    assert "Sign this letter for your organisation" not in html
    assert "Signatures closed on" in html
    assert closed.pk


def test_the_consent_checkbox_shows_the_wording_when_the_letter_offers_a_list(client, letter):
    html = client.get(letter.url).text
    assert "Yes, I want to receive email newsletters" in html
    assert "Supporters" in html


def test_submitting_records_a_pending_request_and_sends_one_email(client, letter):
    response = client.post(
        sign_url(letter), form_data(), REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT="Firefox/140"
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/letters/sign/thanks/")
    thanks = client.get(response["Location"])
    assert "Check your inbox" in thanks.text

    sign_on = SignOnRequest.objects.get()
    assert sign_on.status == SignOnRequest.Status.PENDING
    assert sign_on.organisation_name == "Masjid Al-Salam"
    assert sign_on.ip_address == "203.0.113.5"
    assert sign_on.wants_newsletter is False
    assert letter.signatories.count() == 2  # nothing on the letter

    [message] = mail.outbox
    assert message.to == ["amina@example.org"]
    assert letter.title in message.subject
    [link] = confirm_links()
    assert link in message.alternatives[0][0]
    # Nothing the visitor typed is echoed into the email.
    assert "Masjid" not in message.body and "Amina" not in message.body
    assert "alsalam.example.org" not in message.body
    assert "Masjid Al-Salam" not in client.get(letter.url).text


def test_the_answer_is_the_same_for_a_known_address(client, letter):
    first = client.post(sign_url(letter), form_data())
    again = client.post(sign_url(letter), form_data())  # still pending, moments later
    other = client.post(sign_url(letter), form_data(contact_email="new@example.org"))
    assert first.status_code == again.status_code == other.status_code == 302
    assert first["Location"] == again["Location"] == other["Location"]
    assert SignOnRequest.objects.count() == 2  # no duplicate for the same contact
    assert len(mail.outbox) == 2  # the repeat inside the resend interval sent nothing


@override_settings(NEWSLETTER_CONFIRM_RESEND_INTERVAL=0)
def test_a_second_request_while_pending_sends_the_email_again(client, letter):
    client.post(sign_url(letter), form_data())
    client.post(sign_url(letter), form_data(organisation_name="masjid al salam"))
    assert SignOnRequest.objects.count() == 1
    assert len(mail.outbox) == 2
    client.post(sign_url(letter), form_data())
    client.post(sign_url(letter), form_data())  # the address's daily allowance is used up
    assert len(mail.outbox) == 3


def test_confirming_needs_a_click_then_waits_for_moderation(client, letter):
    client.post(sign_url(letter), form_data())
    [link] = confirm_links()

    page = client.get(path_of(link))  # a mail scanner's prefetch changes nothing
    assert page.status_code == 200
    assert "Confirm our signature" in page.text
    assert "Masjid Al-Salam" in page.text
    assert SignOnRequest.objects.get().status == SignOnRequest.Status.PENDING

    done = client.post(path_of(link), REMOTE_ADDR="198.51.100.7")
    assert done.status_code == 200
    assert "your signature is confirmed" in done.text
    sign_on = SignOnRequest.objects.get()
    assert sign_on.status == SignOnRequest.Status.CONFIRMED
    assert sign_on.confirmed_ip_address == "198.51.100.7"
    assert letter.signatories.count() == 2  # still nothing public before approval
    assert "Masjid Al-Salam" not in client.get(letter.url).text
    assert not Subscription.objects.exists()  # the box was not ticked


def test_consent_ticked_subscribes_on_confirmation(client, letter, supporters):
    client.post(sign_url(letter), form_data(newsletter="on"), HTTP_USER_AGENT="Firefox/140")
    message = mail.outbox[0]
    assert "Supporters" in message.body  # the email says confirming subscribes them
    assert not Subscription.objects.exists()
    [link] = confirm_links()
    client.post(path_of(link), REMOTE_ADDR="198.51.100.7")

    subscription = Subscription.objects.get()
    assert subscription.mailing_list == supporters
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.source == Subscription.Source.SIGN_ON
    assert subscription.consent_type == Subscription.ConsentType.EXPRESS
    assert subscription.consent_text.text.startswith("Yes, I want to receive email newsletters")
    assert subscription.confirmed_ip_address == "198.51.100.7"
    assert subscription.source_detail.endswith("/newsroom/letter/")
    assert subscription.subscriber.email == "amina@example.org"


def test_forged_and_expired_links_get_a_clear_page(client, letter):
    client.post(sign_url(letter), form_data())
    [link] = confirm_links()
    forged = client.post(path_of(link)[:-3] + "xx/")
    assert forged.status_code == 400
    assert "This link is not valid" in forged.text

    sign_on = SignOnRequest.objects.get()
    with override_settings(NEWSLETTER_CONFIRM_MAX_AGE=-1):
        expired = client.post(path_of(link))
    assert expired.status_code == 400
    assert "This link has expired" in expired.text
    assert SignOnRequest.objects.get().status == SignOnRequest.Status.PENDING

    from newsletter.audience.tokens import confirmation_token  # another kind of link

    wrong_kind = sign_token(sign_on.public_id, "newsletter.confirm")
    assert client.get(f"/letters/sign/confirm/{wrong_kind}/").status_code == 400
    assert confirmation_token  # imported only to show the salts differ
    assert sign_token(sign_on.public_id, SIGN_ON_SALT) != wrong_kind


def test_missing_authorisation_shows_the_form_again_with_the_error(client, letter):
    response = client.post(sign_url(letter), form_data(authorised=""))
    assert response.status_code == 400
    assert "Tick the box to confirm you may sign for the organisation." in response.text
    assert f"<title>{letter.title}" in response.text or letter.title in response.text
    assert 'value="Masjid Al-Salam"' in response.text
    assert not SignOnRequest.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    "bad",
    [
        {"province": "XX"},
        {"contact_email": "not an address"},
        {"organisation_name": "A\x00B"},
        {"organisation_name": "x" * 300},
        {"website": "javascript:alert(1)"},
        {"consent_version": "zzzz", "newsletter": "on"},
        {"city": ""},
    ],
)
def test_malformed_posts_get_400(client, letter, bad):
    response = client.post(sign_url(letter), form_data(**bad))
    assert response.status_code == 400
    assert not SignOnRequest.objects.exists()


def test_oversized_posts_get_400(client, letter):
    response = client.post(sign_url(letter), form_data(contact_role="x" * 40_000))
    assert response.status_code == 400
    assert "nothing was recorded" in response.text
    assert not SignOnRequest.objects.exists()


def test_posts_to_a_closed_or_unknown_letter(client, letter_factory):
    closed = letter_factory(1, slug="closed")
    assert client.post(sign_url(closed), form_data()).status_code == 400
    # An unknown letter is a 404 at once (no redirect to an /en/ address).
    assert client.post("/letters/999999/sign/", form_data()).status_code == 404
    assert not SignOnRequest.objects.exists()


def test_a_post_without_a_csrf_token_asks_for_one_more_press(letter):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(sign_url(letter), form_data())
    assert response.status_code == 200
    assert "press the button again" in response.text
    assert "csrfmiddlewaretoken" in response.text
    assert not SignOnRequest.objects.exists()
    token = response.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    again = browser.post(sign_url(letter), form_data(csrfmiddlewaretoken=token))
    assert again.status_code == 302
    assert SignOnRequest.objects.count() == 1


def test_the_honeypot_answers_as_usual_and_records_nothing(client, letter):
    response = client.post(sign_url(letter), form_data(fax="buy now"))
    assert response.status_code == 302
    assert not SignOnRequest.objects.exists()


@override_settings(ADVOCACY_FORM_RATE="2/h")
def test_too_many_posts_from_one_client_get_429(client, letter):
    for n in range(2):
        client.post(sign_url(letter), form_data(contact_email=f"c{n}@example.org"))
    response = client.post(sign_url(letter), form_data(contact_email="c9@example.org"))
    assert response.status_code == 429
    assert response["Retry-After"]
    assert SignOnRequest.objects.count() == 2


def test_pages_and_emails_are_in_the_letters_language(client, letter_factory, supporters):
    from wagtail.models import Locale

    letter = letter_factory(1, accepts_signatures=True)
    french, _ = Locale.objects.get_or_create(language_code="fr")
    letter.locale = french
    letter.save()
    response = client.post(sign_url(letter), form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert SignOnRequest.objects.get().language == "fr"
    [link] = confirm_links()
    page = client.get(path_of(link), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "fr"


def test_a_link_clicked_after_signatures_closed_confirms_nothing(client, letter):
    client.post(sign_url(letter), form_data())
    [link] = confirm_links()
    letter.signatures_close_on = timezone.localdate() - datetime.timedelta(days=1)
    letter.save_revision().publish()

    response = client.post(path_of(link))

    assert response.status_code == 400 and "Signatures are closed" in response.text
    assert SignOnRequest.objects.get().status == SignOnRequest.Status.PENDING


@pytest.mark.parametrize("value", ["²", "١٢", "12a", "9" * 20])
def test_odd_numbers_in_addresses_are_not_server_errors(client, letter, admin_client, value):
    assert client.get(f"/letters/sign/thanks/?letter={value}").status_code == 200
    assert admin_client.get(f"/admin/sign-ons/?letter={value}").status_code == 200


def test_the_pages_script_gets_a_token_so_one_press_signs(letter):
    """What sign-on.js does: ask for a token, then post the form with it, once."""
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(letter.url).text
    assert 'data-token-url="/letters/sign/token/"' in html and "sign-on.js" in html

    answer = browser.get("/letters/sign/token/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert "csrftoken" in answer.cookies  # the cookie the token goes with
    token = answer.json()["token"]

    response = browser.post(sign_url(letter), {**form_data(), "csrfmiddlewaretoken": token})

    assert response.status_code == 302 and "/letters/sign/thanks/" in response["Location"]
    assert SignOnRequest.objects.count() == 1 and len(mail.outbox) == 1
