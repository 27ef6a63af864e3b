"""How the newsletter's commands print a moment: in settings.TIME_ZONE, naming the zone."""

from __future__ import annotations

import datetime

from django.utils import timezone


def local_time(moment: datetime.datetime | None) -> str:
    """``2026-11-30 12:05 America/Toronto`` (the site's time zone), or "-" for none."""
    if moment is None:
        return "-"
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {timezone.get_current_timezone_name()}"
