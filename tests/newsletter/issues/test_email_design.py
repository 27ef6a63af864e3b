"""The email's design as a reader meets it: brand, section headings, buttons that say where
they lead, the donation ask, dark mode, the preheader, wrapped plain text, the web version."""

from __future__ import annotations

import datetime
import re

import pytest
from django.apps import apps
from django.urls import reverse
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale

from newsletter.issues.plaintext import is_url_line, wrap_plain_text
from newsletter.issues.rendering import render_issue, web_merge_values
from tests.newsletter.issues.conftest import make_issue

pytestmark = pytest.mark.django_db


def h2s(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    ]


def wins(start=datetime.date(2024, 3, 1), limit=12) -> tuple:
    return ("wins_roundup", {"heading": "Wins", "start_date": start, "limit": limit})


@pytest.fixture
def sections_issue(archive, content, newsletter_settings, appeal):
    body = [
        ("intro", "<p>Hello.</p>"),
        wins(),
        ("open_letter", {"letter": content["letter"], "show_demands": False}),
        *[("featured_page", {"page": page}) for page in content["statements"][:2]],
        ("donation_appeal", {"appeal": appeal}),
    ]
    return make_issue(archive, body, slug="sections")


def test_every_group_of_the_issue_has_its_own_section_heading(sections_issue, appeal):
    html = render_issue(sections_issue).html
    assert h2s(html) == ["Wins", "Open letter", "Also in this issue", appeal.headline]
    text = render_issue(sections_issue).text
    assert "OPEN LETTER\n===========" in text and "ALSO IN THIS ISSUE" in text


def test_a_heading_block_replaces_the_automatic_section_heading(
    archive, content, newsletter_settings
):
    body = [
        ("heading", "Read this week"),
        ("featured_page", {"page": content["statements"][0]}),
        ("featured_page", {"page": content["statements"][1]}),
    ]
    html = render_issue(make_issue(archive, body, slug="own-heading")).html
    assert h2s(html) == ["Read this week"]


def test_buttons_say_where_they_lead_unless_the_editor_named_them(
    archive, content, newsletter_settings
):
    statement = content["statements"][0]
    body = [
        ("featured_page", {"page": statement}),
        ("featured_page", {"page": content["statements"][1], "button_label": "See our view"}),
    ]
    rendered = render_issue(make_issue(archive, body, slug="labels"))
    assert ">Read the statement</a>" in rendered.html and ">See our view</a>" in rendered.html
    assert "Read more" not in rendered.html
    text = " ".join(rendered.text.split())  # (lines wrapped at 78 columns)
    assert f"Read the statement: {statement.get_full_url()}?utm_source=newsletter" in text


def test_logo_and_header_image_from_the_settings_sit_above_the_title(
    sections_issue, newsletter_settings
):
    newsletter_settings.logo = Image.objects.create(title="Logo", file=get_test_image_file())
    newsletter_settings.header_image = Image.objects.create(
        title="Crowd at the rally", file=get_test_image_file()
    )
    newsletter_settings.save()
    html = render_issue(sections_issue).html
    logo = html.index('alt="Example Council"')
    header = html.index('alt="Crowd at the rally"')
    assert logo < header < html.index("<h1")


def test_labels_and_dates_are_at_least_13px_and_lang_follows_the_issue(sections_issue):
    html = render_issue(sections_issue).html
    assert not re.search(r"font-size:\s*1[0-2]px", html)
    assert '<html lang="en"' in html
    sections_issue.locale = Locale.objects.get_or_create(language_code="fr")[0]
    assert '<html lang="fr"' in render_issue(sections_issue).html


def test_the_donation_ask_stands_out_and_names_its_beneficiary(sections_issue, appeal):
    appeal.beneficiary = "the Example Legal Fund"
    appeal.mail_in_url = "https://example.org/mail-in.pdf"
    appeal.save()
    rendered = render_issue(sections_issue)
    html, text = rendered.html, rendered.text
    # A Donate link in the header bar, before the title, to the appeal's page.
    assert re.search(r'href="https://example.org/donate"[^>]*>Donate</a>', html)
    assert html.index(">Donate</a>") < html.index("<h1")
    assert text.index("Donate:\nhttps://example.org/donate") < text.index("Hello.")
    # Its own button colour, not the green of the other buttons.
    donate_button = re.search(r'<a href="https://example.org/donate"[^>]*>Give monthly</a>', html)
    assert "#9a3412" in donate_button.group(0) and "#0b5e4a" not in donate_button.group(0)
    assert ">Give $25 monthly</a>" in html and ">Give $50 monthly</a>" in html
    assert "Your gift supports the Example Legal Fund." in html
    assert "Your gift supports the Example Legal Fund." in text
    assert "this form" not in html and "download the mail-in form" in html

    appeal.monthly_emphasis = False
    appeal.save()
    sections_issue.refresh_from_db()
    assert ">Give $25</a>" in render_issue(sections_issue).html


def test_dark_mode_is_declared_and_keeps_buttons_and_the_appeal_readable(sections_issue):
    html = render_issue(sections_issue).html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<meta name="supported-color-schemes" content="light dark">' in html
    dark = html[html.index("prefers-color-scheme: dark") :]
    assert ".card-bg .btn a" in dark and ".appeal .btn-donate a" in dark
    assert ".appeal, .appeal table, .appeal td { background-color: #2a2316" in dark
    assert ".label, .date { color: #b8c2bd" in dark


def test_the_preheader_is_hidden_without_a_colour_trick_and_padded(sections_issue):
    html = render_issue(sections_issue).html
    div = re.search(r'<div class="preheader" style="([^"]*)">([^<]*)</div>', html)
    style, content = div.groups()
    assert "display:none" in style and "mso-hide:all" in style and "overflow:hidden" in style
    assert "color" not in style and "font-size" not in style
    assert content.startswith("Three wins, one letter")
    assert content.count("\u034f") >= 50  # padding after the preview text


def test_plain_text_is_wrapped_at_78_columns_except_lone_urls(issue):
    text = render_issue(issue).personalise(web_merge_values())[1]
    long_lines = [line for line in text.splitlines() if len(line) > 78]
    assert all(is_url_line(line) for line in long_lines), long_lines
    assert max(len(line) for line in text.splitlines()) > 0


def test_wrapping_keeps_list_indents_and_puts_long_urls_on_their_own_line():
    url = "https://example.org/" + "a" * 70
    wrapped = wrap_plain_text(f"- {'word ' * 20}end\nRead the statement: {url}")
    assert wrapped.splitlines()[1].startswith("  word")
    assert wrapped.splitlines()[-2:] == ["Read the statement:", url]


def test_the_wins_roundup_counts_every_result_and_says_how_many_more(
    archive, content, newsletter_settings
):
    issue = make_issue(archive, [wins(limit=2)], slug="capped")
    rendered = render_issue(issue)
    html, text = rendered.html, rendered.text
    assert "Big new win (2)" in html and "Positive movement (1)" in html and "Pending (1)" in html
    assert html.count("and 1 more") == 2
    assert "?outcome=pending" in html
    assert "- and 1 more:" in text
    assert content["wins"][0].title in html and content["wins"][2].title not in html


def test_the_web_version_is_a_site_page_without_personal_links(client, sections_issue):
    html = client.get(sections_issue.url).content.decode()
    on_demo_host = apps.is_installed("home")  # else a `wagtail start` base: no header or <main>
    if on_demo_host:
        assert '<main id="main"' in html and 'class="site-header"' in html
    assert "Open letter" in html and "March: wins and letters" in html
    assert "Unsubscribe" not in html and "Update your preferences" not in html
    assert "View in your browser" not in html and "Three wins, one letter" not in html
    assert f'href="http://testserver{reverse("newsletter:subscribe")}"' in html or (
        reverse("newsletter:subscribe") in html
    )
    assert html.count("<main") == (1 if on_demo_host else 0) and html.count("<h1") == 1


def test_the_editor_preview_still_shows_the_email(client, superuser, sections_issue):
    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:view_draft", args=[sections_issue.pk])
    html = client.get(url).content.decode()
    assert html.startswith("<!doctype html>")
    assert "Unsubscribe" in html and "View in your browser" in html
