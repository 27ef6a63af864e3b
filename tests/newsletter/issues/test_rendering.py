"""Rendering an issue to email: every block in HTML and text, links, size, render once."""

from __future__ import annotations

import datetime
import re

import pytest

from newsletter.issues import rendering
from newsletter.issues.rendering import RenderError, render_issue, render_revision
from tests.newsletter.issues.conftest import make_issue

pytestmark = pytest.mark.django_db

VALUES = {
    "name": "Amira <b>",
    "unsubscribe_url": "https://news.example.org/newsletter/unsubscribe/TOKEN/",
    "preferences_url": "https://news.example.org/newsletter/preferences/TOKEN/",
}


def urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


def test_every_block_appears_in_html_and_text(issue, content, appeal, settings):
    rendered = render_issue(issue)
    html, text = rendered.personalise(VALUES)
    letter, statements, wins = content["letter"], content["statements"], content["wins"]

    for part in (html, text):
        assert "Hello friends" in part  # intro
        assert "This month" in part or "THIS MONTH" in part  # heading
        assert letter.title in part and "Prime Minister Mark Carney" in part  # open letter
        assert "Signed by 7 organisations" in part
        assert "Recognise Palestine." in part and "Impose an embargo." in part  # its demands
        for statement in statements:  # featured pages come from the teaser
            assert statement.title in part and statement.summary in part
        for win in wins:  # the roundup groups wins with their supporter counts
            assert win.title in part
        assert "4,000 emails sent" in part
        assert "Act now" in part and "https://example.org/act" in part  # button
        assert appeal.headline in part or appeal.headline.upper() in part  # appeal
        assert "438-380-5410" in part and "Zakat eligible" in part
        assert "1 Example Street" in part and "info@example.org" in part  # CASL footer
        assert VALUES["unsubscribe_url"] in part and VALUES["preferences_url"] in part
    assert html.index("Big new win") < html.index("Positive movement") < html.index("Pending")
    # Text is readable: no tags, links written out, demands numbered.
    assert "<" not in text.replace("<b>", "")
    utm = "utm_source=newsletter&utm_medium=email&utm_campaign=march"  # own-site links tagged
    assert f"our newsroom ({settings.BASE_URL}/newsroom/?{utm})" in " ".join(text.split())
    assert "1. Recognise Palestine." in text


def test_every_link_and_image_is_absolute_and_every_image_has_alt(issue):
    html, _ = render_issue(issue).personalise(VALUES)
    found = urls(html)
    assert found
    for url in found:
        assert url.startswith(("https://", "http://", "mailto:")), url
    for tag in re.findall(r"<img[^>]*>", html):
        assert re.search(r'alt="[^"]+"', tag), tag
    assert "fonts.googleapis.com" not in html  # no remote fonts


def test_email_has_doctype_preheader_dark_mode_and_responsive_styles(issue):
    html = render_issue(issue).html
    assert html.startswith("<!doctype html>")
    assert "Three wins, one letter" in html  # the preheader, hidden at the top
    assert html.index("Three wins, one letter") < html.index("March: wins and letters</h1>")
    assert "prefers-color-scheme: dark" in html and "color-scheme" in html
    assert "@media" in html and "max-width" in html  # media queries survive inlining
    assert '<html lang="en"' in html


def test_personal_values_are_escaped_in_html_and_plain_in_text(issue):
    rendered = render_issue(issue)
    html, text = rendered.personalise({**VALUES, "unsubscribe_url": "https://x.org/?a=1&b=2"})
    assert "https://x.org/?a=1&amp;b=2" in html
    assert "https://x.org/?a=1&b=2" in text
    assert "[[" not in html and "[[" not in text


def test_a_twelve_item_issue_stays_well_under_gmail_clipping(
    archive, content, appeal, newsletter_settings
):
    pages = [*content["statements"], *content["wins"], content["letter"]]
    body = [("intro", "<p>" + "A longer introduction paragraph. " * 10 + "</p>")]
    body += [("featured_page", {"page": pages[n % len(pages)]}) for n in range(12)]
    body += [("donation_appeal", {"appeal": appeal})]
    issue = make_issue(archive, body, slug="twelve")

    rendered = render_issue(issue)

    assert rendered.html_bytes < 100 * 1024
    # Each card's button says where it leads ("Read the statement"), not "Read more".
    assert rendered.html.count(">Read the ") == 12
    assert "Read more" not in rendered.html


def test_renders_once_however_many_recipients(issue, monkeypatch):
    calls = []
    real = rendering.mjml2html
    monkeypatch.setattr(rendering, "mjml2html", lambda src: calls.append(1) or real(src))

    rendered = render_revision(issue, latest=False)
    bodies = {
        rendered.personalise({**VALUES, "unsubscribe_url": f"https://x.org/u/{n}/"})[0]
        for n in range(1000)
    }
    again = render_revision(issue, latest=False)  # same revision: from the cache

    assert len(calls) == 1
    assert len(bodies) == 1000  # everyone got their own link from the one render
    assert again.html == rendered.html


def test_a_new_revision_is_rendered_afresh(issue):
    first = render_revision(issue)
    issue.subject = "A corrected subject"
    issue.save_revision()
    assert render_revision(issue).subject == "A corrected subject"
    assert first.subject != "A corrected subject"


def test_bad_content_names_the_block(archive, content, newsletter_settings):
    statement = content["statements"][0]
    issue = make_issue(
        archive,
        [("intro", "<p>Hi</p>"), ("featured_page", {"page": statement})],
        slug="broken",
    )
    statement.delete()
    issue.refresh_from_db()

    with pytest.raises(RenderError, match=r"Block 2 \(Featured page\).*no longer exists"):
        render_issue(issue)


def test_an_appeal_block_without_appeal_or_default_is_reported(archive, home_page):
    issue = make_issue(archive, [("donation_appeal", {"appeal": None})], slug="no-appeal")
    with pytest.raises(RenderError, match=r"Block 1 \(Donation appeal\): no donation appeal"):
        render_issue(issue)


def test_roundup_date_range_and_outcome_filter(archive, content, newsletter_settings):
    issue = make_issue(
        archive,
        [
            (
                "wins_roundup",
                {
                    "heading": "Pending",
                    "start_date": datetime.date(2024, 3, 12),
                    "outcomes": ["pending", "win"],
                },
            )
        ],
        slug="roundup",
    )
    text = render_issue(issue).text
    wins = content["wins"]
    assert wins[2].title in text  # pending, 12 March
    assert wins[0].title not in text and wins[1].title not in text  # before the range
    assert wins[3].title not in text  # positive movement: filtered out


@pytest.mark.parametrize("block_name", ["button"])
def test_a_link_block_needs_a_page_or_a_url(block_name):
    from wagtail.blocks.struct_block import StructBlockValidationError

    from newsletter.issues.blocks import IssueBodyBlock

    block = IssueBodyBlock().child_blocks[block_name]
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({"label": "Act", "page": None, "url": ""}))
    assert "Choose a page or enter a URL." in str(error.value.block_errors["url"])


def test_roundup_end_date_before_start_is_refused():
    from wagtail.blocks.struct_block import StructBlockValidationError

    from newsletter.issues.blocks import IssueBodyBlock

    block = IssueBodyBlock().child_blocks["wins_roundup"]
    value = block.to_python({"heading": "W", "start_date": "2024-03-10", "end_date": "2024-03-01"})
    with pytest.raises(StructBlockValidationError):
        block.clean(value)
