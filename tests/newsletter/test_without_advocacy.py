"""The newsletter app stands alone: a Wagtail site with ``newsletter`` installed and ``advocacy``
not installed migrates, has no pending migrations, and writes, renders and sends an issue made
of text, an image, a button and a featured page.

One process holds one set of installed apps, so the site runs in a child process
(``tests/standalone/send_an_issue.py`` with ``tests.standalone.settings``) on its own SQLite
database, and reports what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_an_issue_is_written_rendered_and_sent_without_the_advocacy_app(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STANDALONE_DB": str(tmp_path / "standalone.sqlite3"),
        "STANDALONE_MEDIA": str(tmp_path / "media"),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests/standalone/send_an_issue.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert not report["advocacy_installed"] and not report["advocacy_imported"]
    assert not report["migrations_pending"]  # the issue body's blocks need no migration
    assert report["block_types"] == [
        "intro", "featured_page", "heading", "text", "image", "button", "divider"
    ]  # fmt: skip
    assert report["html_has_blocks"] and report["text_has_blocks"]
    assert report["recipients"] == [f"reader{n}@example.org" for n in range(3)]
    assert report["sent"] == 3
    assert report["unsubscribe_headers"] == 3 and report["merge_tags_left"] == 0
    assert report["web_status"] == 200  # the web version
