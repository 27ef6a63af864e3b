"""``/api/v3/advocacy/letters/<id>/signatories/``: a letter's signatories, page by page."""

from typing import Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination

from advocacy.headless.fields import organisation_data
from advocacy.headless.schemas import Organisation
from advocacy.models import LetterSignatory, OpenLetterPage
from advocacy.models.organisations import PROVINCES
from newsletter.headless.pagination import PresentedRows

router = Router(tags=["advocacy"])

Province = Literal[tuple(code for code, _name in PROVINCES)]  # type: ignore[valid-type]


class SignatoryFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the name or city, any case.")
    province: Province | None = Field(None, description="Two-letter code, e.g. 'ON'.")


class Signatory(Organisation):
    """An organisation on the letter, with its place in the letter's order."""

    number: int = Field(description="1 for the first signatory, in the letter's order.")


def letter_signatories(letter: OpenLetterPage, filters: SignatoryFilters) -> QuerySet:
    """The letter's signatories in its order, narrowed by ``filters``, numbered."""
    rows = LetterSignatory.objects.filter(page=letter).select_related("organisation")
    rows = rows.order_by("sort_order", "pk")
    if "\x00" in filters.q:
        return rows.none()
    if filters.q.strip():
        text = filters.q.strip()
        rows = rows.filter(
            Q(organisation__name__icontains=text) | Q(organisation__city__icontains=text)
        )
    if filters.province:
        rows = rows.filter(organisation__province=filters.province)
    return rows


@router.get(
    "/{letter_id}/signatories/",
    response=list[Signatory],
    url_name="advocacy_letter_signatories",
    summary="A letter's signatories",
    operation_id="advocacy_letter_signatories",
)
@paginate(WagtailLimitOffsetPagination)
def signatories(
    request: HttpRequest,
    letter_id: int = Path(..., ge=1, le=2**31 - 1),
    filters: SignatoryFilters = Query(...),
):
    """The organisations that signed a published letter, in the letter's order (20 a page;
    ``limit`` up to ``WAGTAILAPI_LIMIT_MAX``); ``q`` and ``province`` narrow the list."""
    # Published letters anyone may read, whoever asks (not the editor's drafts).
    letter = get_object_or_404(OpenLetterPage.objects.live().public(), pk=letter_id)
    order = {
        pk: number
        for number, pk in enumerate(
            LetterSignatory.objects.filter(page=letter)
            .order_by("sort_order", "pk")
            .values_list("pk", flat=True),
            start=1,
        )
    }
    return PresentedRows(
        letter_signatories(letter, filters),
        lambda rows: [
            {**organisation_data(row.organisation), "number": order[row.pk]} for row in rows
        ],
    )
