"""Merge tags: the placeholders for one reader's own values in a rendered issue.

An issue renders once with ``[[name]]``, ``[[unsubscribe_url]]`` and ``[[preferences_url]]``;
each message fills them by plain string replacement (:func:`personalise`), or the provider
fills them itself when they are written in its placeholder syntax (:func:`in_syntax`).
"""

from __future__ import annotations

import html

MERGE_FIELDS = ("name", "unsubscribe_url", "preferences_url")


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


def in_syntax(body: str, syntax: str) -> str:
    """The body with our merge tags in a provider's placeholder syntax, e.g.
    ``"%recipient.{key}%"`` for Mailgun."""
    for key in MERGE_FIELDS:
        body = body.replace(merge_tag(key), syntax.format(key=key))
    return body
