"""CSV downloads from the admin: cells safe to open in a spreadsheet, streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header


def csv_cell(value) -> str:
    """CSV-safe text: no formula injection when the file is opened in a spreadsheet."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose ``write`` returns the line: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_download(rows: Iterable[list], name: str, *, stamped: bool = True) -> StreamingHttpResponse:
    """Stream ``rows`` (header first, cells already through :func:`csv_cell`) as the file
    ``<name>-<YYYYmmdd-HHMM>.csv`` (``<name>.csv`` when not ``stamped``)."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    if stamped:
        name = f"{name}-{timezone.localtime().strftime('%Y%m%d-%H%M')}"
    # RFC 6266 with a filename* for names outside ASCII (Wagtail allows Unicode slugs).
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response
