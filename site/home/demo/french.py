"""The demo in French: Wagtail translations of the English demo, from ``data/french.toml``.

Each French page is a translation of its English page (``copy_for_translation``: same
``translation_key``, locale ``fr``) under the French translation of its parent, so the French
site is served under ``/fr/`` and the language switcher links each page to its other version.
Only the words come from the data file; the facts (dates, kinds, outcomes, counts, signatories,
partners, donation details) are the English entry's. Idempotent like the rest of the loader: a
translation that exists is updated only where it differs, and one with an editor's unpublished
draft is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from wagtail.models import Locale, Page, Site

from advocacy.models import DonationAppeal, Organisation
from advocacy.models.organisations import organisation_key
from home.demo import DemoContentError, content
from home.demo.blocks import rich
from home.demo.content import READERS, Appeal, Home, Letter, Listing, Statement, Win
from home.demo.datafiles import as_table, build, entry, read, shown, text, text_table
from home.demo.pages import _stream
from home.demo.upsert import CREATED, EXISTING, UPDATED, Tally, _assign, has_pending_draft
from home.models import HomePage
from newsletter.audience import subscriptions
from newsletter.languages import i18n_enabled
from newsletter.models import MailingList, NewsletterSettings, Subscriber

FILE = "french.toml"
LANGUAGE = "fr"
KIND = "translations"  # the tally's kind for everything in French
# The French demo subscriber: email, name, province.
FRENCH_SUBSCRIBER = ("camille@example.org", "Camille Tremblay", "QC")

# --------------------------------------------------------------------------- the data file


@dataclass(frozen=True)
class FrenchIssue:
    """The French demo issue's words; its blocks follow the English issue's."""

    slug: str
    title: str
    subject: str
    preheader: str
    intro: str  # rich text
    wins_heading: str
    wins_intro: str
    letter_button_label: str


@dataclass(frozen=True)
class FrenchFooter:
    """The newsletter's French footer (CASL: identify the sender in the reader's language)."""

    organisation_name_fr: str
    reason_fr: str


@dataclass(frozen=True)
class French:
    """Everything in ``french.toml``, read and checked; translations keyed by their source."""

    home: Home  # its featured page and appeal are the English home page's, translated
    newsroom: Listing
    archive: Listing
    letter: Letter
    statements: dict[str, Statement]  # by English slug
    wins: dict[str, Win]  # by English slug
    appeals: dict[str, Appeal]  # by English name
    issue: FrenchIssue
    footer: FrenchFooter
    organisations: dict[str, str]  # English name: French name


def _topics(english: Iterable[str], names: dict[str, str], where: str) -> tuple[str, ...]:
    """The French names of a page's English topics, from ``[topics]``."""
    missing = [topic for topic in english if topic not in names]
    if missing:
        raise DemoContentError(f"{where}: no French name in [topics] for {', '.join(missing)}")
    return tuple(names[topic] for topic in english)


def _facts(source: Any, names: dict[str, Any], where: str) -> dict[str, Any]:
    """What a translation keeps from its English entry (the fields it cannot set)."""
    if isinstance(source, Appeal):
        keep = "button_url suggested_amounts currency monthly_emphasis etransfer_email phone"
        return {name: getattr(source, name) for name in [*keep.split(), "mail_in_url"]}
    keep = {Statement: "kind partners", Win: "outcome decision_date supporter_count"}
    keep[Win] += " supporter_action related_slug"
    facts = {name: getattr(source, name) for name in keep.get(type(source), "").split()}
    facts.update(date=source.date, date_precision=source.date_precision)
    return {**facts, "topics": _topics(source.topics, names, where)}


def _translations(
    cls: type, data: dict[str, Any], key: str, sources: dict[str, Any], names: dict[str, Any]
) -> dict[str, Any]:
    """Every ``[[key]]`` table as ``cls``, keyed by its ``source`` among ``sources``."""
    tables = data.get(key, [])
    if not isinstance(tables, list):
        raise DemoContentError(f"{shown(FILE)}: {key} must be written as [[{key}]] tables")
    found = {}
    for number, table in enumerate(tables, 1):
        table = dict(as_table(table, entry(FILE, key, number, "")))
        where = entry(FILE, key, number, str(table.get("source", "")))
        source = text(table.pop("source", ""), f"{where}, source")
        if source not in sources:  # also a missing source
            raise DemoContentError(f"{where}, source: {source!r} is not in the English demo")
        found[source] = build(cls, table, where, READERS, **_facts(sources[source], names, where))
    return found


def _check_appeal_blocks(pages: Iterable[Letter | Statement | Win], appeals: list[str]) -> None:
    """Donation appeal blocks name appeals of ``appeals.toml`` (by their English name)."""
    for page in pages:
        for block_type, value in (*page.body, *getattr(page, "after_demands", ())):
            if block_type == "donation_appeal" and value["appeal"] not in appeals:
                raise DemoContentError(
                    f"{shown(FILE)}, {page.slug}: {value['appeal']!r} is not an appeal in "
                    "appeals.toml"
                )


@cache
def load() -> French:
    """Read and check ``french.toml``, once per process."""
    keys = {"topics", "home", "newsroom", "archive", "letter", "statement", "win", "appeal"}
    data = read(FILE, keys | {"issue", "newsletter_settings", "organisations"})
    where, english = shown(FILE), content.load()
    names = text_table(data.get("topics", {}), f"{where}, [topics]")
    letter = dict(as_table(data.get("letter"), f"{where}, [letter]"))
    facts = _facts(english.letter, names, f"{where}, [letter]")
    home = {"featured_slug": english.home.featured_slug, "appeal": english.home.appeal}
    french = French(
        home=build(Home, data.get("home"), f"{where}, [home]", READERS, **home),
        newsroom=build(Listing, data.get("newsroom"), f"{where}, [newsroom]", READERS, extra={}),
        archive=build(
            Listing, data.get("archive"), f"{where}, [archive]", {"intro": text}, extra={}
        ),
        letter=build(Letter, letter, f"{where}, [letter]", READERS, **facts),
        statements=_translations(
            Statement, data, "statement", {s.slug: s for s in english.statements}, names
        ),
        wins=_translations(Win, data, "win", {w.slug: w for w in english.wins}, names),
        appeals=_translations(Appeal, data, "appeal", {a.name: a for a in english.appeals}, names),
        issue=build(FrenchIssue, data.get("issue"), f"{where}, [issue]", READERS),
        footer=build(
            FrenchFooter, data.get("newsletter_settings"), f"{where}, [newsletter_settings]", {}
        ),
        organisations=text_table(data.get("organisations", {}), f"{where}, [organisations]"),
    )
    pages = [french.letter, *french.statements.values(), *french.wins.values()]
    _check_appeal_blocks(pages, [appeal.name for appeal in english.appeals])
    return french


# --------------------------------------------------------------------------- translations


def translation_of(source: Page, locale: Locale) -> tuple[Page, bool]:
    """``source``'s translation into ``locale``, and whether it was just made: a new one is a
    draft copy (``copy_for_translation``) under the parent's translation, published later."""
    found = source.get_translation_or_none(locale)
    if found is not None:
        return found.specific, False
    return source.copy_for_translation(locale).specific, True


def publish_translation(
    page: Page,
    new: bool,
    values: dict[str, Any],
    tally: Tally,
    *,
    topics: Iterable[str] = (),
    extra: Callable[[Page], bool] | None = None,
) -> Page:
    """Set ``values`` (and ``topics``) on the translation ``page``; publish it if it is
    ``new`` or differs. An editor's unpublished draft is kept as it is."""
    if not new and has_pending_draft(page):
        tally.kept_draft(page, KIND)
        return page
    page.refresh_from_db(fields=["numchild"])  # translations made since under a stale copy
    changed = _assign(page, values)
    topics = sorted(topics)
    if topics and sorted(page.topics.names()) != topics:
        page.topics.set(topics)
        changed = True
    if extra:
        changed |= extra(page)
    if new or changed or not page.live:
        page.save_revision().publish()
        tally.saved_object(page, KIND, CREATED if new else UPDATED, label=f"fr {page.slug}")
    else:
        tally.add(KIND, EXISTING)
    return page


def same_organisations(relation: str, english: Page) -> Callable[[Page], bool]:
    """An ``extra`` giving the translation the English page's signatories or partners (the
    ``relation``), in order; it returns whether they changed."""
    model = getattr(english, relation).model
    wanted = list(
        model.objects.filter(page=english)
        .order_by("sort_order", "pk")
        .values_list("organisation_id", flat=True)
    )

    def sync(page: Page) -> bool:
        """Make the translation's rows ``wanted``."""
        if [row.organisation_id for row in getattr(page, relation).all()] == wanted:
            return False
        rows = [model(organisation_id=pk, sort_order=n) for n, pk in enumerate(wanted)]
        setattr(page, relation, rows)
        return True

    return sync


def translate_appeal(
    appeal: DonationAppeal, spec: Appeal, locale: Locale, tally: Tally
) -> DonationAppeal:
    """The French translation of ``appeal``, created (``copy_for_translation``) or updated."""
    values = {name: getattr(spec, name) for name in spec.__dataclass_fields__}
    found = appeal.get_translation_or_none(locale)
    if found is None:
        found = appeal.copy_for_translation(locale)
        _assign(found, values)
        status = CREATED
    else:
        status = UPDATED if _assign(found, values) else EXISTING
    if status == EXISTING:
        tally.add(KIND, EXISTING)
    else:
        found.full_clean()
        found.save()
        tally.saved_object(found, KIND, status, label=f"fr {spec.name}")
    return found


def _page_values(spec: Letter | Statement | Win, appeals: dict[str, DonationAppeal]) -> dict:
    """The fields every translated newsroom page sets: words, and the English facts."""
    return {
        "slug": spec.slug,
        "title": spec.title,
        "date": spec.date,
        "date_precision": spec.date_precision,
        "summary": spec.summary,
        "body": _stream(spec.body, appeals),
    }


def translate_letter(
    letter: Page, spec: Letter, appeals: dict[str, DonationAppeal], locale: Locale, tally: Tally
) -> Page:
    """The French open letter: the same signatories (and lead) as the English one."""
    page, new = translation_of(letter, locale)
    values = {
        **_page_values(spec, appeals),
        "addressee": spec.addressee,
        "salutation": spec.salutation,
        "demands_intro": spec.demands_intro,
        "demands": [{"type": "demand", "value": rich(item)} for item in spec.demands],
        "after_demands": _stream(spec.after_demands, appeals),
        "closing": spec.closing,
        "lead_signatory_id": letter.lead_signatory_id,
    }
    extra = same_organisations("signatories", letter)
    return publish_translation(page, new, values, tally, topics=spec.topics, extra=extra)


def translate_pages(
    french: French,
    english: dict[str, Page],
    appeals: dict[str, DonationAppeal],
    locale: Locale,
    tally: Tally,
) -> dict[str, Page]:
    """The French letter, statements and wins, keyed by their English slug."""
    letter = english[content.LETTER.slug]
    done = {letter.slug: translate_letter(letter, french.letter, appeals, locale, tally)}
    for slug, spec in french.statements.items():
        page, new = translation_of(english[slug], locale)
        values = {**_page_values(spec, appeals), "kind": spec.kind}
        extra = same_organisations("partners", english[slug])
        done[slug] = publish_translation(page, new, values, tally, topics=spec.topics, extra=extra)
    for slug, spec in french.wins.items():
        page, new = translation_of(english[slug], locale)
        related = done.get(spec.related_slug) or english.get(spec.related_slug)
        values = {
            **_page_values(spec, appeals),
            "outcome": spec.outcome,
            "decision_date": spec.decision_date,
            "decision_maker": spec.decision_maker,
            "supporter_count": spec.supporter_count,
            "supporter_action": spec.supporter_action,
            "related_page_id": related.pk if related else None,
        }
        done[slug] = publish_translation(page, new, values, tally, topics=spec.topics)
    return done


# --------------------------------------------------------------------------- the newsletter


def _french_block(block: dict, spec: FrenchIssue, ids: dict[tuple[str, int], int]) -> Any:
    """One block of the English issue, in French: its words from ``spec``, the pages and
    appeal it shows their French translations (a featured page without one is left out)."""
    kind, value = block["type"], block["value"]
    if isinstance(value, dict):
        value = dict(value)
    if kind == "intro":
        value = spec.intro
    elif kind == "wins_roundup":
        value.update(heading=spec.wins_heading, intro=spec.wins_intro)
    elif kind == "open_letter":
        letter = value.get("letter")
        letter = ids.get(("page", letter), letter)
        value.update(letter=letter, button_label=spec.letter_button_label)
    elif kind == "featured_page":
        if ("page", value.get("page")) not in ids:
            return None
        value["page"] = ids["page", value["page"]]
    elif kind == "donation_appeal" and value.get("appeal"):
        value["appeal"] = ids.get(("appeal", value["appeal"]), value["appeal"])
    return {"type": kind, "value": value}


def translate_issue(
    issue: Page, spec: FrenchIssue, ids: dict[tuple[str, int], int], locale: Locale, tally: Tally
) -> Page:
    """The French demo issue, block for block the English one (under the French archive);
    ``ids`` maps English pages and appeals, ``("page" or "appeal", id)``, to French ids."""
    blocks = (_french_block(block, spec, ids) for block in issue.body.get_prep_value())
    page, new = translation_of(issue, locale)
    values = {
        "slug": spec.slug,
        "title": spec.title,
        "subject": spec.subject,
        "preheader": spec.preheader,
        "issue_date": issue.issue_date,
        "body": [block for block in blocks if block is not None],
    }
    return publish_translation(page, new, values, tally)


def load_footer(spec: FrenchFooter, tally: Tally) -> None:
    """The newsletter settings' French footer."""
    settings = NewsletterSettings.for_site(Site.objects.get(is_default_site=True))
    values = {"organisation_name_fr": spec.organisation_name_fr, "reason_fr": spec.reason_fr}
    if _assign(settings, values):
        settings.save()
        tally.add(KIND, UPDATED, label="fr newsletter footer")
    else:
        tally.add(KIND, EXISTING)


def load_french_names(names: dict[str, str], tally: Tally) -> None:
    """The French names of the organisations that have one."""
    for name, name_fr in names.items():
        organisation = Organisation.objects.filter(name_key=organisation_key(name)).first()
        if organisation is None:
            raise DemoContentError(
                f"{shown(FILE)}, [organisations]: no organisation {name!r} in the demo "
                "(signatories.txt or a statement's partners)"
            )
        if organisation.name_fr == name_fr:
            tally.add(KIND, EXISTING)
            continue
        organisation.name_fr = name_fr
        organisation.save(update_fields=["name_fr"])
        tally.add(KIND, UPDATED, label=f"fr {name_fr}")


def load_french_subscriber(tally: Tally) -> None:
    """A confirmed French-speaking demo subscriber on the supporters list."""
    email, name, province = FRENCH_SUBSCRIBER
    if Subscriber.objects.filter(email=email).exists():
        tally.add("demo_subscribers", EXISTING)
        return
    consent = subscriptions.ConsentRecord(
        note="Demo data: not a real person.", imported_by="load_demo_content"
    )
    mailing_list = MailingList.objects.get(slug="supporters")
    subscriptions.add_manually(
        email, mailing_list, consent, name=name, language=LANGUAGE, require_confirmation=False
    )
    Subscriber.objects.filter(email=email).update(province=province)
    tally.add("demo_subscribers", CREATED)


# --------------------------------------------------------------------------- the French site


def french_locale(tally: Tally) -> Locale:
    """Wagtail's French locale, created if missing."""
    locale, created = Locale.objects.get_or_create(language_code=LANGUAGE)
    tally.add("locales", CREATED if created else EXISTING, label=LANGUAGE)
    return locale


def load_french(
    home: HomePage,
    english: dict[str, Page],
    appeals: dict[str, DonationAppeal],
    issue: Page,
    tally: Tally,
) -> HomePage | None:
    """The French site: the home page's translation and the pages below it, the French
    appeal, footer, organisation names and subscriber. ``english`` holds the English newsroom
    (``"newsroom"``) and pages by slug. Returns the French home page (``None`` when the site
    has no French: Wagtail's internationalisation is off)."""
    if not i18n_enabled():
        return None
    french, locale = load(), french_locale(tally)
    in_french = dict(appeals)  # appeal names (as in the data files) to their French version
    for name, spec in french.appeals.items():
        in_french[name] = translate_appeal(appeals[name], spec, locale, tally)
    french_home, new_home = translation_of(home, locale)
    newsroom, new = translation_of(english["newsroom"], locale)
    values = {"slug": french.newsroom.slug, "title": french.newsroom.title}
    publish_translation(newsroom, new, {**values, "intro": french.newsroom.intro}, tally)
    translated = translate_pages(french, english, in_french, locale, tally)
    archive, new = translation_of(issue.get_parent().specific, locale)
    values = {"slug": french.archive.slug, "title": french.archive.title}
    publish_translation(archive, new, {**values, "intro": french.archive.intro}, tally)
    ids = {("page", english[slug].pk): page.pk for slug, page in translated.items()}
    ids.update({("appeal", appeal.pk): in_french[name].pk for name, appeal in appeals.items()})
    translate_issue(issue, french.issue, ids, locale, tally)
    featured = translated.get(french.home.featured_slug)
    values = {
        "slug": "accueil",
        "title": french.home.title,
        "hero_heading": french.home.hero_heading,
        "intro": french.home.intro,
        "featured_page_id": featured.pk if featured else home.featured_page_id,
        "donation_appeal_id": in_french[french.home.appeal].pk,
    }
    load_footer(french.footer, tally)
    load_french_names(french.organisations, tally)
    load_french_subscriber(tally)
    return publish_translation(french_home, new_home, values, tally)
