"""The subscribe pages as a reader meets them: a failed submission stays on the page it came
from, forms on cacheable pages carry no CSRF token (and a post without one signs nobody up), and
the site's navigation finds the archive and the subscribe page."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core import mail
from django.template import Context, Template
from django.test import Client

from newsletter.models import NewsletterArchivePage, SubscribePage, Subscriber
from tests.newsletter.conftest import subscribe_form_data

SUBSCRIBE = "/newsletter/subscribe/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
host_site_only = pytest.mark.skipif(
    not apps.is_installed("home"), reason="the navigation is the demo host's base.html"
)


@pytest.fixture
def join_page(home_page, supporters) -> SubscribePage:
    page = home_page.add_child(
        instance=SubscribePage(
            title="Join us", slug="join", intro="<p>Stay informed.</p>", mailing_list=supporters
        )
    )
    page.save_revision().publish()
    return page


def title_of(html: str) -> str:
    return re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1)


def test_a_failed_submission_is_shown_again_on_its_subscribe_page(client, join_page, supporters):
    data = subscribe_form_data(supporters, "nope", consent="", page=join_page.pk)
    response = client.post(SUBSCRIBE, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert title_of(html).startswith("Join us")
    assert re.search(r"<h1>\s*Join us\s*</h1>", html)
    assert "Stay informed." in html
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    email_id = re.search(r'<input type="email" name="email" id="([^"]+)"', html).group(1)
    assert f'href="#{email_id}"' in summary and "Enter a valid email address" in summary
    assert "Tick the box" in summary
    assert f'aria-invalid="true" aria-describedby="{email_id}-error"' in html
    assert f'id="{email_id}-error"' in html
    assert f'name="page" value="{join_page.pk}"' in html  # the next try comes back here too
    assert not Subscriber.objects.exists()


def test_a_page_id_that_is_not_a_live_subscribe_page_falls_back_to_the_standalone_form(
    client, home_page, supporters
):
    response = client.post(SUBSCRIBE, subscribe_form_data(supporters, "", page=home_page.pk))
    assert response.status_code == 200
    assert title_of(response.content.decode()).startswith("Subscribe to Supporters")


def test_the_subscribe_form_tag_sets_no_csrf_cookie(rf, supporters):
    template = Template('{% load newsletter_tags %}{% subscribe_form "supporters" %}')
    request = rf.get("/")
    html = template.render(Context({"request": request}))
    assert "<form" in html and "csrfmiddlewaretoken" not in html
    assert 'data-api="/api/newsletter/subscribe/"' in html
    assert "CSRF_COOKIE" not in request.META  # get_token() was never called


def test_a_post_without_a_csrf_token_signs_nobody_up_and_asks_once_more(supporters):
    client = Client(enforce_csrf_checks=True)
    response = client.post(SUBSCRIBE, subscribe_form_data(supporters, "ada@example.org"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "press the button again" in html
    assert 'value="ada@example.org"' in html
    assert not Subscriber.objects.exists() and mail.outbox == []

    token = TOKEN.search(html).group(1)
    data = {**subscribe_form_data(supporters, "ada@example.org"), "csrfmiddlewaretoken": token}
    again = client.post(SUBSCRIBE, data)
    assert again.status_code == 302 and again["Location"].endswith("/subscribe/thanks/")
    assert Subscriber.objects.filter(email="ada@example.org").exists()
    assert len(mail.outbox) == 1


def header_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    return re.findall(r">([^<>]+)</a>", nav.group(0)) if nav else []


@host_site_only
def test_the_navigation_offers_the_newsletter_and_subscribe_pages(client, join_page, home_page):
    archive = home_page.add_child(instance=NewsletterArchivePage(title="Our news", slug="news"))
    archive.save_revision().publish()

    html = client.get(join_page.url).content.decode()
    links = header_links(html)
    assert "Newsletter" in links and links[-1] == "Subscribe"  # the call to action comes last
    assert f'href="{join_page.url}" class="site-nav__cta" aria-current="page"' in html
    footer = re.search(r'<footer class="site-footer".*?</footer>', html, re.S).group(0)
    assert f'href="{archive.url}"' in footer and f'href="{join_page.url}"' in footer


@host_site_only
def test_without_newsletter_pages_the_navigation_still_works(client, home_page):
    html = client.get(home_page.url).content.decode()
    assert "Newsletter" not in header_links(html)
    assert "Subscribe" not in header_links(html)  # no subscribe page and no public list
