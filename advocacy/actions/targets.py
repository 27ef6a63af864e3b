"""Who a letter goes to: the action's fixed representatives, or the supporter's own, found
from their postal code.

A Canadian postal code's first three characters are its forward sortation area (FSA). The
imported table (:class:`RidingArea`) says which riding each FSA lies in; an FSA spanning
ridings has one row each, and the supporter picks theirs. Representatives are matched to a
riding by ``riding_key`` (case, spacing and dash kinds ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from advocacy.models import ActionPage, Representative, RidingArea
from advocacy.models.actions import riding_key

# Letters a postal code uses: no D, F, I, O, Q or U anywhere, and no W or Z first.
_POSTAL_CODE = re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d")
_SEPARATORS = re.compile(r"[\s\-]+")
MAX_POSTAL_CODE_INPUT = 20


def normalise_postal_code(value: str) -> str:
    """``"k1a0b1"`` → ``"K1A 0B1"``; ValidationError unless it is a Canadian postal code."""
    compact = _SEPARATORS.sub("", (value or "")[:MAX_POSTAL_CODE_INPUT]).upper()
    if not compact:
        raise ValidationError(_("Enter your postal code."))
    if not _POSTAL_CODE.fullmatch(compact):
        raise ValidationError(_("Enter a Canadian postal code, like K1A 0B1."))
    return f"{compact[:3]} {compact[3:]}"


def fsa_of(postal_code: str) -> str:
    """The forward sortation area: the first three characters."""
    return postal_code.replace(" ", "")[:3].upper()


@dataclass
class TargetLookup:
    """What the lookup found: the targets, or an error for the supporter (with the ridings to
    choose from when their postal area spans several)."""

    targets: list[Representative] = field(default_factory=list)
    error: str = ""
    riding_choices: list[str] = field(default_factory=list)


def fixed_targets(page: ActionPage) -> list[Representative]:
    """The representatives every supporter of ``page`` writes to, in the page's order."""
    return [
        link.representative
        for link in page.fixed_targets.select_related("representative").order_by("sort_order")
    ]


def ridings_of(fsa: str) -> list[RidingArea]:
    """The ridings a postal area lies in (one row per riding), by name."""
    return list(RidingArea.objects.filter(fsa=fsa.upper()).order_by("riding"))


def representatives_of(key: str) -> list[Representative]:
    """The representatives of the riding with ``riding_key`` ``key``."""
    if not key:
        return []
    return list(Representative.objects.filter(riding_key=key).order_by("name"))


def _by_postal_code(postal_code: str, riding: str) -> TargetLookup:
    areas = ridings_of(fsa_of(postal_code))
    if not areas:
        return TargetLookup(
            error=_(
                "We could not find the riding for this postal code. Check it, or write to us "
                "if it is right."
            )
        )
    if len(areas) > 1:
        chosen = riding_key(riding) if riding else ""
        matching = [area for area in areas if area.riding_key == chosen]
        if not matching:
            return TargetLookup(
                error=_("Your postal area spans several ridings: choose yours."),
                riding_choices=[area.riding for area in areas],
            )
        areas = matching
    targets = representatives_of(areas[0].riding_key)
    if not targets:
        return TargetLookup(
            error=_("We have no representative on file for %(riding)s yet.")
            % {"riding": areas[0].riding}
        )
    return TargetLookup(targets=targets)


def find_targets(page: ActionPage, postal_code: str, riding: str = "") -> TargetLookup:
    """The representatives a supporter of ``page`` writes to (none for a petition).

    ``postal_code`` is normalised (:func:`normalise_postal_code`); ``riding`` is the riding the
    supporter picked, when their postal area spans several.
    """
    if page.kind != ActionPage.Kind.LETTER:
        return TargetLookup()
    if page.targeting == ActionPage.Targeting.POSTAL_CODE:
        return _by_postal_code(postal_code, riding)
    targets = fixed_targets(page)
    if not targets:
        return TargetLookup(error=_("This action has no one to write to yet."))
    return TargetLookup(targets=targets)
