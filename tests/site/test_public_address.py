"""One public address: page links (the Wagtail site) and unsubscribe links (BASE_URL) agree
when the demo runs on another host or port."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from home.demo.newsletter import sync_site_with_base_url
from home.demo.upsert import Tally
from wagtail.models import Site

from newsletter.checks import check_site_matches_base_url

ROOT = Path(__file__).resolve().parents[2]


def make_dry_run(*args: str, **env: str) -> str:
    """The commands ``make`` would run (nothing is run), with BASE_URL unset unless given."""
    environment = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "HOST", "PORT")}
    result = subprocess.run(
        ["make", "-n", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_serve_derives_base_url_from_host_and_port():
    commands = make_dry_run("serve", "PORT=9000")
    assert "BASE_URL=http://127.0.0.1:9000" in commands
    assert "runserver 127.0.0.1:9000" in commands


def test_make_demo_loads_and_serves_on_one_address():
    output = make_dry_run("demo", "PORT=9000")
    commands = [line for line in output.splitlines() if "manage.py" in line]
    assert len(commands) == 3  # migrate, load_demo_content, runserver
    assert all("BASE_URL=http://127.0.0.1:9000" in line for line in commands)


def test_an_explicit_base_url_wins():
    commands = make_dry_run("serve", BASE_URL="https://news.example.ca")
    assert "BASE_URL=https://news.example.ca" in commands


def test_the_demo_points_the_default_site_at_base_url(db, settings):
    settings.BASE_URL = "http://127.0.0.1:9000"
    assert check_site_matches_base_url()  # the migration's site: localhost, port 80

    sync_site_with_base_url(Tally())

    site = Site.objects.get(is_default_site=True)
    assert site.root_url == "http://127.0.0.1:9000"
    assert check_site_matches_base_url() == []


def test_an_https_base_url_gives_an_https_site(db, settings):
    settings.BASE_URL = "https://news.example.ca"
    sync_site_with_base_url(Tally())
    assert Site.objects.get(is_default_site=True).root_url == "https://news.example.ca"
    assert check_site_matches_base_url() == []
