"""Merge tags: the placeholders for one reader's own values in a rendered issue.

An issue renders once with ``[[name]]``, ``[[unsubscribe_url]]`` and ``[[preferences_url]]``;
each message fills them by plain string replacement (:func:`personalise`), or the provider
fills them itself when they are written in its placeholder syntax (:func:`in_syntax`).

Values go into the HTML escaped and into the text as they are. A provider that substitutes
values verbatim (Mailgun) gets escaped copies under their own keys (``name_html``, see
:func:`with_html_values`) for the HTML body; one that escapes HTML itself (SparkPost) gets the
plain values in both bodies.
"""

from __future__ import annotations

import html
import re

MERGE_FIELDS = ("name", "unsubscribe_url", "preferences_url")
HTML_SUFFIX = "_html"


def merge_tag(key: str) -> str:
    """The placeholder for a personal value in rendered output, e.g. ``[[unsubscribe_url]]``."""
    return f"[[{key}]]"


def personalise(html_body: str, text_body: str, values: dict[str, str]) -> tuple[str, str]:
    """Fill the merge tags of a rendered HTML and text body (escaped in the HTML)."""
    for key in MERGE_FIELDS:
        tag = merge_tag(key)
        value = values.get(key, "")
        html_body = html_body.replace(tag, html.escape(value))
        text_body = text_body.replace(tag, value)
    return html_body, text_body


def in_syntax(body: str, syntax: str, keys: dict[str, str] | None = None) -> str:
    """The body with our merge tags in a provider's placeholder syntax, e.g.
    ``"%recipient.{key}%"`` for Mailgun; ``keys`` maps a field to the merge key to use
    (default: the field's own name)."""
    keys = keys or {}
    for field in MERGE_FIELDS:
        body = body.replace(merge_tag(field), syntax.format(key=keys.get(field, field)))
    return body


def with_html_values(
    recipients: dict[str, dict[str, str]],
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """For a provider that substitutes verbatim: each reader's values plus escaped copies
    (``name_html``) of the fields that need escaping for anyone in this batch, and the key the
    HTML body uses for each field (``name_html`` for those, the field itself for the rest, so
    links that need no escaping are not sent twice)."""
    html_keys = {
        field: field + HTML_SUFFIX
        if _needs_escaping("".join([values.get(field, "") for values in recipients.values()]))
        else field
        for field in MERGE_FIELDS
    }  # (one look at everyone's values of a field together: a batch has 1,000 readers)
    escaped = [field for field, key in html_keys.items() if key != field]
    if not escaped:
        return recipients, html_keys
    merge_data = {
        address: values
        | {field + HTML_SUFFIX: html.escape(values.get(field, "")) for field in escaped}
        for address, values in recipients.items()
    }
    return merge_data, html_keys


_ESCAPED = re.compile("[&<>\"']")  # what html.escape changes


def _needs_escaping(value: str) -> bool:
    return _ESCAPED.search(value) is not None
