"""The public advocacy pages extend ADVOCACY_BASE_TEMPLATE and bring their own stylesheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocacy.models import TimelinePage
from tests.support.base_template import assert_extend_the_configurable_base, on_a_bare_base

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "advocacy" / "templates" / "advocacy"
PAGE_TEMPLATES = sorted(TEMPLATES_DIR.glob("*.html"))
STYLESHEET = "/static/advocacy/css/advocacy.css"


def test_page_templates_extend_the_configurable_base_with_start_blocks_only():
    assert len(PAGE_TEMPLATES) == 6
    assert_extend_the_configurable_base(PAGE_TEMPLATES, "advocacy/css/advocacy.css")


@pytest.fixture
def bare_base(tmp_path):
    with on_a_bare_base(tmp_path, "ADVOCACY_BASE_TEMPLATE"):
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
