"""The newsletter half of the demo: settings, the "supporters" list, the archive, an issue."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from taggit.models import Tag
from wagtail.models import Page, Site

from advocacy.models import AdvocacySettings, DonationAppeal
from home.demo import content
from home.demo.upsert import (
    CREATED,
    EXISTING,
    UPDATED,
    Tally,
    _assign,
    has_pending_draft,
    upsert_page,
)
from newsletter.audience import subscriptions
from newsletter.models import (
    MailingList,
    NewsletterArchivePage,
    NewsletterIssuePage,
    NewsletterSettings,
    Segment,
    SubscribePage,
    Subscriber,
)

ISSUE_SLUG = "spring-2024-wins-and-the-open-letter"
FEATURED_SLUGS = [content.STRATEGY_SLUG, content.ENDORSEMENT_SLUG]


def sync_site_with_base_url(tally: Tally) -> Site:
    """Point the default Wagtail site at ``BASE_URL`` so page links in emails are public."""
    site = Site.objects.get(is_default_site=True)
    parts = urlsplit(settings.BASE_URL)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    values = {"hostname": parts.hostname or "localhost", "port": port}
    values["site_name"] = site.site_name or "Advocacy Newsroom"
    if _assign(site, values):
        site.save()
        tally.add("site", UPDATED)
    else:
        tally.add("site", EXISTING)
    return site


def load_settings(site: Site, appeal: DonationAppeal, tally: Tally) -> NewsletterSettings:
    """Fill the newsletter settings (CASL footer, sender) with demo values."""
    newsletter_settings = NewsletterSettings.for_site(site)
    changed = _assign(
        newsletter_settings,
        {
            "organisation_name": "Advocacy Newsroom (demo)",
            "mailing_address": "100 Example Street, Suite 200\nOttawa ON  K1A 0A1\nCanada",
            "contact_email": "info@example.org",
            "sender_name": "Advocacy Newsroom",
            "sender_email": "newsletter@example.org",
            "reply_to": "info@example.org",
            "test_addresses": "comms@example.org",
            "reason": "You are receiving this email because you subscribed to updates from "
            "Advocacy Newsroom (demo).",
        },
    )
    if changed or newsletter_settings.pk is None:
        newsletter_settings.save()
        tally.add("newsletter_settings", UPDATED)
    else:
        tally.add("newsletter_settings", EXISTING)
    advocacy_settings = AdvocacySettings.for_site(site)
    if advocacy_settings.default_donation_appeal_id != appeal.pk:
        advocacy_settings.default_donation_appeal = appeal
        advocacy_settings.save()
    return newsletter_settings


def load_list(tally: Tally) -> MailingList:
    mailing_list, created = MailingList.objects.get_or_create(
        slug="supporters",
        defaults={
            "name": "Supporters",
            "description": "Campaign wins, open letters and ways to help, about once a month.",
            "is_public": True,
        },
    )
    tally.add("mailing_lists", CREATED if created else EXISTING)
    return mailing_list


def load_issue(
    home: Page, letter: Page, pages: dict[str, Page], tally: Tally
) -> NewsletterIssuePage:
    """The archive page and one published issue built from the demo pages and the appeal."""
    archive = upsert_page(
        home,
        NewsletterArchivePage,
        "newsletter",
        {"title": "Newsletter", "intro": "Every issue of our newsletter, newest first."},
        tally,
        "newsletter_pages",
    )
    body = [
        {
            "type": "intro",
            "value": "<p>Thank you. Your emails, signatures and letters moved ministers this "
            "spring: here is what changed, what is still pending, and the letter hundreds of "
            "organisations have now signed.</p>",
        },
        {
            "type": "wins_roundup",
            "value": {
                "heading": "Campaign wins this spring",
                "intro": "Where each campaign stands.",
                "start_date": "2024-01-01",
                "end_date": "2024-03-31",
                "outcomes": [],
                "limit": 12,
            },
        },
        {
            "type": "open_letter",
            "value": {"letter": letter.pk, "show_demands": True, "button_label": "Read the letter"},
        },
        *[
            {
                "type": "featured_page",
                "value": {
                    "page": pages[slug].pk,
                    "title": "",
                    "summary": "",
                    "image": None,
                    "button_label": "",
                },
            }
            for slug in FEATURED_SLUGS
            if slug in pages
        ],
        {"type": "donation_appeal", "value": {"appeal": None}},
    ]
    return upsert_page(
        archive,
        NewsletterIssuePage,
        ISSUE_SLUG,
        {
            "title": "Spring 2024: campaign wins and the open letter",
            "subject": "Spring 2024: arms exports stopped, UNRWA funding back",
            "preheader": "What your emails and signatures changed this spring, and what is next.",
            "issue_date": datetime.date(2024, 4, 2),
            "body": body,
        },
        tally,
        "newsletter_pages",
    )


DEMO_SUBSCRIBERS = [
    ("amira@example.org", "Amira"),
    ("bilal@example.org", "Bilal"),
    ("chantal@example.org", "Chantal"),
]
# Province and tags per demo subscriber, for the demo segment (a segment filters on them).
DEMO_SUBSCRIBER_DETAILS = {
    "amira@example.org": ("ON", ["donor"]),
    "bilal@example.org": ("QC", ["volunteer"]),
    "chantal@example.org": ("QC", ["donor", "volunteer"]),
}
DEMO_SEGMENT = "Donors"


def load_subscribe_page(home: Page, mailing_list: MailingList, tally: Tally) -> SubscribePage:
    return upsert_page(
        home,
        SubscribePage,
        "subscribe",
        {
            "title": "Get the newsletter",
            "intro": "<p>Campaign wins, open letters and ways to help, about once a month. "
            "We will email you a link to confirm.</p>",
            "mailing_list": mailing_list,
            "button_label": "Subscribe",
        },
        tally,
        "newsletter_pages",
    )


def load_demo_subscribers(mailing_list: MailingList, tally: Tally) -> None:
    """A few confirmed demo subscribers (example.org addresses) so a demo send reaches someone."""
    for email, name in DEMO_SUBSCRIBERS:
        if Subscriber.objects.filter(email=email).exists():
            tally.add("demo_subscribers", EXISTING)
            continue
        consent = subscriptions.ConsentRecord(
            note="Demo data: not a real person.", imported_by="load_demo_content"
        )
        subscriptions.add_manually(
            email, mailing_list, consent, name=name, require_confirmation=False
        )
        province, tags = DEMO_SUBSCRIBER_DETAILS[email]
        subscriber = Subscriber.objects.get(email=email)
        Subscriber.objects.filter(pk=subscriber.pk).update(province=province)
        subscriber.tags.add(*tags)
        tally.add("demo_subscribers", CREATED)


def load_demo_segment(mailing_list: MailingList, tally: Tally) -> Segment:
    """A saved segment of the list: its readers tagged "donor"."""
    segment, created = Segment.objects.get_or_create(name=DEMO_SEGMENT, mailing_list=mailing_list)
    if created:
        segment.tags.set([Tag.objects.get_or_create(name="donor", defaults={"slug": "donor"})[0]])
    tally.add("demo_segment", CREATED if created else EXISTING)
    return segment


def load_newsletter_demo(
    home: Page,
    letter: Page,
    pages: dict[str, Page],
    appeals: dict[str, DonationAppeal],
    tally: Tally,
) -> NewsletterIssuePage:
    """Settings, the ``supporters`` list, the archive and a published demo issue."""
    site = sync_site_with_base_url(tally)
    load_settings(site, appeals[content.CJPME_APPEAL], tally)
    mailing_list = load_list(tally)
    if home.newsletter_list_id != mailing_list.pk and not has_pending_draft(home):
        home.newsletter_list = mailing_list
        home.save_revision().publish()
        tally.add("home_page", UPDATED)
    load_subscribe_page(home, mailing_list, tally)
    load_demo_subscribers(mailing_list, tally)
    load_demo_segment(mailing_list, tally)
    return load_issue(home, letter, pages, tally)
