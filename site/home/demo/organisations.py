"""Organisations for the demo: the open letter's signatories and statements' partners."""

from __future__ import annotations

from advocacy.models import Organisation
from advocacy.models.organisations import organisation_key
from advocacy.signatories import parse_pasted_names, resolve_organisations
from home.demo import DemoContentError
from home.demo.content import SIGNATORIES_FILE
from home.demo.upsert import CREATED, EXISTING, Tally


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
        raise DemoContentError(f"{SIGNATORIES_FILE.name}: " + "; ".join(report.errors))
    organisations = resolve_organisations(report)
    tally.add("organisations", CREATED, report.created)
    tally.add("organisations", EXISTING, report.reused)
    return organisations
