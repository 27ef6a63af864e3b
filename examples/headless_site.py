#!/usr/bin/env python3
"""Build two static pages from the headless API alone: the newest open letter (with every
signatory, fetched page by page) and the latest newsletter issue (its cards and the email).

Python's standard library only, to show that nothing of Django or Wagtail is needed on the
front end's side. A Next.js or Astro site does the same calls::

    python examples/headless_site.py --api http://127.0.0.1:8000/api/v3 --out headless-out

then open ``headless-out/letter.html`` and ``headless-out/issue.html``.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
import urllib.request
from html import escape
from pathlib import Path
from typing import Any

PAGE_SIZE = 100  # signatories per call (the API's WAGTAILAPI_LIMIT_MAX caps it)


class API:
    """GET JSON from the API at ``base`` (e.g. ``http://127.0.0.1:8000/api/v3``)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.calls = 0

    def get(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base}{path}" + (f"?{query}" if query else "")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            self.calls += 1
            return json.load(response)


def page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>\n<body><main>\n{body}\n</main></body></html>\n"
    )


def image_tag(image: dict | None, sizes: str = "100vw") -> str:
    """An <img> with srcset from the API's renditions and its alt text."""
    if not image:
        return ""
    srcset = ", ".join(f"{escape(r['url'])} {r['width']}w" for r in image["renditions"])
    return (
        f'<img src="{escape(image["url"])}" alt="{escape(image["alt"])}" '
        f'width="{image["width"]}" height="{image["height"]}" '
        + (f'srcset="{srcset}" sizes="{escape(sizes)}" ' if srcset else "")
        + 'loading="lazy">'
    )


def card(item: dict) -> str:
    """A card (a featured page, a win, a listing item)."""
    date = f"<p><small>{escape(item['date_text'])}</small></p>" if item.get("date_text") else ""
    facts = f"<p><strong>{escape(item['facts'])}</strong></p>" if item.get("facts") else ""
    return (
        f"<article><p>{escape(item['label'])}</p>"
        f'<h3><a href="{escape(item["url"])}">{escape(item["title"])}</a></h3>'
        f"{date}{image_tag(item.get('image'), '20rem')}<p>{escape(item['summary'])}</p>{facts}"
        "</article>"
    )


def body_blocks(blocks: list[dict]) -> str:
    """A page's body: each block by its type (rich text comes as HTML with links resolved)."""
    out = []
    for block in blocks:
        kind, value = block["type"], block["value"]
        if kind == "paragraph":
            out.append(value)
        elif kind == "heading":
            level = value["level"]
            out.append(f"<{level}>{escape(value['text'])}</{level}>")
        elif kind == "quote":
            out.append(f"<blockquote><p>{escape(value['quote'])}</p></blockquote>")
        elif kind == "image":
            out.append(f"<figure>{image_tag(value['image'])}</figure>")
        elif kind == "donation_appeal" and value:
            out.append(f"<aside><h2>{escape(value['headline'])}</h2>{value['message']}</aside>")
    return "\n".join(out)


def letter_html(api: API, locale: str) -> str:
    """The newest open letter in ``locale``, with all its signatories."""
    letters = {"type": "advocacy.OpenLetterPage", "locale": locale, "order": "-date"}
    found = api.get("/pages/", limit=1, **letters)
    if not found["items"]:
        return page("No letter", "<p>No open letter is published.</p>")
    letter = api.get(f"/pages/{found['items'][0]['id']}/")
    signatories, offset = [], 0
    while True:
        batch = api.get(
            f"/advocacy/letters/{letter['id']}/signatories/", limit=PAGE_SIZE, offset=offset
        )
        signatories += batch["items"]
        offset += PAGE_SIZE
        if offset >= batch["count"]:
            break
    demands = "".join(f"<li>{d['text']}</li>" for d in letter["demands"])
    names = "".join(
        f"<li>{escape(s['name'])}" + (f", {escape(s['city'])}" if s["city"] else "") + "</li>"
        for s in signatories
    )
    return page(
        letter["title"],
        f"<h1>{escape(letter['title'])}</h1><p>{escape(letter['date_display'])}</p>"
        f"<p>{escape(letter['salutation'] or '')}</p>{body_blocks(letter['body'])}"
        f"<p>{escape(letter['demands_intro'] or '')}</p><ol>{demands}</ol>"
        f"{body_blocks(letter['after_demands'])}<p>{escape(letter['closing'])}</p>"
        f"<h2>Signed by {letter['signatory_count']} organisations</h2><ul>{names}</ul>",
    )


def issue_blocks(blocks: list[dict]) -> str:
    """An issue's blocks, resolved by the API: cards, wins by outcome, the letter, the appeal."""
    out = []
    for block in blocks:
        kind, value = block["type"], block["value"]
        if kind == "featured_page" and value:
            out.append(card(value.get("card", value)))
        elif kind == "wins_roundup" and value:
            for group in value["groups"]:
                out.append(f"<h2>{escape(group['label'])} ({group['count']})</h2>")
                out += [card(item) for item in group["items"]]
        elif kind == "open_letter" and value:
            demands = "".join(f"<li>{d['text']}</li>" for d in value["demands"])
            out.append(
                f"<section><h2>{escape(value['title'])}</h2><ol>{demands}</ol>"
                f"<p>{value['signatory_count']} organisations</p></section>"
            )
        elif kind == "donation_appeal" and value:
            out.append(f"<aside><h2>{escape(value['headline'])}</h2>{value['message']}</aside>")
        elif kind in ("intro", "text"):
            out.append(value)  # HTML, links resolved
        elif kind == "heading":
            out.append(f"<h2>{escape(value)}</h2>")
        elif kind == "image" and value:
            out.append(f"<figure>{image_tag(value['image'])}</figure>")
        elif kind == "button" and value:
            out.append(f'<p><a href="{escape(value["url"])}">{escape(value["label"])}</a></p>')
    return "\n".join(out)


def issue_html(api: API, locale: str) -> tuple[str, str]:
    """The latest issue in ``locale`` as a web page, and the email as subscribers got it."""
    found = api.get("/newsletter/issues/", locale=locale, limit=1)
    if not found["items"]:
        return page("No issue", "<p>No issue is published.</p>"), ""
    issue = api.get(f"/newsletter/issues/{found['items'][0]['id']}/")
    web = page(
        issue["subject"],
        f"<h1>{escape(issue['subject'])}</h1><p>{escape(issue['preheader'] or '')}</p>"
        f"{issue_blocks(issue['blocks'])}",
    )
    email = issue["email"]  # null when the issue cannot be rendered any more
    return web, email["html"] if email else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="http://127.0.0.1:8000/api/v3", help="the API's base")
    parser.add_argument("--out", default="headless-out", help="folder to write the pages in")
    parser.add_argument("--locale", default="en", help="the language: en or fr")
    args = parser.parse_args(argv)
    api = API(args.api)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "letter.html").write_text(letter_html(api, args.locale), encoding="utf-8")
    web, email = issue_html(api, args.locale)
    (out / "issue.html").write_text(web, encoding="utf-8")
    (out / "issue-email.html").write_text(email, encoding="utf-8")
    print(f"Wrote letter.html, issue.html and issue-email.html to {out}/ in {api.calls} calls.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
