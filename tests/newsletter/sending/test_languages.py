"""An issue and its French translation sent as one send, over real HTTP to the loopback Mailgun
and Postmark: each reader gets their language's version (the footer and appeal in it too),
everyone once across both; readers whose language has no translation get the issue's own, and
the review step says so before anything is sent."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Locale

from advocacy.models import DonationAppeal
from newsletter.audience.tokens import unsubscribe_url
from newsletter.models import (
    Batch,
    Delivery,
    Dispatch,
    DispatchVersion,
    NewsletterIssuePage,
    Subscriber,
    Subscription,
)
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send, previous_recipients
from newsletter.sending.versions import language_counts
from tests.newsletter.sending.conftest import add_subscribers
from tests.support.fake_postmark import FakePostmark

pytestmark = pytest.mark.django_db

FRENCH_SUBJECT = "Mars : victoires et lettres"
FRENCH_REASON = "Vous recevez ce courriel parce que vous êtes abonné à notre infolettre."


@pytest.fixture
def french(db, settings) -> Locale:
    """The French locale, with Wagtail's internationalisation on (as in the demo host; the
    plugin's own test settings run without it)."""
    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fr", "Français")]
    return Locale.objects.get_or_create(language_code="fr")[0]


def translate_issue(issue: NewsletterIssuePage, french: Locale) -> NewsletterIssuePage:
    """The issue's French translation (its parents translated too), published."""
    page = issue.copy_for_translation(french, copy_parents=True).specific
    page.title, page.subject = "Numéro de mars", FRENCH_SUBJECT
    page.body[0].value.source = "<p>Bonjour, voici les nouvelles du mois.</p>"  # the intro
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def translate_appeal(appeal: DonationAppeal, french: Locale) -> DonationAppeal:
    version = appeal.copy_for_translation(french)
    version.headline = "Gardons l'élan"
    version.save()
    return version


def readers(mailing_list, english: int, french: int) -> None:
    add_subscribers(mailing_list, english, prefix="en")
    add_subscribers(mailing_list, french, prefix="fr")
    Subscriber.objects.filter(email__startswith="fr").update(language="fr")


@pytest.fixture
def french_footer(newsletter_settings):
    newsletter_settings.reason_fr = FRENCH_REASON
    newsletter_settings.organisation_name_fr = "Conseil Exemple"
    newsletter_settings.save()
    return newsletter_settings


def test_each_reader_gets_the_issue_in_their_language_with_its_footer_and_appeal(
    issue, supporters, mailgun, french, french_footer, appeal
):
    french_issue = translate_issue(issue, french)
    translate_appeal(appeal, french)
    readers(supporters, english=3, french=2)

    send = create_send(issue, [supporters])
    start(send)

    assert send.versions.get().issue_id == french_issue.pk
    counts = mailgun.delivery_counts()
    assert len(counts) == 5 and set(counts.values()) == {1}  # everyone once
    for delivery in mailgun.deliveries:
        own_link = unsubscribe_url(Subscriber.objects.get(email=delivery["to"]))
        assert delivery["headers"]["List-Unsubscribe"] == f"<{own_link}>"
        assert delivery["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert own_link in delivery["html"]
        if delivery["to"].startswith("fr"):
            assert delivery["subject"] == FRENCH_SUBJECT
            assert '<html lang="fr"' in delivery["html"]
            assert "Bonjour, voici les nouvelles du mois." in delivery["html"]
            assert FRENCH_REASON in delivery["html"] and FRENCH_REASON in delivery["text"]
            assert "Gardons l'élan" in delivery["html"]  # the appeal's French version
            assert "Conseil Exemple" in delivery["html"]  # the footer's French name
        else:
            assert delivery["subject"] == issue.subject
            assert '<html lang="en"' in delivery["html"]
            assert FRENCH_REASON not in delivery["html"] and "Gardons" not in delivery["html"]
            assert "Keep the wins coming" in delivery["html"]
    assert mailgun.accepted_calls == 2  # one batch per language
    assert set(Batch.objects.filter(dispatch=send).values_list("language", flat=True)) == {
        "",
        "fr",
    }
    send.refresh_from_db()
    assert send.status == Dispatch.Status.SENT and send.language == "en"


def test_readers_without_a_translation_get_the_issue_s_language_and_the_review_counts_them(
    issue, supporters, mailgun, admin_client
):
    readers(supporters, english=2, french=3)

    groups = {g.language: g for g in language_counts(Subscriber.objects.all(), issue)}
    assert (groups["fr"].count, groups["fr"].version, groups["fr"].falls_back) == (3, "en", True)
    assert (groups["en"].count, groups["en"].falls_back) == (2, False)
    review = admin_client.post(
        reverse("newsletter_sending:new", args=[issue.pk]),
        {"lists": [supporters.pk], "when": "now"},
    )
    text = review.content.decode()
    assert "3 readers of Français get the issue in English" in text
    assert "no translation of the issue is published" in text

    start(create_send(issue, [supporters]))

    assert len(mailgun.delivery_counts()) == 5
    assert {d["subject"] for d in mailgun.deliveries} == {issue.subject}
    assert not DispatchVersion.objects.exists()


def test_nobody_gets_the_french_issue_after_the_english_one(issue, supporters, mailgun, french):
    french_issue = translate_issue(issue, french)
    readers(supporters, english=2, french=2)
    start(create_send(issue, [supporters]))

    previous = previous_recipients(french_issue, [supporters])
    again = create_send(french_issue, [supporters])
    start(again)

    assert previous.count == 4  # the review step says they all had it
    assert Delivery.objects.filter(dispatch=again).count() == 0
    assert len(mailgun.delivery_counts()) == 4 and set(mailgun.delivery_counts().values()) == {1}


def test_one_click_unsubscribe_from_the_french_email_and_its_page_in_french(
    issue, supporters, mailgun, french, client
):
    translate_issue(issue, french)
    readers(supporters, english=1, french=1)
    start(create_send(issue, [supporters]))
    delivery = mailgun.delivered_to("fr0@example.org")[0]
    link = delivery["headers"]["List-Unsubscribe"].strip("<>")

    one_click = client.post(link, {"List-Unsubscribe": "One-Click"})
    page = client.get(link)

    assert one_click.status_code == 200
    reader = Subscriber.objects.get(email="fr0@example.org")
    assert not reader.subscriptions.filter(status=Subscription.Status.ACTIVE).exists()
    assert page["Content-Language"] == "fr"
    with translation.override("fr"):
        assert gettext("Or choose what you receive") in page.content.decode()


def test_a_stored_template_provider_keeps_one_template_per_language(
    issue, supporters, settings, french
):
    translate_issue(issue, french)
    readers(supporters, english=3, french=2)
    with FakePostmark() as postmark:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = postmark.anymail_settings()
        send = create_send(issue, [supporters])
        start(send)

        subjects = {message.to: message.subject for message in postmark.sent}
        assert len(subjects) == 5
        assert {subjects[f"fr{n}@example.org"] for n in range(2)} == {FRENCH_SUBJECT}
        assert {subjects[f"en{n}@example.org"] for n in range(3)} == {issue.subject}
        assert postmark.send_call_count == 2
        assert postmark.templates == {}  # both stored, both removed at the end
