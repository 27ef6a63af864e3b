"""Shared by both apps' base-template tests: what a plugin public template may rely on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.test import override_settings

# The blocks of `wagtail start`'s base.html: the only ones a plugin template may fill.
START_BLOCKS = {"title", "title_suffix", "extra_css", "body_class", "content", "extra_js"}
# `wagtail start`'s base.html, cut down to its blocks: no header, no site stylesheet.
BARE_BASE = """<!DOCTYPE html><html lang="en"><head>
<title>{% block title %}{{ page.title }}{% endblock %}{% block title_suffix %}{% endblock %}</title>
{% block extra_css %}{% endblock %}</head>
<body class="bare {% block body_class %}{% endblock %}">
{% block content %}{% endblock %}{% block extra_js %}{% endblock %}</body></html>"""


def assert_extend_the_configurable_base(templates: Iterable[Path], stylesheet: str) -> None:
    """Each template extends ``base_template`` (default base.html), fills only `wagtail
    start`'s blocks and links ``stylesheet`` (a static path)."""
    for path in templates:
        source = path.read_text()
        assert source.startswith('{% extends base_template|default:"base.html" %}\n'), path
        assert set(re.findall(r"{% block (\w+) %}", source)) <= START_BLOCKS, path
        assert f"{{% static '{stylesheet}' %}}" in source, path


@contextmanager
def on_a_bare_base(tmp_path: Path, setting: str) -> Iterator[None]:
    """Templates found first in ``tmp_path``, where ``bare_base.html`` is what ``setting``
    names."""
    (tmp_path / "bare_base.html").write_text(BARE_BASE)
    engine = {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    with override_settings(TEMPLATES=[engine], **{setting: "bare_base.html"}):
        yield
