"""The public site in English and French: /en/ and /fr/ addresses, the language switcher and
hreflang links to the page's translation, and the feed, search, sitemap and API per language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from wagtail.models import Locale, Page

pytestmark = pytest.mark.django_db

FRENCH_TITLE = "Déclaration sur la montée de la haine"


def publish_translation(page: Page, locale: Locale, **fields) -> Page:
    copy = page.specific.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    copy.refresh_from_db()
    return copy


@pytest.fixture
def french(home_page, newsroom, statement):
    """The home page, newsroom and statement in French, published."""
    locale = Locale.objects.get_or_create(language_code="fr")[0]
    publish_translation(home_page, locale, title="Accueil", slug="accueil")
    publish_translation(newsroom, locale, title="Salle de presse", slug="salle-de-presse")
    return publish_translation(
        statement,
        locale,
        title=FRENCH_TITLE,
        summary="Nous condamnons la montée de l'islamophobie.",
        body=[("paragraph", "<p>La haine n'a pas sa place au Canada.</p>")],
    )


def test_a_page_links_its_translation_and_the_switcher_goes_there(client, statement, french):
    assert statement.url.startswith("/en/") and french.url.startswith("/fr/")

    english = client.get(statement.url).content.decode()
    page = client.get(french.url)

    full = "http://testserver" + french.url
    assert f'<link rel="alternate" hreflang="fr" href="{full}">' in english
    assert 'hreflang="x-default"' in english
    assert f'<a href="{french.url}" hreflang="fr" lang="fr">Français</a>' in english
    html = page.content.decode()
    assert '<html lang="fr">' in html and FRENCH_TITLE in html
    assert f'<a href="{statement.url}" hreflang="en" lang="en">English</a>' in html


def test_a_page_without_translation_switches_to_the_home_page_in_that_language(client, win, french):
    html = client.get(win.url).content.decode()
    assert '<a href="/fr/" hreflang="fr" lang="fr">Français</a>' in html
    assert client.get("/fr/").status_code == 200


def test_an_address_from_before_the_prefixes_redirects_to_the_reader_s_language(client, statement):
    old = statement.url.removeprefix("/en")
    response = client.get(old)
    assert response.status_code == 302 and response["Location"] == statement.url
    french_reader = client.get(old, headers={"accept-language": "fr"})
    assert french_reader["Location"] == "/fr" + old


def test_feed_search_and_sitemap_per_language(client, statement, french):
    def titles(url: str) -> list[str]:
        feed = ET.fromstring(client.get(url).content)
        return [item.findtext("title") for item in feed.findall("./channel/item")]

    assert any(FRENCH_TITLE in title for title in titles("/fr/feed/"))
    assert not any(FRENCH_TITLE in title for title in titles("/en/feed/"))
    assert all(statement.title not in title for title in titles("/fr/feed/"))

    found_fr = client.get("/fr/search/", {"q": "islamophobie"}).content.decode()
    found_en = client.get("/en/search/", {"q": "Islamophobia"}).content.decode()
    assert french.url in found_fr and statement.url not in found_fr
    assert statement.url in found_en and french.url not in found_en

    sitemap = client.get("/sitemap.xml").content.decode()
    assert statement.url in sitemap and french.url in sitemap


def test_the_pages_api_finds_a_page_by_its_french_address(client, french):
    response = client.get("/api/v2/pages/find/", {"html_path": french.url})
    assert response.status_code == 302
    assert f"/api/v2/pages/{french.pk}/" in response["Location"]
