"""The demo site's content, read from the data files in ``data/``.

Facts (names, dates, counts, outcomes, decision makers) follow the five seed documents; the
summaries and body text are short rewrites for the demo, not the originals. The files are
TOML, written to be edited by hand (``data/README.md`` explains them); the open letter's
signatory organisations are listed in ``data/signatories.txt``.

The files are read and checked on first use of ``APPEALS``, ``HOME``, ``NEWSROOM``,
``TIMELINE``, ``LETTER``, ``STATEMENTS``, ``WINS`` or ``TOPICS``, so a mistake in them is a
:class:`~home.demo.DemoContentError` naming the file and the entry, raised while loading.
Body text becomes ``(block_type, value)`` pairs (see :mod:`home.demo.blocks`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from advocacy.dates import DatePrecision
from advocacy.models.statements import StatementPage
from advocacy.models.wins import Outcome, SupporterAction
from home.demo import DemoContentError
from home.demo.blocks import Block, build_blocks
from home.demo.datafiles import (
    DATA_DIR,
    Reader,
    as_table,
    build,
    choice,
    count,
    date,
    entries,
    entry,
    flag,
    read,
    rich_text,
    shown,
    texts,
)

SIGNATORIES_FILE = DATA_DIR / "signatories.txt"

# Entries the code refers to by name; load() checks that the data files still have them.
CJPME_APPEAL = "CJPME monthly giving appeal"  # the newsletter's default appeal
ENDORSEMENT_SLUG = "cmpac-endorses-stop-genocide-or-resign"  # featured in the demo issue
STRATEGY_SLUG = "cmpac-political-advocacy-strategy-for-palestine"  # featured in the demo issue

Kind = StatementPage.Kind

# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Appeal:
    """A :class:`~advocacy.models.DonationAppeal` snippet, unique by ``name``."""

    name: str
    headline: str
    message: str  # rich text
    button_url: str
    button_label: str = "Donate now"
    beneficiary: str = ""  # whose work the gifts fund
    suggested_amounts: str = ""
    currency: str = "CAD"
    monthly_emphasis: bool = False
    eligibility_note: str = ""
    etransfer_email: str = ""
    phone: str = ""
    mail_in_url: str = ""


@dataclass(frozen=True)
class Statement:
    """A :class:`~advocacy.models.StatementPage` in the newsroom, unique by ``slug``."""

    slug: str
    title: str
    kind: Kind
    date: datetime.date
    summary: str
    date_precision: DatePrecision = DatePrecision.DAY
    topics: tuple[str, ...] = ()
    body: tuple[Block, ...] = ()
    partners: tuple[str, ...] = ()  # organisation names


@dataclass(frozen=True)
class Letter:
    """An :class:`~advocacy.models.OpenLetterPage`; signatories come from ``signatories.txt``."""

    slug: str
    title: str
    date: datetime.date
    summary: str
    addressee: str
    salutation: str
    body: tuple[Block, ...]
    demands_intro: str
    demands: tuple[str, ...]
    date_precision: DatePrecision = DatePrecision.DAY
    after_demands: tuple[Block, ...] = ()
    closing: str = "Respectfully,"
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Win:
    """A :class:`~advocacy.models.CampaignWinPage`; ``related_slug`` names a newsroom page."""

    slug: str
    title: str
    date: datetime.date
    outcome: Outcome
    summary: str
    date_precision: DatePrecision = DatePrecision.DAY
    body: tuple[Block, ...] = ()
    topics: tuple[str, ...] = ()
    decision_maker: str = ""
    decision_date: datetime.date | None = None
    supporter_count: int | None = None
    supporter_action: SupporterAction = SupporterAction.SUPPORTERS
    related_slug: str = ""


@dataclass(frozen=True)
class Home:
    """The home page's welcome text, featured page and donation appeal."""

    title: str
    hero_heading: str
    intro: str  # rich text
    featured_slug: str
    appeal: str


@dataclass(frozen=True)
class Listing:
    """The newsroom or the timeline; ``extra`` holds further page fields (``page_size``)."""

    title: str
    slug: str
    intro: str  # rich text
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoContent:
    """Everything in the data files, read and checked."""

    topics: tuple[str, ...]
    appeals: tuple[Appeal, ...]
    home: Home
    newsroom: Listing
    timeline: Listing
    letter: Letter
    statements: tuple[Statement, ...]
    wins: tuple[Win, ...]


# How each field is read, by name; any field not listed is text.
READERS: dict[str, Reader] = {
    "intro": rich_text,  # of the home page and the listings: plain text, one paragraph
    "date": date,
    "date_precision": choice(DatePrecision),
    "decision_date": date,
    "supporter_count": count,
    "monthly_emphasis": flag,
    "topics": texts,
    "partners": texts,
    "demands": texts,
    "body": build_blocks,
    "after_demands": build_blocks,
    "kind": choice(Kind),
    "outcome": choice(Outcome),
    "supporter_action": choice(SupporterAction),
}


def _listing(table: Any, where: str) -> Listing:
    """A listing page; a ``page_size`` goes to ``extra``, set on the page with the rest."""
    table = dict(as_table(table, where))
    extra = {}
    if "page_size" in table:
        extra["page_size"] = count(table.pop("page_size"), f"{where}, page_size")
    return build(Listing, table, where, READERS, extra=extra)


# --------------------------------------------------------------------------- cross-references


def _expect(value: str, known: Any, where: str, what: str) -> None:
    """``value`` must be among ``known``, or the error says it must be ``what``."""
    if value not in known:
        raise DemoContentError(f"{where}: {value!r} is not {what}")


def _unique(values: list[str], where: str, what: str) -> list[str]:
    """``values``, none repeated."""
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise DemoContentError(f"{where}: {what} used more than once: {', '.join(repeated)}")
    return values


def _check_page(page: Letter | Statement | Win, where: str, data: DemoContent) -> None:
    """A page's topics are declared and its donation appeal blocks name existing appeals."""
    appeals = [appeal.name for appeal in data.appeals]
    for topic in page.topics:
        _expect(topic, data.topics, f"{where}, topics", "one of the topics in site.toml")
    for block_type, value in (*page.body, *getattr(page, "after_demands", ())):
        if block_type == "donation_appeal":
            _expect(value["appeal"], appeals, f"{where}, body", "an appeal in appeals.toml")


def _check_named_in_code(appeals: list[str], statements: list[str]) -> None:
    """The entries this module names (``CJPME_APPEAL`` and the slugs) are in the data."""
    if CJPME_APPEAL not in appeals:
        raise DemoContentError(
            f"{shown('appeals.toml')}: no appeal named {CJPME_APPEAL!r} (home/demo/content.py "
            "refers to it)"
        )
    for slug in (ENDORSEMENT_SLUG, STRATEGY_SLUG):
        if slug not in statements:
            raise DemoContentError(
                f"{shown('statements.toml')}: no statement with slug {slug!r} "
                "(home/demo/content.py refers to it)"
            )


def _check_references(data: DemoContent) -> None:
    """Everything an entry (or the code) refers to exists, and slugs and names are unique."""
    appeals = _unique([appeal.name for appeal in data.appeals], shown("appeals.toml"), "name")
    statements = [statement.slug for statement in data.statements]
    linkable = [data.letter.slug, *statements]
    pages = f"{shown('')} (letter.toml, statements.toml, wins.toml)"
    _unique([*linkable, *(win.slug for win in data.wins)], pages, "slug")
    site = shown("site.toml")
    _expect(data.home.appeal, appeals, f"{site}, [home], appeal", "an appeal in appeals.toml")
    _expect(
        data.home.featured_slug,
        linkable,
        f"{site}, [home], featured_slug",
        "the slug of the open letter or of a statement",
    )
    _check_named_in_code(appeals, statements)
    _check_page(data.letter, shown("letter.toml"), data)
    for number, statement in enumerate(data.statements, 1):
        _check_page(statement, entry("statements.toml", "statement", number, statement.slug), data)
    for number, win in enumerate(data.wins, 1):
        where = entry("wins.toml", "win", number, win.slug)
        _check_page(win, where, data)
        if win.related_slug:
            _expect(
                win.related_slug,
                linkable,
                f"{where}, related_slug",
                "the slug of the open letter or of a statement",
            )


# --------------------------------------------------------------------------- loading


@cache
def load() -> DemoContent:
    """Read and check the data files, once per process."""
    site = read("site.toml", {"topics", "home", "newsroom", "timeline"})
    where = shown("site.toml")
    data = DemoContent(
        topics=texts(site.get("topics", []), f"{where}, topics"),
        appeals=entries(Appeal, "appeals.toml", "appeal", READERS),
        home=build(Home, site.get("home"), f"{where}, [home]", READERS),
        newsroom=_listing(site.get("newsroom"), f"{where}, [newsroom]"),
        timeline=_listing(site.get("timeline"), f"{where}, [timeline]"),
        letter=build(Letter, read("letter.toml"), shown("letter.toml"), READERS),
        statements=entries(Statement, "statements.toml", "statement", READERS),
        wins=entries(Win, "wins.toml", "win", READERS),
    )
    _check_references(data)
    return data


# The data, read on first use (see __getattr__).
TOPICS: tuple[str, ...]
APPEALS: tuple[Appeal, ...]
HOME: Home
NEWSROOM: Listing
TIMELINE: Listing
LETTER: Letter
STATEMENTS: tuple[Statement, ...]
WINS: tuple[Win, ...]

_LOADED = ("TOPICS", "APPEALS", "HOME", "NEWSROOM", "TIMELINE", "LETTER", "STATEMENTS", "WINS")


def __getattr__(name: str) -> Any:
    """``content.APPEALS``, ``content.LETTER`` and the rest, from :func:`load`."""
    if name in _LOADED:
        return getattr(load(), name.lower())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
