"""Who is asking: the visitor's IP address and browser, for rate limits and consent records.

The address is ``REMOTE_ADDR`` unless ``NEWSLETTER_TRUSTED_PROXIES`` says how many reverse
proxies stand in front of the site. Each proxy appends the address it received the request from
to ``X-Forwarded-For``, so with *n* trusted proxies the visitor is the *n*-th entry from the
right; everything to its left was written by the visitor and is never believed. With the
default (0) the header is ignored altogether, since anyone can send it.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from newsletter import conf

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(value: str) -> IPAddress | None:
    """An address from ``REMOTE_ADDR`` or one ``X-Forwarded-For`` entry, or ``None``.

    Accepts ``1.2.3.4:5678`` and ``[2001:db8::1]:5678`` (some proxies add the port); an
    IPv4-mapped IPv6 address counts as the IPv4 address; an IPv6 zone (``%eth0``) is dropped.
    """
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    value = value.partition("%")[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_ip(request: HttpRequest) -> IPAddress | None:
    """The visitor's address, trusting ``X-Forwarded-For`` only as far as configured."""
    remote = parse_ip(str(request.META.get("REMOTE_ADDR", "")))
    trusted = int(conf.get("NEWSLETTER_TRUSTED_PROXIES") or 0)
    if trusted <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped an outer proxy; the leftmost entry is
    # still one a trusted proxy wrote.
    chosen = parse_ip(forwarded[max(0, len(forwarded) - trusted)])
    return chosen if chosen is not None else remote


def header(request: HttpRequest, name: str, max_length: int) -> str:
    """A request header as safe text for the records (printable characters, bounded)."""
    value = str(request.META.get(name, ""))[: max_length * 2]
    return "".join(ch for ch in value if ch.isprintable())[:max_length]


def client_details(request: HttpRequest) -> dict:
    """Where a consent or a confirmation came from: IP address and browser, as records keep them."""
    ip = client_ip(request)
    return {
        "ip_address": str(ip) if ip is not None else None,
        "user_agent": header(request, "HTTP_USER_AGENT", 400),
    }
