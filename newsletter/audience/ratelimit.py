"""A per-client fixed-window rate limit for subscribe attempts, kept in the default cache.

* The client is :func:`newsletter.audience.client_address.client_ip`: ``REMOTE_ADDR``, or the
  address ``NEWSLETTER_TRUSTED_PROXIES`` points to in ``X-Forwarded-For`` behind proxies.
* An IPv6 client is counted per /64 (one home or phone usually gets a whole /64, so counting
  single addresses would let one visitor rotate through billions of them).
* With several web processes use a shared cache (``REDIS_URL``); the local-memory cache counts
  per process.
* If the cache cannot be reached the limit **fails open**: requests go through uncounted. A
  subscribe form that refuses everyone during a Redis outage loses real sign-ups, while what an
  abuser gains is small: nobody becomes active without clicking the emailed link, and
  confirmation emails per address are limited in the database
  (``NEWSLETTER_CONFIRM_EMAILS_PER_DAY``), which works with or without the cache. One warning
  is logged per outage (per process), and the cache is tried again at most every
  :data:`CACHE_RETRY_SECONDS`, so a cache that hangs does not slow every request.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import ngettext

from newsletter import conf
from newsletter.audience.client_address import client_ip
from newsletter.outage import Outage
from newsletter.public import render_public

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
IPV6_PREFIX = 64
# While the cache is unreachable, try it again at most this often (seconds, per process).
CACHE_RETRY_SECONDS = 30.0


cache_health = Outage(
    "Subscribe rate limit is off: the cache cannot be reached (%s). Sign-ups are let through "
    "uncounted until it answers again.",
    "Subscribe rate limit is back on: the cache answers again.",
    retry_seconds=CACHE_RETRY_SECONDS,
    log=logger,
)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/h"`` -> ``(10, 3600)``."""
    count, _, unit = rate.partition("/")
    return int(count), PERIODS[unit.strip().lower()[:1] or "h"]


def client_key(request: HttpRequest) -> str:
    """Whom to count: the IPv4 address, or the IPv6 /64 network."""
    ip = client_ip(request)
    if ip is None:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


def _count(key: str, timeout: int) -> int:
    """Add one to the counter at ``key`` and return it (raises if the cache is down)."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def retry_after(
    request: HttpRequest, scope: str = "subscribe", rate: str | None = None
) -> int | None:
    """Count one attempt; return the seconds to wait if over the limit, else ``None``.

    ``rate`` (``"30/h"``) defaults to ``NEWSLETTER_SUBSCRIBE_RATE``; each ``scope`` counts
    apart. Never raises because of the cache: when it is unreachable the attempt is let
    through.
    """
    limit, period = parse_rate(rate or conf.get("NEWSLETTER_SUBSCRIBE_RATE"))
    now = time.time()
    window = int(now // period)
    key = f"newsletter:rate:{scope}:{client_key(request)}:{window}"
    if cache_health.skip():
        return None
    try:
        count = _count(key, period + 1)
    except Exception as exc:  # any backend's connection error: fail open (module docstring)
        cache_health.failed(exc)
        return None
    cache_health.answered()
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * period - now))


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many sign-up attempts from your network. Please try again in %(minutes)s minute.",
        "Too many sign-up attempts from your network. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def too_many_requests(request: HttpRequest, seconds: int, *, as_json: bool) -> HttpResponse:
    """HTTP 429 with a clear message and ``Retry-After``."""
    text = message(seconds)
    if as_json:
        response: HttpResponse = JsonResponse(
            {"status": "error", "message": text, "retry_after": seconds}, status=429
        )
    else:
        response = render_public(
            request, "newsletter/rate_limited.html", {"message": text}, status=429
        )
    response["Retry-After"] = str(seconds)
    return response
