"""A per-IP fixed-window rate limit for subscribe attempts, kept in the default cache.

The client is ``REMOTE_ADDR``: behind a reverse proxy, make the proxy (or the WSGI server) set it
to the visitor's address, otherwise every visitor shares one budget. With several web processes
use a shared cache (``REDIS_URL``); the local-memory cache counts per process.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from newsletter import conf

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/h"`` -> ``(10, 3600)``."""
    count, _, unit = rate.partition("/")
    return int(count), PERIODS[unit.strip().lower()[:1] or "h"]


def retry_after(request: HttpRequest, scope: str = "subscribe") -> int | None:
    """Count one attempt; return the seconds to wait if over the limit, else ``None``."""
    limit, period = parse_rate(conf.get("NEWSLETTER_SUBSCRIBE_RATE"))
    now = time.time()
    window = int(now // period)
    ip = request.META.get("REMOTE_ADDR") or "unknown"
    key = f"newsletter:rate:{scope}:{ip}:{window}"
    if cache.add(key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 1)
            count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * period - now))


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many sign-up attempts from your network. Please try again in {wait}."


def too_many_requests(request: HttpRequest, seconds: int, *, as_json: bool) -> HttpResponse:
    """HTTP 429 with a clear message and ``Retry-After``."""
    text = message(seconds)
    if as_json:
        response: HttpResponse = JsonResponse(
            {"status": "error", "message": text, "retry_after": seconds}, status=429
        )
    else:
        response = TemplateResponse(
            request, "newsletter/rate_limited.html", {"message": text}, status=429
        )
    response["Retry-After"] = str(seconds)
    return response
