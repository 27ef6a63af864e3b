"""A bound on ``offset`` for every paginated operation of Wagtail's API v3.

Wagtail 8's ``WagtailLimitOffsetPagination`` bounds ``limit`` but not ``offset``: an offset
past the database's 64-bit integers (``?offset=110137967322247669687160668160``) reaches the
database and fails there, a 500 on every listing (pages, images, redirects, and ours). Until
Wagtail bounds it, :func:`bound_offsets` makes such an offset a 400 that says the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from ninja.errors import HttpError
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination

#: No listing is this long; far below the 64-bit integers databases take.
MAX_OFFSET = 1_000_000_000


def bound_offsets() -> None:
    """Make an ``offset`` above :data:`MAX_OFFSET` a 400 on every v3 listing (once)."""
    cls = WagtailLimitOffsetPagination
    if getattr(cls, "_offset_bounded", False):
        return
    paginate_queryset = cls.paginate_queryset

    def bounded(self: Any, queryset: Any, pagination: Any, request: Any, **params: Any) -> Any:
        if pagination.offset > MAX_OFFSET:
            message = _("offset cannot be higher than %(max)s") % {"max": MAX_OFFSET}
            raise HttpError(400, message)
        return paginate_queryset(self, queryset, pagination, request, **params)

    cls.paginate_queryset = bounded  # type: ignore[method-assign]
    cls._offset_bounded = True  # type: ignore[attr-defined]


class PresentedRows:
    """A queryset for Ninja's paginator whose page of rows comes out through ``present``
    (called once per page, so it can load what those rows need in bulk)."""

    def __init__(self, rows: Any, present: Callable[[Any], list[dict]]) -> None:
        self.rows = rows
        self.present = present

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        return self.present(self.rows[index])  # the sliced queryset, unevaluated
