"""UTM parameters: on links to the organisation's own site only, per issue, in what is sent."""

from __future__ import annotations

import re

import pytest

from newsletter.audience.tokens import preferences_url, unsubscribe_url
from newsletter.issues.merge_tags import merge_tag
from newsletter.issues.rendering import render_issue
from newsletter.issues.utm import add_utm, add_utm_text
from newsletter.models import Subscriber
from newsletter.sending.freeze import create_send
from tests.newsletter.issues.conftest import make_issue

pytestmark = pytest.mark.django_db

HOSTS = {"example.org", "www.example.org"}
TAGS = "utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=spring"


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def tagged(html: str, **kwargs) -> str:
    return add_utm(html, campaign="spring", hosts=HOSTS, **kwargs)


def test_links_to_our_own_site_get_the_three_parameters():
    html = '<p><a href="https://example.org/donate/">Give</a> <a class="b" href="https://WWW.example.org">Home</a></p>'
    assert hrefs(tagged(html)) == [
        f"https://example.org/donate/?{TAGS}",
        f"https://WWW.example.org/?{TAGS}",
    ]
    assert tagged(html).startswith('<p><a href="') and "Give</a>" in tagged(html)


def test_other_sites_mailto_and_merge_tags_are_left_alone():
    html = (
        '<a href="https://example.net/x">other</a>'
        '<a href="https://example.org.evil.net/">look-alike</a>'
        '<a href="mailto:info@example.org">mail</a>'
        f'<a href="{merge_tag("unsubscribe_url")}">unsubscribe</a>'
        '<a href="tel:+15145550100">call</a>'
    )
    assert tagged(html) == html


def test_unsubscribe_preferences_and_other_newsletter_pages_are_never_tagged(supporters, settings):
    settings.BASE_URL = "https://example.org"
    reader = Subscriber.objects.create(email="ada@example.net")
    links = [
        unsubscribe_url(reader),
        unsubscribe_url(reader, supporters),
        preferences_url(reader),
        "https://example.org/newsletter/subscribe/?list=supporters",
        "https://example.org/newsletter/confirm/abc.def/",
    ]
    html = "".join(f'<a href="{link.replace("&", "&amp;")}">x</a>' for link in links)
    assert tagged(html) == html
    # An issue page under /newsletter/ is part of the site, not a newsletter URL: tagged.
    assert hrefs(tagged('<a href="https://example.org/newsletter/march/">web</a>')) == [
        f"https://example.org/newsletter/march/?{TAGS}"
    ]


def test_existing_parameters_and_fragment_are_kept_and_utm_never_repeated():
    html = (
        '<a href="https://example.org/act/?a=1&amp;b=two#sign">act</a>'
        "<a href='https://example.org/give?utm_campaign=gala&amp;amount=50'>give</a>"
    )
    result = tagged(html)
    assert 'href="https://example.org/act/?a=1&amp;b=two&amp;' + TAGS + '#sign"' in result
    assert (
        "href='https://example.org/give?utm_campaign=gala&amp;amount=50"
        "&amp;utm_source=newsletter&amp;utm_medium=email'" in result
    )
    assert result.count("utm_campaign") == 2  # the editor's own, and the first link's
    assert tagged(result) == result  # tagging twice changes nothing


def test_source_and_medium_can_be_chosen():
    result = tagged('<a href="https://example.org/">x</a>', source="digest", medium="mail")
    assert "utm_source=digest&amp;utm_medium=mail&amp;utm_campaign=spring" in result


def test_the_plain_text_urls_are_tagged_the_same_way():
    text = (
        "Read our statement (https://example.org/statements/one/).\n"
        "Donate: https://example.org/donate?amount=25, or elsewhere https://example.net/x.\n"
        "Unsubscribe:\n[[unsubscribe_url]]\n"
        "https://example.org/wiki/Thing_(law)\n"
    )
    result = add_utm_text(text, campaign="spring", hosts=HOSTS)
    plain = TAGS.replace("&amp;", "&")
    assert f"(https://example.org/statements/one/?{plain})." in result
    assert f"https://example.org/donate?amount=25&{plain}, or" in result
    assert "https://example.net/x." in result and "example.net/x?" not in result
    assert "[[unsubscribe_url]]" in result
    assert f"https://example.org/wiki/Thing_(law)?{plain}\n" in result


def test_a_rendered_issue_tags_its_own_site_links_with_its_slug(issue, settings):
    rendered = render_issue(issue)
    campaign = "utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=march"
    links = hrefs(rendered.html)
    assert f"{settings.BASE_URL}/newsroom/?{campaign}" in links  # the intro's link
    assert f"{issue.get_full_url()}?{campaign}" in links  # "view in your browser"
    assert "https://example.net/x" in links  # another site's link is left as it was
    assert merge_tag("unsubscribe_url") in links and merge_tag("preferences_url") in links
    assert "mailto:info@example.org" in links
    text = rendered.text
    assert f"{settings.BASE_URL}/newsroom/?{campaign.replace('&amp;', '&')}" in text
    # What a reader receives: their own unsubscribe and preference links, untagged.
    reader = Subscriber.objects.create(email="ada@example.net")
    values = {
        "name": "Ada",
        "unsubscribe_url": unsubscribe_url(reader),
        "preferences_url": preferences_url(reader),
    }
    html, text = rendered.personalise(values)
    for part in (html, text):
        assert values["unsubscribe_url"] in part and values["preferences_url"] in part
        assert f"{values['unsubscribe_url']}?utm" not in part.replace("&amp;", "&")


def test_the_issue_can_name_its_campaign(archive, content, newsletter_settings, settings):
    body = [("intro", "<p>See <a href='/newsroom/'>our newsroom</a>.</p>")]
    issue = make_issue(archive, body, slug="april", utm_campaign="spring-appeal")
    rendered = render_issue(issue)
    assert "utm_campaign=spring-appeal" in rendered.html and "utm_campaign=april" not in (
        rendered.html
    )
    assert f"{settings.BASE_URL}/newsroom/?utm_source=newsletter" in rendered.text


def test_an_issue_can_turn_utm_off(archive, content, newsletter_settings):
    body = [("intro", "<p>See <a href='/newsroom/'>our newsroom</a>.</p>")]
    issue = make_issue(archive, body, slug="quiet", utm_enabled=False)
    rendered = render_issue(issue)
    assert "utm_" not in rendered.html and "utm_" not in rendered.text
    assert "/newsroom/" in rendered.html


def test_the_web_version_has_no_utm(issue):
    rendered = render_issue(issue, web=True)
    assert "utm_" not in rendered.html and "utm_" not in rendered.text


def test_the_frozen_send_carries_the_parameters(issue, supporters, settings):
    send = create_send(issue, [supporters])
    assert f"{settings.BASE_URL}/newsroom/?utm_source=newsletter&amp;utm_medium=email" in (
        send.html
    )
    assert "utm_campaign=march" in send.text
    assert merge_tag("unsubscribe_url") in send.html and merge_tag("unsubscribe_url") in send.text
