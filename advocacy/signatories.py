"""Paste-to-sign: turn a pasted list (one organisation per line) into letter signatories.

Editors paste hundreds of names at once. Blank lines and repeats are skipped and reported,
existing organisations are reused (names match ignoring case and spacing), the rest created.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from django.db.models import QuerySet
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from advocacy.models.organisations import (
    PROVINCES,
    Organisation,
    clean_organisation_name,
    organisation_key,
)
from newsletter.languages import active_language_is

MAX_NAME_LENGTH = Organisation._meta.get_field("name").max_length
# "- Name", "• Name", "* Name", "12. Name", "12) Name": list markers copied from documents.
_LIST_MARKER = re.compile("^(?:[-*\u2022\u2013\u00b7]\\s+|\\d{1,4}[.)]\\s+)")


@dataclass
class PastedName:
    line: int
    name: str
    key: str


@dataclass
class PasteReport:
    """What a paste did, for the message shown to the editor."""

    names: list[PastedName] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)
    repeated: list[tuple[int, str, int]] = field(default_factory=list)  # line, name, first line
    already_signed: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    reused: int = 0
    removed: int = 0  # ticked off the letter in the same save

    @property
    def added(self) -> int:
        return self.created + self.reused

    def summary(self) -> str:
        """One readable paragraph for the editor."""
        parts = []
        if self.removed:
            parts.append(
                ngettext("Removed %(n)s signatory.", "Removed %(n)s signatories.", self.removed)
                % {"n": self.removed}
            )
        if self.added or not self.removed:
            new = ngettext("%(n)s new organisation", "%(n)s new organisations", self.created) % {
                "n": self.created
            }
            parts.append(
                ngettext(
                    "Added %(n)s signatory (%(new)s, %(reused)s existing reused).",
                    "Added %(n)s signatories (%(new)s, %(reused)s existing reused).",
                    self.added,
                )
                % {"n": self.added, "new": new, "reused": self.reused}
            )
        if self.blank_lines:
            n = len(self.blank_lines)
            parts.append(
                ngettext("Skipped %(n)s blank line(s).", "Skipped %(n)s blank line(s).", n)
                % {"n": n}
            )
        if self.repeated:
            shown = "; ".join(
                _("line %(line)s “%(name)s” repeats line %(first)s")
                % {"line": line, "name": name, "first": first}
                for line, name, first in self.repeated[:10]
            )
            n = len(self.repeated)
            parts.append(
                ngettext(
                    "Skipped %(n)s duplicate(s) in the paste: %(lines)s.",
                    "Skipped %(n)s duplicate(s) in the paste: %(lines)s.",
                    n,
                )
                % {"n": n, "lines": shown + _and_more(n - 10)}
            )
        if self.already_signed:
            shown = "; ".join(
                _("line %(line)s “%(name)s”") % {"line": line, "name": name}
                for line, name in self.already_signed[:10]
            )
            n = len(self.already_signed)
            parts.append(
                ngettext(
                    "Skipped %(n)s already on the letter: %(lines)s.",
                    "Skipped %(n)s already on the letter: %(lines)s.",
                    n,
                )
                % {"n": n, "lines": shown + _and_more(n - 10)}
            )
        return " ".join(parts)


def _and_more(more: int) -> str:
    """The " and 3 more" after a list cut short; nothing when nothing was left out."""
    if more <= 0:
        return ""
    return " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": more}


def parse_pasted_names(text: str, already_signed_keys: Iterable[str] = ()) -> PasteReport:
    """Read one organisation per line; report blanks, repeats, signed ones and bad lines."""
    report = PasteReport()
    signed = set(already_signed_keys)
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        name = clean_organisation_name(_LIST_MARKER.sub("", raw.strip()))
        if not name:
            report.blank_lines.append(number)
            continue
        if len(name) > MAX_NAME_LENGTH:
            report.errors.append(
                _(
                    "Line %(line)s is %(length)s characters long; a name can have at most "
                    "%(max)s. Is it several names on one line?"
                )
                % {"line": number, "length": len(name), "max": MAX_NAME_LENGTH}
            )
            continue
        key = organisation_key(name)
        if key in first_line_of:
            report.repeated.append((number, name, first_line_of[key]))
            continue
        first_line_of[key] = number
        if key in signed:
            report.already_signed.append((number, name))
            continue
        report.names.append(PastedName(line=number, name=name, key=key))
    return report


def resolve_organisations(report: PasteReport, *, create: bool = True) -> list[Organisation]:
    """Find or create the organisations of a parsed paste, in paste order (two queries).

    With ``create=False`` nothing is written (one query): names not in the database yet come
    back as unsaved ``Organisation`` instances, enough to show them in a preview.
    """
    keys = [item.key for item in report.names]
    existing = {org.name_key: org for org in Organisation.objects.filter(name_key__in=keys)}
    missing = [
        Organisation(name=item.name, name_key=item.key)
        for item in report.names
        if item.key not in existing
    ]
    if not create:
        existing.update({org.name_key: org for org in missing})
    elif missing:
        # ignore_conflicts: another editor may create the same name at the same moment.
        Organisation.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update(
            {
                org.name_key: org
                for org in Organisation.objects.filter(name_key__in=[o.name_key for o in missing])
            }
        )
    report.created = len(missing)
    report.reused = len(keys) - len(missing)
    return [existing[key] for key in keys]


# ---------- The public list ----------

PROVINCE_NAMES = dict(PROVINCES)


@dataclass
class SignatoryList:
    """A letter's signatories ready for the page: the rows' HTML, the count, the provinces.

    ``provinces`` is ``[(code, name, how many), ...]`` sorted by name, for the filter.
    """

    count: int
    rows_html: str
    provinces: list[tuple[str, str, int]]


def _signatory_rows(page) -> list[tuple[str, str, str, str]]:
    """(name, city, province, website) of each signatory in order, in one query; the name in
    the active language (an organisation's French name on French pages, where it has one).

    A preview of an unsaved revision holds its signatories in memory (modelcluster's
    FakeQuerySet); they are read as objects. A saved page reads just the five columns.
    """
    rows = page.signatories.all()
    if isinstance(rows, QuerySet):
        french = active_language_is("fr")
        return [
            ((name_fr if french and name_fr else name), city, province, website)
            for name, name_fr, city, province, website in rows.order_by(
                "sort_order", "pk"
            ).values_list(
                "organisation__name",
                "organisation__name_fr",
                "organisation__city",
                "organisation__province",
                "organisation__website",
            )
        ]
    signed = sorted(rows, key=lambda row: (row.sort_order or 0, row.pk or 0))
    organisations = [_organisation_of(row) for row in signed]
    return [(o.display_name, o.city, o.province, o.website) for o in organisations if o is not None]


def _organisation_of(row) -> Organisation | None:
    """A signatory row's organisation; a previewed paste's may be unsaved (no id yet)."""
    try:
        return row.organisation
    except Organisation.DoesNotExist:
        return None


def signatory_list(page) -> SignatoryList:
    """The letter's signatories as list items (``<li class="org">``), built without templates.

    Hundreds of rows through a template include cost tens of milliseconds; this is about one.
    Each row carries ``data-province`` for the filter in ``advocacy/js/signatories.js``.
    """
    rows = _signatory_rows(page)
    parts = []
    provinces: dict[str, int] = {}
    for name, city, province, website in rows:
        province_name = _(PROVINCE_NAMES[province]) if province in PROVINCE_NAMES else ""
        if province_name:
            provinces[province] = provinces.get(province, 0) + 1
        name_html = escape(name)
        if website:
            name_html = (
                f'<a class="org__name" href="{escape(website)}" rel="external">{name_html}</a>'
            )
        else:
            name_html = f'<span class="org__name">{name_html}</span>'
        place = ", ".join(part for part in (city, province_name) if part)
        place_html = f'<span class="org__place">{escape(place)}</span>' if place else ""
        parts.append(
            f'<li class="org" data-province="{escape(province)}">{name_html}{place_html}</li>'
        )
    named = [(code, _(PROVINCE_NAMES[code]), n) for code, n in provinces.items()]
    return SignatoryList(
        count=len(rows),
        rows_html=mark_safe("\n".join(parts)),  # every value is escaped above
        provinces=sorted(named, key=lambda item: item[1]),  # by name, in the page's language
    )


def append_signatory(letter, organisation: Organisation) -> bool:
    """Add ``organisation`` after the letter's last signatory; ``False`` if it already signed.

    The row goes on the live letter and into its latest and live revisions: a draft saved
    before the approval would otherwise drop the new signatory when it is published. Sends
    :data:`advocacy.signals.signatories_changed` once the transaction commits.
    """
    from django.db import transaction
    from django.db.models import Max
    from wagtail.models import Page

    from advocacy.models.letters import LetterSignatory
    from advocacy.signals import signatories_changed

    # One approval at a time per letter: the check, the order and the revisions' rows below
    # would otherwise race (the caller holds the transaction; the lock lasts until it ends).
    locked = Page.objects.select_for_update(of=("self",)).select_related(
        "latest_revision", "live_revision"
    )
    letter_row = locked.get(pk=letter.pk)
    if LetterSignatory.objects.filter(page_id=letter.pk, organisation=organisation).exists():
        return False
    last = LetterSignatory.objects.filter(page_id=letter.pk).aggregate(Max("sort_order"))
    order = 0 if last["sort_order__max"] is None else last["sort_order__max"] + 1
    row = LetterSignatory.objects.create(
        page_id=letter.pk, organisation=organisation, sort_order=order
    )
    for revision in {letter_row.latest_revision, letter_row.live_revision} - {None}:
        rows = revision.content.get("signatories")
        if rows is None or any(r.get("organisation") == organisation.pk for r in rows):
            continue
        rows.append(
            {"pk": row.pk, "page": letter.pk, "organisation": organisation.pk, "sort_order": order}
        )
        revision.save(update_fields=["content"])
    transaction.on_commit(lambda: signatories_changed.send(sender=type(letter), page=letter))
    return True
