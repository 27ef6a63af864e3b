"""Per-link click counts: how a clicked URL is grouped, counting a click, and the issue's links.

A provider's click event names the URL clicked, with whatever the email added to it (UTM
parameters, a fragment) and, for the personal links, the reader's own token. :func:`link_key`
reduces it to the link of the issue, so every click on the same link of the issue counts on the
same :class:`~newsletter.models.LinkClick` row: ``utm_*`` parameters and the fragment are
dropped, the scheme and host lower-cased, and each reader's unsubscribe and preferences link
become the placeholders the frozen message holds (``[[unsubscribe_url]]``,
``[[preferences_url]]``).

:func:`issue_links` reads the links of a send's frozen HTML: their text (what the link is in
the issue) and whether they ask for money. A donation link is any link inside an element with
one of the CSS classes in :data:`DONATION_CLASSES`: the advocacy app's donation appeal block
renders its section with ``css-class="appeal"`` (amount buttons and the donate button inside
it), and the issue's header "Donate" link points at the same URL as that button, so it groups
with it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import connections, router
from django.urls import NoReverseMatch, reverse

from newsletter.models import Delivery, LinkClick

URL_MAX = LinkClick._meta.get_field("url").max_length
# Elements whose links are donation links (see the module docstring).
DONATION_CLASSES = frozenset({"appeal", "btn-donate", "donation-appeal"})
# The personal links: URL name -> the placeholder the frozen message holds.
PERSONAL_LINKS = {
    "newsletter:unsubscribe": "[[unsubscribe_url]]",
    "newsletter:preferences": "[[preferences_url]]",
}
_SPACE = re.compile(r"\s+")


def _personal_prefixes() -> list[tuple[str, str]]:
    """(path before the token, placeholder) of each personal link."""
    found = []
    for name, placeholder in PERSONAL_LINKS.items():
        try:
            path = reverse(name, args=["TOKEN"])
        except NoReverseMatch:  # (an install without the public URLs)
            continue
        found.append((path.partition("TOKEN")[0], placeholder))
    return found


def link_key(url: str) -> str:
    """The link of the issue a clicked URL stands for (see the module docstring)."""
    url = (url or "").strip()
    if not url or url.startswith("[["):
        return url[:URL_MAX]
    try:
        parts = urlsplit(url)
    except ValueError:
        return url[:URL_MAX]
    for prefix, placeholder in _personal_prefixes():
        if parts.path.startswith(prefix) and len(parts.path) > len(prefix):
            return placeholder
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not name.lower().startswith("utm_")
        ]
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, query, ""))[:URL_MAX]


def count_click_sql(connection) -> str:
    """One statement counting a click on a link of a delivery's send: inserts the link's row
    (1 click) or adds one to it, atomically (``INSERT ... ON CONFLICT DO UPDATE``, on
    PostgreSQL and SQLite alike), so concurrent webhooks never lose a click. Parameters: the
    link, the click's time twice, then the delivery id (which may be a subquery on
    PostgreSQL: see :func:`newsletter.sending.tracking.apply_event`)."""
    quote = connection.ops.quote_name
    table = quote(LinkClick._meta.db_table)

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    dispatch, url, clicks = (column(LinkClick, f) for f in ("dispatch", "url", "clicks"))
    first, last = column(LinkClick, "first_clicked_at"), column(LinkClick, "last_clicked_at")
    # The earliest and latest click: out of order events move them only outwards.
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    return (
        f"INSERT INTO {table} ({dispatch}, {url}, {clicks}, {first}, {last})"
        f" SELECT {column(Delivery, 'dispatch')}, %s, 1, %s, %s"
        f" FROM {quote(Delivery._meta.db_table)}"
        f" WHERE {quote(Delivery._meta.pk.column)} = {{delivery}}"
        f" ON CONFLICT ({dispatch}, {url}) DO UPDATE SET {clicks} = {table}.{clicks} + 1,"
        f" {first} = {least}({table}.{first}, EXCLUDED.{first}),"
        f" {last} = {greatest}({table}.{last}, EXCLUDED.{last})"
    )


def count_click(delivery_id: int, url: str, when: datetime.datetime) -> None:
    """Count one click of a delivery on ``url`` (grouped by :func:`link_key`): one statement."""
    connection = connections[router.db_for_write(LinkClick)]
    field = LinkClick._meta.get_field("last_clicked_at")
    moment = field.get_db_prep_save(when, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            count_click_sql(connection).format(delivery="%s"),
            [link_key(url), moment, moment, delivery_id],
        )


# --- the links of a send's frozen message ---------------------------------------------------


@dataclass
class IssueLink:
    """A link of the issue: its key (:func:`link_key`), what it says, whether it asks for
    money, and where it first appears (0 for the first link of the message)."""

    key: str
    label: str
    donation: bool
    position: int


def _text_of(anchor) -> str:
    text = _SPACE.sub(" ", anchor.text_content() or "").strip()
    if not text:  # an image link: its alternative text
        text = " ".join(filter(None, (img.get("alt", "").strip() for img in anchor.iter("img"))))
    return text


def _in_donation(anchor) -> bool:
    for element in anchor.iterancestors():
        classes = set((element.get("class") or "").split())
        if classes & DONATION_CLASSES:
            return True
    return bool(set((anchor.get("class") or "").split()) & DONATION_CLASSES)


def issue_links(html: str) -> dict[str, IssueLink]:
    """The links of a frozen message by key, in the order they first appear (mailto: and
    anchors within the page left out); the first text found for a link is its label, and a
    link is a donation link if any of its occurrences is."""
    if not html.strip():
        return {}
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return {}
    links: dict[str, IssueLink] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("mailto:", "tel:", "#")):
            continue
        key = link_key(href)
        link = links.get(key)
        if link is None:
            link = links[key] = IssueLink(key, "", False, len(links))
        if not link.label:
            link.label = _text_of(anchor)
        if not link.donation and _in_donation(anchor):
            link.donation = True
    return links
