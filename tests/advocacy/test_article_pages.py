"""The ends of statements, letters and wins: signatory tools, related cards, sharing, asks."""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from advocacy.models import AdvocacySettings, Organisation, StatementPage
from tests.support.base_template import on_a_bare_base

pytestmark = pytest.mark.django_db


def html_of(client, page) -> str:
    response = client.get(page.url)
    assert response.status_code == 200
    return response.content.decode()


def add_statement(newsroom, title: str, slug: str, date, topics=(), **fields) -> StatementPage:
    page = newsroom.add_child(
        instance=StatementPage(
            title=title, slug=slug, date=date, summary=f"About {title}.", **fields
        )
    )
    for topic in topics:
        page.topics.add(topic)
    page.save_revision().publish()
    return page


def test_letter_lists_every_signatory_with_place_and_offers_search_and_provinces(
    client, letter_factory
):
    letter = letter_factory(30)
    Organisation.objects.filter(name="letter Org 3").update(city="Calgary", province="AB")
    Organisation.objects.filter(name__in=["letter Org 4", "letter Org 5"]).update(
        city="Montréal", province="QC"
    )
    html = html_of(client, letter)

    # Every name is in the page (findable, works without JavaScript), with its place.
    assert html.count('<li class="org"') == 30
    assert "letter Org 0" in html and "letter Org 29" in html
    assert re.search(r'data-province="AB">.*letter Org 3.*Calgary, Alberta</span>', html)
    # The tools the script reveals: a labelled search box, a province filter with counts.
    assert '<label for="signatories-search">Search signatories</label>' in html
    assert '<option value="AB">Alberta (1)</option>' in html
    assert '<option value="QC">Quebec (2)</option>' in html
    assert html.index("Alberta (1)") < html.index("Quebec (2)")
    assert 'role="status"' in html
    assert re.search(r'aria-expanded="false"[^>]*>Show all 30 signatories</button>', html)
    assert "advocacy/js/signatories.js" in html


def test_letter_without_places_has_no_province_filter(client, letter_factory):
    html = html_of(client, letter_factory(3))
    assert "signatories-province" not in html
    assert "Signed by <strong>3</strong> organisations" in html


def test_signatory_names_are_escaped(client, letter_factory):
    letter = letter_factory(1)
    Organisation.objects.filter(name="letter Org 0").update(
        name="Fish & <Chips> Society", website="https://example.org/?a=1&b=2"
    )
    html = html_of(client, letter)
    assert "Fish &amp; &lt;Chips&gt; Society" in html
    assert 'href="https://example.org/?a=1&amp;b=2"' in html


def test_statement_ends_with_related_pages_same_topic_first_then_latest(client, newsroom):
    page = add_statement(
        newsroom, "On UNRWA funding", "unrwa", datetime.date(2024, 1, 5), ["UNRWA"]
    )
    same_topic = add_statement(
        newsroom, "Older UNRWA statement", "older-unrwa", datetime.date(2020, 1, 1), ["UNRWA"]
    )
    latest = add_statement(newsroom, "Newest statement", "newest", datetime.date(2025, 6, 1))
    second = add_statement(newsroom, "Second newest", "second", datetime.date(2025, 5, 1))
    add_statement(newsroom, "Too old to show", "too-old", datetime.date(2019, 1, 1))

    html = html_of(client, page)
    related = html[html.index('id="related-heading"') :]
    titles = re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', related)
    assert titles == [same_topic.title, latest.title, second.title]
    assert page.title not in titles

    # Publishing a page shows it at once (the cached cards follow publishing).
    newer = add_statement(
        newsroom, "Another UNRWA statement", "another-unrwa", datetime.date(2021, 1, 1), ["UNRWA"]
    )
    related = html_of(client, page).split('id="related-heading"')[1]
    assert newer.title in related and second.title not in related


def test_share_links_carry_the_page_address_and_title(client, statement):
    html = html_of(client, statement)
    share = html[
        html.index('id="share-heading"') : html.index("</section>", html.index("share-heading"))
    ]
    url = statement.full_url
    assert "mailto:?subject=" + quote(statement.title) in share.replace("&amp;", "&")
    for start in (
        "https://bsky.app/intent/compose?text=",
        "https://www.facebook.com/sharer/sharer.php?u=",
        "https://www.linkedin.com/sharing/share-offsite/?url=",
        "https://x.com/intent/post?text=",
    ):
        assert start in share, start
    assert share.count(quote(url, safe="")) >= 4
    assert 'data-copy-link-url="' + url + '"' in share
    assert "Copy link" in share


def test_call_to_action_uses_the_sites_default_appeal_unless_the_page_has_one(
    client, statement, appeal, home_page
):
    from wagtail.models import Site

    settings = AdvocacySettings.for_site(Site.objects.get(is_default_site=True))
    settings.default_donation_appeal = appeal
    settings.save()
    assert "Sustain our work" in html_of(client, statement)

    statement.body = [("donation_appeal", {"appeal": appeal})]
    statement.save_revision().publish()
    assert html_of(client, statement).count("Sustain our work") == 1


def test_call_to_action_links_the_newsletter_subscribe_page(client, statement, home_page):
    from newsletter.models import MailingList, SubscribePage

    supporters = MailingList.objects.create(name="Supporters", slug="supporters", is_public=True)
    subscribe = home_page.add_child(
        instance=SubscribePage(title="Join us", slug="join", mailing_list=supporters)
    )
    subscribe.save_revision().publish()
    html = html_of(client, statement)
    link = f'<a class="button" href="{re.escape(subscribe.url)}">Subscribe to the newsletter</a>'
    assert re.search(link, html)


def test_win_has_share_metadata_with_absolute_image_even_on_a_bare_base(client, win, tmp_path):
    win.image = Image.objects.create(title="Rally", file=get_test_image_file())
    win.save_revision().publish()
    with on_a_bare_base(tmp_path, "ADVOCACY_BASE_TEMPLATE"):
        html = html_of(client, win)  # `wagtail start`'s base: no meta block, only extra_css
    head = html[: html.index("</head>")]
    assert head.count('property="og:title"') == 1
    assert '<meta property="og:type" content="article">' in head
    assert f'<meta property="og:url" content="{win.full_url}">' in head
    assert '<meta property="og:description" content="After months of pressure' in head
    image = re.search(r'<meta property="og:image" content="([^"]+)">', head)
    assert image and re.match(r"https?://", image.group(1))
    assert '<meta property="og:image:width" content="' in head
    assert '<meta property="og:image:height" content="' in head
    assert '<meta name="twitter:card" content="summary_large_image">' in head


def test_articles_say_they_bring_their_own_share_metadata(statement, newsroom):
    from advocacy.templatetags.advocacy_tags import has_article_meta

    assert has_article_meta(statement) and not has_article_meta(newsroom)


def test_a_draft_preview_lists_the_drafts_signatories(letter_factory):
    from advocacy.models import LetterSignatory
    from advocacy.signatories import signatory_list

    letter = letter_factory(2)
    draft = letter.get_latest_revision_as_object()
    added = Organisation.objects.create(name="Added in the draft", city="Regina", province="SK")
    draft.signatories.add(LetterSignatory(organisation=added, sort_order=5))
    draft.save_revision()

    letter.refresh_from_db()
    preview = letter.get_latest_revision_as_object()
    listed = signatory_list(preview)
    assert listed.count == 3
    assert "Added in the draft" in listed.rows_html and "Regina, Saskatchewan" in listed.rows_html
    assert listed.provinces == [("SK", "Saskatchewan", 1)]
    assert signatory_list(letter).count == 2  # the published letter is unchanged
