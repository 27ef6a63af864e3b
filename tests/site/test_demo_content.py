"""``manage.py load_demo_content``: builds the demo site, and a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from home.demo.loader import SIGNATORIES_FILE
from home.models import HomePage
from wagtail.models import Page, Revision

from advocacy.models import (
    CampaignWinPage,
    DonationAppeal,
    LetterSignatory,
    NewsroomPage,
    OpenLetterPage,
    Organisation,
    Outcome,
    StatementPage,
    StatementPartner,
    TimelinePage,
)
from advocacy.models.organisations import organisation_key

COUNTED = [
    HomePage,
    NewsroomPage,
    TimelinePage,
    StatementPage,
    OpenLetterPage,
    CampaignWinPage,
    Organisation,
    DonationAppeal,
    LetterSignatory,
    StatementPartner,
    Revision,
]


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_content", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo twice, once for the whole module; roll it all back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = run_command()
        after_first = snapshot()
        second = run_command()
        yield {
            "first": first,
            "second": second,
            "after_first": after_first,
            "after_second": snapshot(),
        }
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_second_run_creates_and_changes_nothing(demo):
    assert demo["after_first"]["OpenLetterPage"] == 1
    assert demo["after_second"] == demo["after_first"]
    assert "password 'demo-admin-password'" in demo["first"]
    assert "password unchanged" in demo["second"]
    assert "http://127.0.0.1:8000/admin/" in demo["second"]


def test_letter_has_every_distinct_signatory(demo):
    lines = SIGNATORIES_FILE.read_text(encoding="utf-8").splitlines()
    distinct = {organisation_key(line) for line in lines if line.strip()}
    letter = OpenLetterPage.objects.get()
    assert letter.signatories.count() == len(distinct) >= 440
    assert letter.lead_signatory.name == "National Council of Canadian Muslims"
    assert letter.signatory_list()[0].organisation == letter.lead_signatory
    assert letter.date.isoformat() == "2025-03-19"
    assert letter.addressee == "Prime Minister Mark Carney"
    assert len(letter.demands) == 6


def test_wins_cover_every_outcome(demo):
    outcomes = set(CampaignWinPage.objects.values_list("outcome", flat=True))
    assert outcomes == set(Outcome.values)
    joly = CampaignWinPage.objects.get(decision_maker="Foreign Affairs Minister Mélanie Joly")
    assert joly.supporter_summary == "13,000 emails sent"


def test_endorsement_has_demands_block(demo):
    endorsement = StatementPage.objects.get(kind=StatementPage.Kind.ENDORSEMENT)
    demands = [block for block in endorsement.body if block.block_type == "demands"]
    assert len(demands) == 1
    assert len(demands[0].value["demands"]) == 3


def test_listings_and_home_page(demo):
    home = HomePage.objects.get()
    newsroom = NewsroomPage.objects.child_of(home).get(slug="newsroom")
    assert TimelinePage.objects.child_of(newsroom).filter(slug="timeline").exists()
    for model in (StatementPage, OpenLetterPage, CampaignWinPage):
        assert not model.objects.not_child_of(newsroom).exists()
    assert home.featured_page is not None
    assert home.donation_appeal is not None


def test_newsletter_demo_has_the_supporters_list_and_a_published_issue(demo):
    from newsletter.issues.rendering import render_revision
    from newsletter.models import MailingList, NewsletterIssuePage

    assert MailingList.objects.get(slug="supporters").is_public
    issue = NewsletterIssuePage.objects.live().get()
    types = [block.block_type for block in issue.body]
    assert "donation_appeal" in types and "open_letter" in types and "wins_roundup" in types
    text = render_revision(issue, latest=False).text
    assert "Signed by 452 organisations" in text
    assert "13,000 emails sent" in text


def test_demo_pages_are_live_and_published(demo):
    home = HomePage.objects.get()
    pages = Page.objects.descendant_of(home, inclusive=True)
    newsletter_pages = 3  # the archive, the demo issue and the subscribe page
    assert (
        pages.count()
        == (1 + 2 + 1 + StatementPage.objects.count() + CampaignWinPage.objects.count())
        + newsletter_pages
    )
    assert not pages.filter(live=False).exists()
    assert not pages.filter(has_unpublished_changes=True).exists()
    assert not pages.filter(latest_revision__isnull=True).exists()


def test_admin_password_option_resets_password(demo):
    run_command("--admin-password", "another-password")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("another-password")
