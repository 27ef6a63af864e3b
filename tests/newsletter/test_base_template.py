"""The public newsletter pages extend NEWSLETTER_BASE_TEMPLATE and bring their own stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from newsletter.models import NewsletterArchivePage, SubscribePage

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "newsletter" / "templates" / "newsletter"
PUBLIC_TEMPLATES = [*TEMPLATES_DIR.glob("*.html"), TEMPLATES_DIR / "email" / "render_error.html"]
# The blocks of `wagtail start`'s base.html: the only ones a plugin template may fill.
START_BLOCKS = {"title", "title_suffix", "extra_css", "body_class", "content", "extra_js"}
STYLESHEET = "/static/newsletter/css/newsletter.css"
# `wagtail start`'s base.html, cut down to its blocks: no header, no site stylesheet.
BARE_BASE = """<!DOCTYPE html><html lang="en"><head>
<title>{% block title %}{{ page.title }}{% endblock %}{% block title_suffix %}{% endblock %}</title>
{% block extra_css %}{% endblock %}</head>
<body class="bare {% block body_class %}{% endblock %}">
{% block content %}{% endblock %}{% block extra_js %}{% endblock %}</body></html>"""


def test_public_templates_extend_the_configurable_base_with_start_blocks_only():
    assert len(PUBLIC_TEMPLATES) == 12
    for path in PUBLIC_TEMPLATES:
        source = path.read_text()
        assert source.startswith('{% extends base_template|default:"base.html" %}\n'), path
        assert set(re.findall(r"{% block (\w+) %}", source)) <= START_BLOCKS, path
        assert "{% static 'newsletter/css/newsletter.css' %}" in source, path


@pytest.fixture
def bare_base(tmp_path):
    (tmp_path / "bare_base.html").write_text(BARE_BASE)
    engine = {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    with override_settings(TEMPLATES=[engine], NEWSLETTER_BASE_TEMPLATE="bare_base.html"):
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
