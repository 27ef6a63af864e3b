"""Build the demo site from :mod:`home.demo.content`, idempotently.

Pages are found by slug under their parent and snippets by their unique name: a second run
creates nothing, and only saves (and publishes a new revision of) what differs from the
content. The whole load runs in one transaction. The work is split by concern:
:mod:`~home.demo.upsert` (create-or-update and the tally), :mod:`~home.demo.organisations`
(signatories and partners), :mod:`~home.demo.pages` (pages and appeals),
:mod:`~home.demo.newsletter` (the newsletter half), :mod:`~home.demo.french` (the French
translations, after the English content) and, once the pages exist, the newsletter's roles
(:func:`newsletter.roles.setup_roles`, Comms editors scoped to the home pages);
:mod:`~home.demo.actions` adds the supporter actions after the newsletter half.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.models import Page, ReferenceIndex, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from home.demo import DemoContentError
from home.demo.actions import load_actions
from home.demo.content import SIGNATORIES_FILE
from home.demo.french import load_french
from home.demo.newsletter import load_newsletter_demo
from home.demo.organisations import load_signatory_organisations
from home.demo.pages import (
    load_appeals,
    load_letter,
    load_listings,
    load_statements,
    load_wins,
    update_home,
)
from home.demo.upsert import CREATED, EXISTING, UPDATED, Tally, Writer
from home.models import HomePage
from newsletter.models import MailingList
from newsletter.roles import setup_roles

__all__ = [
    "DEFAULT_ADMIN_PASSWORD",
    "SIGNATORIES_FILE",
    "DemoContentError",
    "ensure_admin",
    "get_home_page",
    "load_demo_content",
]

DEFAULT_ADMIN_PASSWORD = "demo-admin-password"


def get_home_page() -> HomePage:
    """The default site's root, which the migrations make a :class:`HomePage`."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific
    home = HomePage.objects.first()
    if home is None:
        raise DemoContentError("No home page: run `manage.py migrate` first.")
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
        wins = load_wins(newsroom, appeals, pages, tally)
        update_home(home, pages, appeals, tally)
        issue = load_newsletter_demo(home, letter, pages, appeals, tally)
        load_actions(newsroom, appeals, MailingList.objects.get(slug="supporters"), tally)
        english = {"newsroom": newsroom, **pages, **wins}
        french_home = load_french(home, english, appeals, issue, tally)
        load_roles([home, french_home] if french_home else [home], tally)
        for obj in tally.saved:
            if ReferenceIndex.is_indexed(type(obj)):
                # Fresh from the database: what was published, child rows included.
                ReferenceIndex.create_or_update_for_object(type(obj).objects.get(pk=obj.pk))
    return tally.as_dict()


def load_roles(homes: list[HomePage], tally: Tally) -> None:
    """The newsletter's roles, with Comms editors publishing at and below the demo's home pages,
    English and French (what ``manage.py newsletter_setup_roles --pages <ids>`` does)."""
    for report in setup_roles(homes):
        status = CREATED if report.created else UPDATED if report.changed else EXISTING
        tally.add("roles", status, label=report.role.name)


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
