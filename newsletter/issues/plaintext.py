"""Turn the small HTML of rich text into readable plain text for the email's text part."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "br"}


class _TextMaker(HTMLParser):
    def __init__(self, base_url: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.out: list[str] = []
        self.lists: list[list] = []  # stack of [kind, counter]
        self.href: str | None = None
        self.link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self.out.append("\n")
        elif tag == "li":
            indent = "  " * (len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                self.out.append(f"\n{indent}{self.lists[-1][1]}. ")
            else:
                self.out.append(f"\n{indent}- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n\n")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.href = self.base_url + href if href.startswith("/") else href
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n\n")
        elif tag == "a" and self.href is not None:
            text = "".join(self.link_text).strip()
            href = self.href
            self.href = None
            self.out.append(href if not text or text == href else f"{text} ({href})")

    def handle_data(self, data: str) -> None:
        data = re.sub(r"\s+", " ", data)
        if self.href is not None:
            self.link_text.append(data)
        else:
            self.out.append(data)


def html_to_text(source: str, base_url: str = "") -> str:
    """Paragraphs separated by blank lines, lists as '- ' or '1. ', links as 'text (url)'.

    Links starting with '/' are made absolute with ``base_url``.
    """
    maker = _TextMaker(base_url)
    maker.feed(source)
    maker.close()
    text = "".join(maker.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n[ \t]+(?=[^-\d ])", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


TEXT_WIDTH = 78
_URL = re.compile(r"^[(<]?(?:https?://|mailto:|\[\[)\S+$")
_LEAD = re.compile(r"^(\s*(?:[-*] |\d+\. )?)")


def is_url_line(line: str) -> bool:
    """True for a line that is one URL (or merge tag), maybe in brackets: never broken."""
    return bool(_URL.match(line.strip()))


def _wrap_line(line: str, width: int) -> list[str]:
    if len(line) <= width or is_url_line(line):
        return [line]
    lead = _LEAD.match(line).group(1)
    indent = " " * len(lead)
    lines: list[str] = []
    current, words = lead, 0  # the line being filled and how many words it has
    for word in line[len(lead) :].split():
        fits = len(current) + (1 if words else 0) + len(word) <= width
        if words and not fits:
            lines.append(current)
            current, words = indent, 0
        if is_url_line(word) and not fits and words == 0 and current.strip():
            lines.append(current.rstrip())  # a list marker alone, then the URL
            current = indent
        current = f"{current} {word}" if words else current + word
        words += 1
    if words:
        lines.append(current)
    return lines


def wrap_plain_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap every line at ``width`` columns, keeping list and indent prefixes; a URL too long
    for the line goes on a line of its own and is never broken (mail clients keep it
    clickable)."""
    return "\n".join(wrapped for line in text.split("\n") for wrapped in _wrap_line(line, width))
