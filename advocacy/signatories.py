"""Paste-to-sign: turn a pasted list (one organisation per line) into letter signatories.

Editors paste hundreds of names at once. Blank lines and repeats are skipped and reported,
existing organisations are reused (names match ignoring case and spacing), the rest created.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from advocacy.models.organisations import (
    Organisation,
    clean_organisation_name,
    organisation_key,
)

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
            parts.append(f"Removed {self.removed} signator{'y' if self.removed == 1 else 'ies'}.")
        if self.added or not self.removed:
            parts.append(
                f"Added {self.added} signator{'y' if self.added == 1 else 'ies'} "
                f"({self.created} new organisation{'' if self.created == 1 else 's'}, "
                f"{self.reused} existing reused)."
            )
        if self.blank_lines:
            parts.append(f"Skipped {len(self.blank_lines)} blank line(s).")
        if self.repeated:
            shown = "; ".join(
                f"line {line} “{name}” repeats line {first}"
                for line, name, first in self.repeated[:10]
            )
            more = f" and {len(self.repeated) - 10} more" if len(self.repeated) > 10 else ""
            parts.append(f"Skipped {len(self.repeated)} duplicate(s) in the paste: {shown}{more}.")
        if self.already_signed:
            shown = "; ".join(f"line {line} “{name}”" for line, name in self.already_signed[:10])
            more = (
                f" and {len(self.already_signed) - 10} more"
                if len(self.already_signed) > 10
                else ""
            )
            parts.append(
                f"Skipped {len(self.already_signed)} already on the letter: {shown}{more}."
            )
        return " ".join(parts)


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
                f"Line {number} is {len(name)} characters long; a name can have at most "
                f"{MAX_NAME_LENGTH}. Is it several names on one line?"
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
