"""Fixtures for newsletter issues: settings, an archive, and issues built from advocacy pages."""

from __future__ import annotations

import datetime

import pytest
from wagtail.models import Site

from advocacy.models import AdvocacySettings, CampaignWinPage, DonationAppeal, StatementPage
from newsletter.models import NewsletterArchivePage, NewsletterIssuePage, NewsletterSettings
from tests.advocacy.conftest import make_letter


@pytest.fixture
def appeal(db) -> DonationAppeal:
    return DonationAppeal.objects.create(
        name="Monthly",
        headline="Keep the wins coming",
        message="<p>Monthly gifts <b>sustain</b> our work.</p>",
        button_label="Give monthly",
        button_url="https://example.org/donate",
        suggested_amounts="25, 50",
        monthly_emphasis=True,
        eligibility_note="Zakat eligible",
        phone="438-380-5410",
    )


@pytest.fixture
def newsletter_settings(home_page, appeal) -> NewsletterSettings:
    site = Site.objects.get(is_default_site=True)
    settings = NewsletterSettings.for_site(site)
    settings.organisation_name = "Example Council"
    settings.mailing_address = "1 Example Street\nOttawa ON"
    settings.contact_email = "info@example.org"
    settings.sender_name = "Example Council"
    settings.sender_email = "news@example.org"
    settings.reply_to = "reply@example.org"
    settings.test_addresses = "comms@example.org"
    settings.save()
    AdvocacySettings.objects.update_or_create(
        site=site, defaults={"default_donation_appeal": appeal}
    )
    return settings


@pytest.fixture
def archive(home_page) -> NewsletterArchivePage:
    page = home_page.add_child(
        instance=NewsletterArchivePage(title="Newsletter", slug="newsletter")
    )
    page.save_revision().publish()
    return page


@pytest.fixture
def content(newsroom, db):
    """A letter, three statements and four wins with different outcomes."""
    letter = make_letter(newsroom, 7, slug="letter")
    statements = []
    for n in range(3):
        page = newsroom.add_child(
            instance=StatementPage(
                title=f"Statement number {n}",
                slug=f"statement-{n}",
                date=datetime.date(2024, 3, 1 + n),
                summary=f"Summary of statement {n}.",
                body=[("paragraph", "<p>Body.</p>")],
            )
        )
        page.save_revision().publish()
        statements.append(page)
    wins = []
    for n, outcome in enumerate(["win", "win", "pending", "positive_movement"]):
        page = newsroom.add_child(
            instance=CampaignWinPage(
                title=f"Campaign result {n}",
                slug=f"win-{n}",
                date=datetime.date(2024, 3, 10 + n),
                outcome=outcome,
                supporter_count=1000 * (n + 1),
                supporter_action="emails",
            )
        )
        page.save_revision().publish()
        wins.append(page)
    return {"letter": letter, "statements": statements, "wins": wins}


def make_issue(archive, body, *, publish: bool = True, **fields) -> NewsletterIssuePage:
    defaults = {
        "title": "March issue",
        "slug": "march",
        "subject": "March: wins and letters",
        "preheader": "Three wins, one letter",
    }
    defaults.update(fields)
    issue = archive.add_child(instance=NewsletterIssuePage(body=body, **defaults))
    revision = issue.save_revision()
    if publish:
        revision.publish()
    issue.refresh_from_db()
    return issue


def full_body(content, appeal=None) -> list:
    """A 12-item issue using every block type."""
    return [
        ("intro", "<p>Hello friends, see <a href='/newsroom/'>our newsroom</a>.</p>"),
        ("heading", "This month"),
        ("open_letter", {"letter": content["letter"], "show_demands": True}),
        *[("featured_page", {"page": page}) for page in content["statements"]],
        (
            "wins_roundup",
            {"heading": "Wins", "start_date": datetime.date(2024, 3, 1), "limit": 12},
        ),
        ("text", "<p>More text with a <a href='https://example.net/x'>link</a>.</p>"),
        ("button", {"label": "Act now", "url": "https://example.org/act"}),
        ("divider", None),
        ("donation_appeal", {"appeal": appeal}),
    ]


@pytest.fixture
def issue(archive, content, newsletter_settings, appeal):
    return make_issue(archive, full_body(content, appeal))
