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
