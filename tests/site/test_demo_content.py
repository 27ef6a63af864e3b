"""``manage.py load_demo_content``: builds the demo site, and a second run changes nothing."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from home.demo.loader import SIGNATORIES_FILE
from home.models import HomePage
from wagtail.models import Page, Revision

from advocacy.models import (
    ActionPage,
    AdvocacyPage,
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


def english(model):
    """The model's rows in English: the demo also builds French translations of some."""
    return model.objects.filter(locale__language_code="en")


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
    # The letter, its French translation and its sign-on copy (home/demo/actions.py).
    assert demo["after_first"]["OpenLetterPage"] == 3
    assert demo["after_second"] == demo["after_first"]
    assert "password 'demo-admin-password'" in demo["first"]
    assert "password unchanged" in demo["second"]
    assert "Left" not in demo["second"]  # no page had a draft to keep


def test_letter_has_every_distinct_signatory(demo):
    lines = SIGNATORIES_FILE.read_text(encoding="utf-8").splitlines()
    distinct = {organisation_key(line) for line in lines if line.strip()}
    letter = english(OpenLetterPage).get(accepts_signatures=False)  # not the sign-on copy
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
    endorsement = english(StatementPage).get(kind=StatementPage.Kind.ENDORSEMENT)
    demands = [block for block in endorsement.body if block.block_type == "demands"]
    assert len(demands) == 1
    assert len(demands[0].value["demands"]) == 3


def test_listings_and_home_page(demo):
    home = english(HomePage).get()
    newsroom = NewsroomPage.objects.child_of(home).get(slug="newsroom")
    assert TimelinePage.objects.child_of(newsroom).filter(slug="timeline").exists()
    for model in (StatementPage, OpenLetterPage, CampaignWinPage):
        assert not english(model).not_child_of(newsroom).exists()
    assert home.featured_page is not None
    assert home.donation_appeal is not None


def test_newsletter_demo_has_the_supporters_list_and_a_published_issue(demo):
    from newsletter.issues.rendering import render_revision
    from newsletter.models import MailingList, NewsletterIssuePage

    assert MailingList.objects.get(slug="supporters").is_public
    issue = english(NewsletterIssuePage).live().get()
    types = [block.block_type for block in issue.body]
    assert "donation_appeal" in types and "open_letter" in types and "wins_roundup" in types
    text = render_revision(issue, latest=False).text
    assert "Signed by 452 organisations" in text
    assert "13,000 emails sent" in text


def test_demo_pages_are_live_and_published(demo):
    home = english(HomePage).get()
    pages = Page.objects.descendant_of(home, inclusive=True)
    newsletter_pages = 3  # the archive, the demo issue and the subscribe page
    letters_and_actions = english(OpenLetterPage).count() + english(ActionPage).count()
    assert (
        pages.count()
        == (1 + 2 + english(StatementPage).count() + english(CampaignWinPage).count())
        + letters_and_actions
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


# --- the loader never discards an editor's draft, and names the real address


def test_rerun_keeps_an_editors_draft_and_says_so(demo):
    page = StatementPage.objects.get(slug="statement-after-un-vote")
    live_title = page.title
    page.title = "Editor's unfinished rewrite"
    page.save_revision()  # a draft: saved, not published

    output = run_command()

    page.refresh_from_db()
    assert page.title == live_title  # still live as it was
    assert page.has_unpublished_changes
    assert page.get_latest_revision_as_object().title == "Editor's unfinished rewrite"
    assert "Left 1 page unchanged" in output
    assert f"  {live_title}  (/admin/pages/{page.pk}/edit/)" in output


def test_rerun_prints_the_sites_real_address(demo, settings):
    settings.BASE_URL = "https://newsroom.example.net"

    output = run_command()

    assert "Site:  https://newsroom.example.net/" in output
    assert "Admin: https://newsroom.example.net/admin/" in output
    assert "127.0.0.1" not in output


# --- the content follows the seed documents


def test_dates_follow_the_public_record_at_the_precision_the_seed_gives(demo):
    def shown(slug: str) -> str:
        return AdvocacyPage.objects.get(slug=slug).date_display

    assert shown("canada-announces-90-million-for-unrwa") == "December 2020"
    assert shown("mahmoud-nawajaa-released") == "August 2020"
    assert shown("open-letter-to-prime-minister-carney-gaza-ceasefire") == "19 March 2025"
    assert shown("cmpac-endorses-stop-genocide-or-resign") == "22 February 2024"
    # The advocacy timeline infographic gives months only.
    assert shown("joint-letter-to-pm-trudeau-on-gaza") == "October 2023"
    assert shown("statement-on-icj-provisional-measures") == "January 2024"
    # The seed gives no date at all: the page shows none.
    assert shown("accountability-for-police-conduct-at-toronto-protests") == ""
    assert not AdvocacyPage.objects.filter(date__year=2021, date_precision="day").exists()


def test_virani_campaigns_count_is_in_its_supporter_count(demo):
    virani = CampaignWinPage.objects.get(decision_maker="Justice Minister Arif Virani")
    assert virani.supporter_count == 9000
    assert virani.supporter_summary == "9,000 supporters"


def visible_text(client, page) -> str:
    response = client.get(page.url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_grassroots_figures_are_the_strategys_and_nothing_contradicts_them(demo, client):
    strategy = StatementPage.objects.get(slug="cmpac-political-advocacy-strategy-for-palestine")
    strategy_text = visible_text(client, strategy)
    for figure in ("58+ electoral districts", "250+ volunteers", "15+ cities"):
        assert figure in strategy_text

    tour = StatementPage.objects.get(slug="palestine-advocacy-tour-with-sami-hamdi")
    tour_text = visible_text(client, tour)
    assert "London, Ottawa, Montreal and Toronto" in tour_text
    assert "58+" not in tour_text and "15+" not in tour_text
    for page in AdvocacyPage.objects.live().specific():
        text = visible_text(client, page)
        assert not ("15+ cities" in text and re.search(r"\b(4|four) cities", text)), page.slug


def test_timeline_intro_matches_its_first_entry(demo, client):
    timeline = TimelinePage.objects.get()
    first = AdvocacyPage.objects.live().order_by("date", "pk").first()
    text = visible_text(client, timeline)
    intro = re.search(r"Oldest first, from (\w+ \d{4})", text)
    assert intro is not None and intro.group(1) == first.date_display == "August 2020"
    assert text.index(first.title) < text.index("October 2023")


def test_payment_details_are_marked_as_placeholders_and_amounts_not_invented(demo):
    for appeal in english(DonationAppeal):  # the French one: tests/site/test_demo_french.py
        assert appeal.suggested_amounts == ""  # neither seed appeal names an amount
        assert "Demo placeholder" in appeal.message
        assert "/demo-placeholder/" in appeal.button_url
    cjpme = DonationAppeal.objects.get(name="CJPME monthly giving appeal")
    assert cjpme.etransfer_email == "demo-placeholder@example.org"
    assert "/demo-placeholder/" in cjpme.mail_in_url
    assert cjpme.phone == "438-380-5410"  # the seed's own number


def test_demo_issue_email_speaks_as_an_email(demo):
    """The demo issue as sent: no wording that only makes sense on a web page, and every
    featured page's button says where it leads."""
    from newsletter.issues.rendering import render_revision
    from newsletter.models import NewsletterIssuePage

    issue = english(NewsletterIssuePage).live().get()
    rendered = render_revision(issue, latest=False)
    for text in (rendered.html, rendered.text):
        for wording in ("this site", "this form", "Read more"):
            assert wording not in text
