"""Likely duplicates in the moderation queue: names that are probably the same organisation.

:func:`duplicate_key` is looser than :func:`advocacy.models.organisations.organisation_key`
(which decides identity when saving): it ignores case, accents, punctuation, hyphens, spacing,
a leading article and doubled letters, so "Masjid Al Salaam" and "Masjid Al-Salam", or "The
Council of Islamic Guidance" and "Council of Islamic Guidance", get the same key. A match is
only a flag for the moderator, who decides whether to merge.

:class:`DuplicateFinder` computes every organisation's key once per page view, so a queue of
hundreds of requests costs three queries, not one per row.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from advocacy.models import LetterSignatory, Organisation, SignOnRequest

LEADING_ARTICLES = ("the", "la", "le", "les", "l")
_NOT_WORD = re.compile(r"[\W_]+")
_REPEATED = re.compile(r"(.)\1+")


def duplicate_key(name: str) -> str:
    """A name reduced to what tells organisations apart (see the module's docstring)."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = _NOT_WORD.sub(" ", text).split()
    if len(words) > 1 and words[0] in LEADING_ARTICLES:
        words = words[1:]
    return _REPEATED.sub(r"\1", "".join(words))


@dataclass
class Flags:
    """What a request's name matches: existing organisations (and which of them already signed
    its letter) and other open requests."""

    organisations: list[Organisation] = field(default_factory=list)
    already_signed: list[Organisation] = field(default_factory=list)
    other_requests: list[SignOnRequest] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.organisations or self.other_requests)


class DuplicateFinder:
    """Keys of every organisation and open request, computed once; :meth:`flags` per row."""

    def __init__(self, letter_ids: Iterable[int]) -> None:
        self._organisations: dict[str, list[Organisation]] = defaultdict(list)
        for organisation in Organisation.objects.only("pk", "name", "city", "province"):
            self._organisations[duplicate_key(organisation.name)].append(organisation)
        self._signed: set[tuple[int, int]] = set(
            LetterSignatory.objects.filter(page_id__in=set(letter_ids)).values_list(
                "page_id", "organisation_id"
            )
        )
        self._requests: dict[str, list[SignOnRequest]] = defaultdict(list)
        open_requests = SignOnRequest.objects.filter(
            status__in=(SignOnRequest.Status.PENDING, SignOnRequest.Status.CONFIRMED)
        ).only("pk", "organisation_name", "letter_id", "status")
        for request in open_requests:
            self._requests[duplicate_key(request.organisation_name)].append(request)

    def flags(self, request: SignOnRequest) -> Flags:
        """The flags of one request (no query)."""
        key = duplicate_key(request.organisation_name)
        organisations = self._organisations.get(key, [])
        return Flags(
            organisations=list(organisations),
            already_signed=[o for o in organisations if (request.letter_id, o.pk) in self._signed],
            other_requests=[r for r in self._requests.get(key, []) if r.pk != request.pk],
        )
