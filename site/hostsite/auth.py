"""Login throttling with django-axes: the backend that refuses a locked-out login, and its page.

Every login form (Wagtail's admin, Django's admin) calls ``authenticate(request, ...)``, which
asks :class:`LoginThrottleBackend` first: after ``AXES_FAILURE_LIMIT`` wrong passwords for one
username from one address, that pair is refused for ``AXES_COOLOFF_TIME``, even with the right
password, and ``axes.middleware.AxesMiddleware`` answers with :func:`lockout_response`.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout backend, which lets ``authenticate()`` calls made without a request pass.

    Only code running on the server calls ``authenticate()`` without a request (the test
    client's ``login()``, a script); every login over HTTP passes one and is throttled.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        """Refuse a locked-out username and address (raises ``PermissionDenied``); else None."""
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The address a login comes from: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT``
    proxies that each append to ``X-Forwarded-For``, the address the outermost one saw (what
    a client writes in that header itself is further left, and ignored)."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [address.strip() for address in header.split(",") if address.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page shown instead of the admin after too many failed logins (HTTP 429)."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0
    context = {
        "username": get_client_username(request, credentials) or "",
        "minutes": minutes,
    }
    return render(request, "hostsite/login_locked.html", context, status=429)
