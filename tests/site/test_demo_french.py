"""The demo in French: ``load_demo_content`` builds Wagtail translations of the English demo."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from home.demo.loader import load_demo_content
from home.models import HomePage
from wagtail.models import Page, Site

from advocacy.models import (
    AdvocacySettings,
    CampaignWinPage,
    DonationAppeal,
    LetterSignatory,
    OpenLetterPage,
    Organisation,
    StatementPage,
)
from newsletter.models import (
    NewsletterIssuePage,
    NewsletterSettings,
    Subscriber,
    Subscription,
)

COUNTED = [Page, DonationAppeal, LetterSignatory, Organisation, Subscriber, Subscription]


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo twice, once for the whole module; roll it all back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = load_demo_content()
        after_first = snapshot()
        second = load_demo_content()
        yield {"first": first, "second": second, "after_first": after_first}
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def in_language(model, code: str):
    pages = model.objects.filter(locale__language_code=code)
    if model is OpenLetterPage:
        pages = pages.filter(accepts_signatures=False)  # not the English sign-on copy
    return pages.get()


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_second_run_creates_and_changes_nothing(demo):
    assert demo["first"]["created"]["translations"] == 8  # 7 pages and the appeal
    assert demo["first"]["created"]["locales"] == 1
    assert {kind: n for kind, n in demo["second"]["created"].items() if n} == {}
    assert demo["second"]["updated"] == {}
    assert demo["second"]["kept_drafts"] == {}
    assert snapshot() == demo["after_first"]
    assert not any(Page.find_problems())  # the page tree is sound (numchild, depth, paths)


def test_french_letter_is_a_live_translation_of_the_english_letter(demo):
    english, french = in_language(OpenLetterPage, "en"), in_language(OpenLetterPage, "fr")
    assert french.translation_key == english.translation_key
    assert french.live and not french.has_unpublished_changes
    assert french.get_parent().get_translation(english.locale).pk == english.get_parent().pk
    # The facts are the English letter's: date, signatories in order, lead, six demands.
    assert (french.date, french.date_precision) == (english.date, english.date_precision)
    assert french.lead_signatory_id == english.lead_signatory_id
    orgs = [row.organisation_id for row in english.signatory_list()]
    assert [row.organisation_id for row in french.signatory_list()] == orgs
    assert len(french.demands) == len(english.demands) == 6
    assert french.title.startswith("Lettre ouverte au premier ministre Carney")
    assert "Embargo sur les armes" in french.topics.names()


def test_french_letter_serves_in_french(demo, client):
    english, french = in_language(OpenLetterPage, "en"), in_language(OpenLetterPage, "fr")
    assert french.url.startswith("/fr/salle-de-presse/")
    response = client.get(french.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    text = visible_text(html)
    assert "Monsieur le Premier Ministre," in text
    assert "nous demandons au Canada" in text
    assert "Conseil national des musulmans canadiens" in text  # the lead's French name
    assert f'hreflang="en" href="http://testserver{english.url}"' in html  # the switcher
    assert client.get(english.url).content.decode().count('<html lang="en">') == 1


def test_french_home_page_is_the_site_root_in_french(demo, client):
    english, french = in_language(HomePage, "en"), in_language(HomePage, "fr")
    assert Site.objects.get(is_default_site=True).root_page_id == english.pk
    assert french.translation_key == english.translation_key and french.live
    assert french.featured_page_id == in_language(OpenLetterPage, "fr").pk
    assert french.donation_appeal.locale.language_code == "fr"
    response = client.get("/fr/")
    assert response.status_code == 200
    assert "Rappeler le Canada à ses engagements" in visible_text(response.content.decode())


def test_french_statement_and_win_keep_the_english_facts(demo):
    english = StatementPage.objects.get(slug="cmpac-endorses-stop-genocide-or-resign")
    statement = english.get_translation(in_language(OpenLetterPage, "fr").locale)
    assert (statement.kind, statement.date) == (english.kind, english.date)
    partners = [partner.organisation_id for partner in english.partners.all()]
    assert [partner.organisation_id for partner in statement.partners.all()] == partners
    win = CampaignWinPage.objects.get(locale__language_code="fr")
    source = win.get_translation(english.locale)
    assert (win.outcome, win.supporter_count, win.date) == (
        source.outcome,
        source.supporter_count,
        source.date,
    )
    assert win.related_page_id == statement.pk  # the French statement, not the English one


def test_french_appeal_is_a_translation_of_the_default_appeal(demo):
    default = AdvocacySettings.for_site(Site.objects.get(is_default_site=True))
    appeal = default.default_donation_appeal
    french = in_language(DonationAppeal, "fr")
    assert french.translation_key == appeal.translation_key
    assert french.button_label == "Faire un don"
    assert french.name != appeal.name  # names are unique per language; editors tell them apart
    for fact in ("button_url", "phone", "etransfer_email", "mail_in_url", "monthly_emphasis"):
        assert getattr(french, fact) == getattr(appeal, fact)
    assert "Espace réservé pour la démo" in french.message  # says its details are placeholders
    assert "/demo-placeholder/" in french.button_url and french.suggested_amounts == ""


def test_french_issue_is_a_translation_of_the_demo_issue(demo):
    from newsletter.issues.rendering import render_revision

    english, french = in_language(NewsletterIssuePage, "en"), in_language(NewsletterIssuePage, "fr")
    assert french.translation_key == english.translation_key
    assert french.live and french.issue_date == english.issue_date
    english_types = [block.block_type for block in english.body]
    types = [block.block_type for block in french.body]
    # Block for block the English issue; a featured page without a translation is left out.
    assert [kind for kind in english_types if kind != "featured_page"] == [
        kind for kind in types if kind != "featured_page"
    ]
    assert types.count("featured_page") == 1
    letter = next(block.value for block in french.body if block.block_type == "open_letter")
    assert letter["letter"].pk == in_language(OpenLetterPage, "fr").pk
    rendered = render_revision(french, latest=False)
    assert rendered.subject.startswith("Printemps 2024")
    assert "Les victoires du printemps" in rendered.html
    assert "Lire la lettre" in rendered.text
    assert "Faire un don" in rendered.text  # the default appeal, in French


def test_french_footer_and_organisation_names(demo):
    settings = NewsletterSettings.for_site(Site.objects.get(is_default_site=True))
    assert settings.organisation_name_fr == "Salle de presse militante (démo)"
    assert settings.reason_fr.startswith("Vous recevez ce courriel")
    ijv = Organisation.objects.get(name="Independent Jewish Voices Canada")
    assert ijv.name_fr == "Voix juives indépendantes Canada"


def test_french_subscriber_is_confirmed_on_the_supporters_list(demo):
    camille = Subscriber.objects.get(email="camille@example.org")
    assert camille.language == "fr"
    assert camille.name == "Camille Tremblay"
    subscription = camille.subscriptions.get(mailing_list__slug="supporters")
    assert subscription.status == Subscription.Status.ACTIVE


def test_sending_the_demo_issue_gives_camille_the_french_issue(demo, settings):
    from django.core import mail

    from newsletter.models import MailingList
    from newsletter.sending.control import start
    from newsletter.sending.freeze import create_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    english = in_language(NewsletterIssuePage, "en")
    french = in_language(NewsletterIssuePage, "fr")

    start(create_send(english, [MailingList.objects.get(slug="supporters")]))

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects.pop("camille@example.org") == french.subject
    assert subjects and set(subjects.values()) == {english.subject}
    camille = next(m for m in mail.outbox if m.to == ["camille@example.org"])
    html = camille.alternatives[0][0]
    assert '<html lang="fr"' in html and "Salle de presse militante (démo)" in html
