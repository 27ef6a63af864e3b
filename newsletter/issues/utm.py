"""UTM parameters on links to the organisation's own site, so its analytics can attribute
visits and donations to the issue that brought them.

:func:`add_utm` tags every ``<a href>`` of a rendered email whose host is one of the
organisation's own (:func:`own_hosts`: every Wagtail site's hostname and ``BASE_URL``'s);
:func:`add_utm_text` does the same to the URLs written out in the plain-text part. Left alone:
other sites, ``mailto:`` and other schemes, merge tags (``[[unsubscribe_url]]``), and the
newsletter's own pages (unsubscribe, preferences, confirm, subscribe: every path the
``newsletter`` URLconf answers). A link keeps its query string and fragment, and a ``utm_*``
parameter it already has is kept as it is, never repeated.

:func:`tag_issue` applies it to an issue's render when the issue's ``utm_enabled`` is on, with
``utm_campaign`` = the issue's UTM campaign, else its slug (see
:func:`newsletter.issues.rendering.render_issue`).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from django.urls import Resolver404, resolve
from django.utils.text import slugify

from newsletter import conf

SOURCE = "newsletter"
MEDIUM = "email"
NEWSLETTER_APP = "newsletter"

# An <a> tag's href, double- or single-quoted (the value is HTML-escaped).
_HREF = re.compile(r"""(<a\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
# A URL written out in plain text; trailing punctuation is trimmed off by _split_trailing.
_TEXT_URL = re.compile(r"""https?://[^\s<>"']+""", re.IGNORECASE)
_TRAILING = ".,;:!?"
_CLOSERS = {")": "(", "]": "["}


def own_hosts() -> set[str]:
    """The organisation's own host names, lower-case: every Wagtail site's and ``BASE_URL``'s."""
    from wagtail.models import Site

    hosts = {host.lower() for host in Site.objects.values_list("hostname", flat=True) if host}
    base = urlsplit(conf.base_url()).hostname
    if base:
        hosts.add(base.lower())
    return hosts


def is_newsletter_path(path: str) -> bool:
    """Whether ``path`` is one of the newsletter's own public URLs (unsubscribe, preferences,
    confirm, subscribe, the sign-up API): those links are never tagged."""
    try:
        match = resolve(unquote(path) or "/")
    except Resolver404:
        return False
    return NEWSLETTER_APP in match.app_names


def tag_url(url: str, params: list[tuple[str, str]], hosts: Iterable[str]) -> str:
    """``url`` with the ``params`` it lacks appended to its query, if it is an http(s) link to
    one of ``hosts`` outside the newsletter's own pages; else ``url`` unchanged."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. a malformed IPv6 host
        return url
    if parts.scheme.lower() not in ("http", "https") or host not in hosts:
        return url
    if is_newsletter_path(parts.path):
        return url
    present = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    missing = [(key, value) for key, value in params if key not in present]
    if not missing:
        return url
    query = f"{parts.query}&{urlencode(missing)}" if parts.query else urlencode(missing)
    return urlunsplit(parts._replace(path=parts.path or "/", query=query))


def utm_params(campaign: str, source: str = SOURCE, medium: str = MEDIUM) -> list[tuple[str, str]]:
    """The three parameters, in the order they are added."""
    return [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]


def add_utm(
    html: str,
    *,
    campaign: str,
    source: str = SOURCE,
    medium: str = MEDIUM,
    hosts: Iterable[str],
) -> str:
    """``html`` with utm_source, utm_medium and utm_campaign added to every ``<a href>`` to one
    of ``hosts`` (see :func:`tag_url`); everything else is left byte for byte as it was."""
    params = utm_params(campaign, source, medium)
    hosts = {host.lower() for host in hosts}

    def replace(match: re.Match) -> str:
        double = match.group(2) is not None
        raw = match.group(2) if double else match.group(3)
        url = html_lib.unescape(raw)
        tagged = tag_url(url, params, hosts)
        if tagged == url:
            return match.group(0)
        quote = '"' if double else "'"
        return f"{match.group(1)}{quote}{html_lib.escape(tagged, quote=True)}{quote}"

    return _HREF.sub(replace, html)


def _split_trailing(url: str) -> tuple[str, str]:
    """(the URL, the punctuation after it): a sentence's full stop, or the closing bracket of
    "text (url)" unless the URL opened that bracket itself."""
    end = len(url)
    while end:
        char = url[end - 1]
        unmatched = char in _CLOSERS and url.count(_CLOSERS[char], 0, end) < url.count(char, 0, end)
        if char not in _TRAILING and not unmatched:
            break
        end -= 1
    return url[:end], url[end:]


def add_utm_text(
    text: str,
    *,
    campaign: str,
    source: str = SOURCE,
    medium: str = MEDIUM,
    hosts: Iterable[str],
) -> str:
    """The plain-text part's URLs tagged as :func:`add_utm` tags the HTML's links."""
    params = utm_params(campaign, source, medium)
    hosts = {host.lower() for host in hosts}

    def replace(match: re.Match) -> str:
        url, after = _split_trailing(match.group(0))
        return tag_url(url, params, hosts) + after

    return _TEXT_URL.sub(replace, text)


def issue_campaign(issue) -> str:
    """The issue's ``utm_campaign``: its own setting, else its slug (else its title's)."""
    return (issue.utm_campaign or "").strip() or issue.slug or slugify(issue.title or "")


def tag_issue(issue, html: str, text: str, hosts: Iterable[str] | None = None) -> tuple[str, str]:
    """The rendered (html, text) of ``issue`` with UTM parameters, or unchanged when the
    issue's ``utm_enabled`` is off."""
    if not getattr(issue, "utm_enabled", False):
        return html, text
    campaign = issue_campaign(issue)
    hosts = own_hosts() if hosts is None else set(hosts)
    return (
        add_utm(html, campaign=campaign, hosts=hosts),
        add_utm_text(text, campaign=campaign, hosts=hosts),
    )
