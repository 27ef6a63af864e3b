"""The public advocacy pages extend ADVOCACY_BASE_TEMPLATE and bring their own stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from advocacy.models import TimelinePage

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "advocacy" / "templates" / "advocacy"
PAGE_TEMPLATES = sorted(TEMPLATES_DIR.glob("*.html"))
# The blocks of `wagtail start`'s base.html: the only ones a plugin template may fill.
START_BLOCKS = {"title", "title_suffix", "extra_css", "body_class", "content", "extra_js"}
STYLESHEET = "/static/advocacy/css/advocacy.css"
# `wagtail start`'s base.html, cut down to its blocks: no header, no site stylesheet.
BARE_BASE = """<!DOCTYPE html><html lang="en"><head>
<title>{% block title %}{{ page.title }}{% endblock %}{% block title_suffix %}{% endblock %}</title>
{% block extra_css %}{% endblock %}</head>
<body class="bare {% block body_class %}{% endblock %}">
{% block content %}{% endblock %}{% block extra_js %}{% endblock %}</body></html>"""


def test_page_templates_extend_the_configurable_base_with_start_blocks_only():
    assert len(PAGE_TEMPLATES) == 5
    for path in PAGE_TEMPLATES:
        source = path.read_text()
        assert source.startswith('{% extends base_template|default:"base.html" %}\n'), path
        assert set(re.findall(r"{% block (\w+) %}", source)) <= START_BLOCKS, path
        assert "{% static 'advocacy/css/advocacy.css' %}" in source, path


@pytest.fixture
def bare_base(tmp_path):
    (tmp_path / "bare_base.html").write_text(BARE_BASE)
    engine = {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    with override_settings(TEMPLATES=[engine], ADVOCACY_BASE_TEMPLATE="bare_base.html"):
        yield


@pytest.mark.django_db
def test_pages_render_on_the_base_the_setting_names(
    client, bare_base, newsroom, statement, win, letter_factory
):
    timeline = newsroom.add_child(instance=TimelinePage(title="Timeline", slug="timeline"))
    timeline.save_revision().publish()
    for page in (newsroom, timeline, statement, win, letter_factory(3)):
        html = client.get(page.url).content.decode()
        assert '<body class="bare template-' in html, page
        assert html.count(STYLESHEET) == 1, page
        assert 'class="advocacy-page' in html, page


@pytest.mark.django_db
def test_pages_use_base_html_by_default(client, statement):
    html = client.get(statement.url).content.decode()
    assert html.count(STYLESHEET) == 1
    assert '<body class="bare' not in html
