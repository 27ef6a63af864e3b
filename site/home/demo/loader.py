"""Build the demo site from :mod:`home.demo.content`, idempotently.

Pages are found by slug under their parent and snippets by their unique name: a second run
creates nothing, and only saves (and publishes a new revision of) what differs from the
content. The whole load runs in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.fields import StreamField
from wagtail.models import Page, ReferenceIndex, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

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
    SupporterAction,
    TimelinePage,
)
from advocacy.models.organisations import organisation_key
from advocacy.signatories import parse_pasted_names, resolve_organisations
from home.demo import content
from home.models import HomePage

SIGNATORIES_FILE = Path(__file__).with_name("signatories.txt")
DEFAULT_ADMIN_PASSWORD = "demo-admin-password"

CREATED, UPDATED, EXISTING = "created", "updated", "existing"


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


class DemoContentError(Exception):
    """The database holds something the demo cannot build on (e.g. no home page)."""


class Tally:
    """Counts of what the load created, and of what was already there (and was updated)."""

    def __init__(self, stdout: Writer | None = None) -> None:
        self.counts: dict[str, Counter[str]] = {CREATED: Counter(), EXISTING: Counter()}
        self.updated: Counter[str] = Counter()
        self.stdout = stdout
        self.saved: list[Any] = []  # created or updated pages and snippets

    def saved_object(self, obj: Any, kind: str, status: str, label: str = "") -> None:
        """Record a page or snippet that was just created or updated."""
        self.saved.append(obj)
        self.add(kind, status, label=label)

    def add(self, kind: str, status: str, number: int = 1, label: str = "") -> None:
        """Record ``number`` items of ``kind``: created, or existing (possibly updated)."""
        self.counts[CREATED if status == CREATED else EXISTING][kind] += number
        if status == UPDATED:
            self.updated[kind] += number
        if label and status != EXISTING and self.stdout is not None:
            self.stdout.write(f"  {status:<8} {kind}: {label}\n")

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            CREATED: dict(self.counts[CREATED]),
            EXISTING: dict(self.counts[EXISTING]),
            UPDATED: dict(self.updated),
        }


# --------------------------------------------------------------------------- field helpers


def _strip_block_ids(data: Any) -> Any:
    """StreamField JSON without the random block ids, for comparing content."""
    if isinstance(data, list):
        return [_strip_block_ids(item) for item in data]
    if isinstance(data, dict):
        return {
            k: _strip_block_ids(v) for k, v in data.items() if not (k == "id" and "type" in data)
        }
    return data


def _comparable(page: Page, name: str) -> Any:
    """A field's current value in a form that compares equal when the content is equal."""
    field = page._meta.get_field(name)
    value = getattr(page, name)
    if isinstance(field, StreamField):
        return _strip_block_ids(field.stream_block.get_prep_value(value))
    return value


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on a page or snippet; return whether anything changed."""
    changed = False
    for name, new in values.items():
        if isinstance(obj, Page):
            before = _comparable(obj, name)
            setattr(obj, name, new)
            changed |= _comparable(obj, name) != before
        elif getattr(obj, name) != new:
            setattr(obj, name, new)
            changed = True
    return changed


def _stream(blocks: Iterable[content.Block], appeals: dict[str, DonationAppeal]) -> list[dict]:
    """Content blocks as raw StreamField data; ``donation_appeal`` names become ids."""
    raw = []
    for block_type, value in blocks:
        if block_type == "donation_appeal":
            value = {"appeal": appeals[value["appeal"]].pk}
        raw.append({"type": block_type, "value": value})
    return raw


# --------------------------------------------------------------------------- pages


def upsert_page(
    parent: Page,
    model: type[Page],
    slug: str,
    values: dict[str, Any],
    tally: Tally,
    kind: str,
    *,
    topics: Iterable[str] = (),
    extra: Callable[[Page], bool] | None = None,
) -> Page:
    """Create and publish the page ``slug`` under ``parent``, or update it if it differs.

    ``extra(page)`` runs after the page exists and before publishing, for child rows
    (signatories, partners); it returns whether it changed anything.
    """
    found = parent.get_children().filter(slug=slug).first()
    topics = sorted(topics)
    if found is None:
        page = model(slug=slug, **values)
        parent.add_child(instance=page)
        if topics:
            page.topics.set(topics)
        if extra:
            extra(page)
        page.save_revision().publish()
        tally.saved_object(page, kind, CREATED, label=slug)
        return page

    page = found.specific
    if not isinstance(page, model):
        raise DemoContentError(
            f"{page.url_path} is a {type(page).__name__}, not a {model.__name__}; "
            "move or rename it and run the command again."
        )
    changed = _assign(page, values)
    if topics and sorted(page.topics.names()) != topics:
        page.topics.set(topics)
        changed = True
    if extra:
        changed |= extra(page)
    if changed or not page.live or page.has_unpublished_changes:
        page.save_revision().publish()
        tally.saved_object(page, kind, UPDATED, label=slug)
    else:
        tally.add(kind, EXISTING)
    return page


def get_home_page() -> HomePage:
    """The default site's root, which the migrations make a :class:`HomePage`."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific
    home = HomePage.objects.first()
    if home is None:
        raise DemoContentError("No home page: run `manage.py migrate` first.")
    return home


def load_appeals(tally: Tally) -> dict[str, DonationAppeal]:
    """Create or update the donation appeal snippets, keyed by name."""
    appeals = {}
    for spec in content.APPEALS:
        values = {
            "headline": spec.headline,
            "message": spec.message,
            "button_label": spec.button_label,
            "button_url": spec.button_url,
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


def organisation_named(name: str, tally: Tally) -> Organisation:
    """The organisation with this name (ignoring case and spacing), created if missing."""
    organisation = Organisation.objects.filter(name_key=organisation_key(name)).first()
    if organisation is None:
        organisation = Organisation(name=name)
        organisation.save()
        tally.add("organisations", CREATED, label=name)
    else:
        tally.add("organisations", EXISTING)
    return organisation


def load_signatory_organisations(tally: Tally) -> list[Organisation]:
    """The letter's organisations from ``signatories.txt``, in order, repeats dropped.

    Uses the admin's paste-to-sign logic, so names match existing organisations ignoring
    case and spacing, and the missing ones are created in bulk.
    """
    report = parse_pasted_names(SIGNATORIES_FILE.read_text(encoding="utf-8"))
    if report.errors:
        raise DemoContentError("; ".join(report.errors))
    organisations = resolve_organisations(report)
    tally.add("organisations", CREATED, report.created)
    tally.add("organisations", EXISTING, report.reused)
    return organisations


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

    values = {
        "title": spec.title,
        "date": spec.date,
        "summary": spec.summary,
        "addressee": spec.addressee,
        "salutation": spec.salutation,
        "body": _stream(spec.body, appeals),
        "demands_intro": spec.demands_intro,
        "demands": [
            {"type": "demand", "value": f"<p>{escape(text, quote=False)}</p>"}
            for text in spec.demands
        ],
        "after_demands": _stream(spec.after_demands, appeals),
        "closing": spec.closing,
        "lead_signatory_id": wanted[0],
    }
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
            current = [partner.organisation_id for partner in page.partners.all()]
            if current == partners:
                return False
            page.partners = [
                StatementPartner(organisation_id=pk, sort_order=index)
                for index, pk in enumerate(partners)
            ]
            return True

        if spec.kind not in StatementPage.Kind.values:
            raise DemoContentError(f"{spec.slug}: unknown kind {spec.kind!r}")
        values = {
            "title": spec.title,
            "kind": spec.kind,
            "date": spec.date,
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
        if spec.outcome not in Outcome.values or spec.supporter_action not in (
            SupporterAction.values
        ):
            raise DemoContentError(f"{spec.slug}: unknown outcome or supporter action")
        values = {
            "title": spec.title,
            "date": spec.date,
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
    if changed or not home.live or home.has_unpublished_changes:
        home.save_revision().publish()
        tally.saved_object(home, "home_page", UPDATED, label=home.slug)
    else:
        tally.add("home_page", EXISTING)
    return home


def load_demo_content(stdout: Writer | None = None) -> dict[str, dict[str, int]]:
    """Build or refresh the demo site in one transaction.

    Wagtail's reference index is updated once per saved page at the end, not on every
    row save (publishing the letter re-saves each of its ~450 signatories).

    Returns ``{"created": {kind: n}, "existing": {kind: n}, "updated": {kind: n}}``:
    ``existing`` counts everything that was already present, ``updated`` the part of it
    that differed from the demo content and was saved again.
    """
    tally = Tally(stdout)
    with transaction.atomic(), disable_reference_index_auto_update():
        appeals = load_appeals(tally)
        home = get_home_page()
        newsroom, _timeline = load_listings(home, tally)
        organisations = load_signatory_organisations(tally)
        letter = load_letter(newsroom, appeals, organisations, tally)
        pages: dict[str, Page] = {letter.slug: letter}
        pages.update(load_statements(newsroom, appeals, tally))
        load_wins(newsroom, appeals, pages, tally)
        update_home(home, pages, appeals, tally)
        from home.demo.newsletter import load_newsletter_demo

        load_newsletter_demo(home, letter, pages, appeals, tally)
        for obj in tally.saved:
            if ReferenceIndex.is_indexed(type(obj)):
                # Fresh from the database: what was published, child rows included.
                ReferenceIndex.create_or_update_for_object(type(obj).objects.get(pk=obj.pk))
    return tally.as_dict()


def ensure_admin(password: str | None, username: str = "admin") -> tuple[str, str | None]:
    """Make sure a superuser ``username`` exists.

    A new user gets ``password`` (or :data:`DEFAULT_ADMIN_PASSWORD`); an existing one only
    gets a new password when ``password`` is given. Returns the status and the password
    set, or ``None`` if it was left unchanged.
    """
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        password = password or DEFAULT_ADMIN_PASSWORD
        User.objects.create_superuser(username, f"{username}@example.org", password)
        return CREATED, password
    flags_ok = user.is_superuser and user.is_staff and user.is_active
    if password is None and flags_ok:
        return EXISTING, None
    user.is_superuser = user.is_staff = user.is_active = True
    if password is not None:
        user.set_password(password)
    user.save()
    return UPDATED, password
