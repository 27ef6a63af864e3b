"""The demo's pages and donation appeals, built from :mod:`home.demo.content`."""

from __future__ import annotations

from collections.abc import Iterable

from wagtail.models import Page

from advocacy.models import (
    CampaignWinPage,
    DonationAppeal,
    LetterSignatory,
    NewsroomPage,
    OpenLetterPage,
    Organisation,
    StatementPage,
    StatementPartner,
    TimelinePage,
)
from home.demo import content
from home.demo.blocks import Block, rich
from home.demo.organisations import organisation_named
from home.demo.upsert import (
    CREATED,
    EXISTING,
    UPDATED,
    Tally,
    _assign,
    has_pending_draft,
    upsert_page,
)
from home.models import HomePage


def _stream(blocks: Iterable[Block], appeals: dict[str, DonationAppeal]) -> list[dict]:
    """Content blocks as raw StreamField data; ``donation_appeal`` names become ids."""
    raw = []
    for block_type, value in blocks:
        if block_type == "donation_appeal":
            value = {"appeal": appeals[value["appeal"]].pk}
        raw.append({"type": block_type, "value": value})
    return raw


def load_appeals(tally: Tally) -> dict[str, DonationAppeal]:
    """Create or update the donation appeal snippets, keyed by name."""
    appeals = {}
    for spec in content.APPEALS:
        values = {
            "headline": spec.headline,
            "message": spec.message,
            "button_label": spec.button_label,
            "button_url": spec.button_url,
            "beneficiary": spec.beneficiary,
            "suggested_amounts": spec.suggested_amounts,
            "currency": spec.currency,
            "monthly_emphasis": spec.monthly_emphasis,
            "eligibility_note": spec.eligibility_note,
            "etransfer_email": spec.etransfer_email,
            "phone": spec.phone,
            "mail_in_url": spec.mail_in_url,
        }
        appeal = DonationAppeal.objects.filter(name=spec.name).first()
        if appeal is None:
            appeal = DonationAppeal(name=spec.name, **values)
            appeal.full_clean()
            appeal.save()
            tally.saved_object(appeal, "donation_appeals", CREATED, label=spec.name)
        elif _assign(appeal, values):
            appeal.full_clean()
            appeal.save()
            tally.saved_object(appeal, "donation_appeals", UPDATED, label=spec.name)
        else:
            tally.add("donation_appeals", EXISTING)
        appeals[spec.name] = appeal
    return appeals


def letter_values(appeals: dict[str, DonationAppeal]) -> dict:
    """The open letter's fields from ``letter.toml`` (also used by its sign-on copy)."""
    spec = content.LETTER
    return {
        "title": spec.title,
        "date": spec.date,
        "date_precision": spec.date_precision,
        "summary": spec.summary,
        "addressee": spec.addressee,
        "salutation": spec.salutation,
        "body": _stream(spec.body, appeals),
        "demands_intro": spec.demands_intro,
        "demands": [{"type": "demand", "value": rich(text)} for text in spec.demands],
        "after_demands": _stream(spec.after_demands, appeals),
        "closing": spec.closing,
    }


def load_letter(
    newsroom: NewsroomPage,
    appeals: dict[str, DonationAppeal],
    organisations: list[Organisation],
    tally: Tally,
) -> OpenLetterPage:
    """The open letter, with the first organisation as lead and all of them as signatories."""
    spec = content.LETTER
    wanted = [organisation.pk for organisation in organisations]

    def sync_signatories(page: OpenLetterPage) -> bool:
        """Make the letter's signatories ``wanted``, in order; return whether they changed."""
        current = list(
            LetterSignatory.objects.filter(page=page)
            .order_by("sort_order", "pk")
            .values_list("organisation_id", flat=True)
        )
        if current == wanted:
            tally.add("letter_signatories", EXISTING, len(current))
            return False
        LetterSignatory.objects.filter(page=page).delete()
        LetterSignatory.objects.bulk_create(
            LetterSignatory(page=page, organisation_id=pk, sort_order=index)
            for index, pk in enumerate(wanted)
        )
        tally.add("letter_signatories", CREATED, len(wanted))
        return True

    values = {**letter_values(appeals), "lead_signatory_id": wanted[0]}
    return upsert_page(
        newsroom,
        OpenLetterPage,
        spec.slug,
        values,
        tally,
        "open_letters",
        topics=spec.topics,
        extra=sync_signatories,
    )


def load_statements(
    newsroom: NewsroomPage, appeals: dict[str, DonationAppeal], tally: Tally
) -> dict[str, StatementPage]:
    """Every statement (endorsement, timeline actions, strategy), keyed by slug."""
    pages = {}
    for spec in content.STATEMENTS:
        partners = [organisation_named(name, tally).pk for name in spec.partners]

        def sync_partners(page: StatementPage, partners: list[int] = partners) -> bool:
            """Make the statement's partners ``partners``; return whether they changed."""
            current = [partner.organisation_id for partner in page.partners.all()]
            if current == partners:
                return False
            page.partners = [
                StatementPartner(organisation_id=pk, sort_order=index)
                for index, pk in enumerate(partners)
            ]
            return True

        values = {
            "title": spec.title,
            "kind": spec.kind,
            "date": spec.date,
            "date_precision": spec.date_precision,
            "summary": spec.summary,
            "body": _stream(spec.body, appeals),
        }
        pages[spec.slug] = upsert_page(
            newsroom,
            StatementPage,
            spec.slug,
            values,
            tally,
            "statements",
            topics=spec.topics,
            extra=sync_partners,
        )
    return pages


def load_wins(
    newsroom: NewsroomPage,
    appeals: dict[str, DonationAppeal],
    related: dict[str, Page],
    tally: Tally,
) -> dict[str, CampaignWinPage]:
    """Every campaign result; ``related_slug`` links to a statement or letter."""
    pages = {}
    for spec in content.WINS:
        values = {
            "title": spec.title,
            "date": spec.date,
            "date_precision": spec.date_precision,
            "summary": spec.summary,
            "outcome": spec.outcome,
            "decision_date": spec.decision_date,
            "decision_maker": spec.decision_maker,
            "supporter_count": spec.supporter_count,
            "supporter_action": spec.supporter_action,
            "related_page_id": related[spec.related_slug].pk if spec.related_slug else None,
            "body": _stream(spec.body, appeals),
        }
        pages[spec.slug] = upsert_page(
            newsroom, CampaignWinPage, spec.slug, values, tally, "campaign_wins", topics=spec.topics
        )
    return pages


def load_listings(home: HomePage, tally: Tally) -> tuple[NewsroomPage, TimelinePage]:
    """The newsroom under the home page and the timeline under the newsroom."""
    spec = content.NEWSROOM
    newsroom = upsert_page(
        home,
        NewsroomPage,
        spec.slug,
        {"title": spec.title, "intro": spec.intro, **spec.extra},
        tally,
        "listings",
    )
    spec = content.TIMELINE
    timeline = upsert_page(
        newsroom,
        TimelinePage,
        spec.slug,
        {"title": spec.title, "intro": spec.intro, **spec.extra},
        tally,
        "listings",
    )
    return newsroom, timeline


def update_home(
    home: HomePage, pages: dict[str, Page], appeals: dict[str, DonationAppeal], tally: Tally
) -> HomePage:
    """Set the home page's welcome text, featured page and donation appeal."""
    spec = content.HOME
    if has_pending_draft(home):
        tally.kept_draft(home, "home_page")
        return home
    changed = _assign(
        home,
        {
            "title": spec.title,
            "hero_heading": spec.hero_heading,
            "intro": spec.intro,
            "featured_page_id": pages[spec.featured_slug].pk,
            "donation_appeal_id": appeals[spec.appeal].pk,
        },
    )
    if changed or not home.live:
        home.save_revision().publish()
        tally.saved_object(home, "home_page", UPDATED, label=home.slug)
    else:
        tally.add("home_page", EXISTING)
    return home
