"""The public newsletter pages extend NEWSLETTER_BASE_TEMPLATE and bring their own stylesheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.models import NewsletterArchivePage, SubscribePage
from tests.support.base_template import assert_extend_the_configurable_base, on_a_bare_base

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "newsletter" / "templates" / "newsletter"
PUBLIC_TEMPLATES = [*TEMPLATES_DIR.glob("*.html"), TEMPLATES_DIR / "email" / "render_error.html"]
STYLESHEET = "/static/newsletter/css/newsletter.css"


def test_public_templates_extend_the_configurable_base_with_start_blocks_only():
    assert len(PUBLIC_TEMPLATES) == 14  # (still_subscribed.html: the sunset policy)
    assert_extend_the_configurable_base(PUBLIC_TEMPLATES, "newsletter/css/newsletter.css")


@pytest.fixture
def bare_base(tmp_path):
    with on_a_bare_base(tmp_path, "NEWSLETTER_BASE_TEMPLATE"):
        yield


@pytest.mark.django_db
def test_pages_and_views_render_on_the_base_the_setting_names(
    client, bare_base, home_page, supporters
):
    archive = home_page.add_child(instance=NewsletterArchivePage(title="Issues", slug="issues"))
    archive.save_revision().publish()
    subscribe = home_page.add_child(
        instance=SubscribePage(title="Join", slug="join", mailing_list=supporters)
    )
    subscribe.save_revision().publish()
    urls = [
        archive.url,
        subscribe.url,
        "/newsletter/subscribe/",
        "/newsletter/subscribe/thanks/",
        "/newsletter/unsubscribe/not-a-token/",
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert '<body class="bare' in html, url
        assert html.count(STYLESHEET) == 1, url
        assert 'class="newsletter-page' in html, url


@pytest.mark.django_db
def test_pages_use_base_html_by_default(client, supporters):
    html = client.get("/newsletter/subscribe/").content.decode()
    assert html.count(STYLESHEET) == 1
    assert '<body class="bare' not in html
