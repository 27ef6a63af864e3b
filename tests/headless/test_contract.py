"""The demo site served, read by a front end: ``examples/headless_site.py`` builds the letter
and the latest issue from the API alone; then the contract: schemathesis drives every
operation of ``/api/v3/openapi.json`` with generated inputs and fails on any 5xx or any
answer its schema does not allow.

Schemathesis runs twice: as an anonymous front end (every operation: the write operations
answer 401), and with a superuser's bearer token for every read operation (drafts,
revisions, sites). One test, so the demo content is loaded once.
"""

from __future__ import annotations

import subprocess
import sys
from html import escape
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from home.demo.loader import load_demo_content
from wagtail.models import APIToken

from advocacy.models import OpenLetterPage
from newsletter.models import NewsletterIssuePage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def schemathesis(url: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    """``st run`` on the document at ``url`` with a fixed seed (the same cases every run)."""
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        url,
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "15",
        "--seed",
        "20261201",
        "--workers",
        "1",
        "--no-color",
        *extra,
    ]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)


ROOT = Path(__file__).resolve().parents[2]


def example_consumer(api: str, out: Path) -> str:
    """Run ``examples/headless_site.py`` against ``api``; return what it printed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples/headless_site.py"), "--api", api, "--out", out],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_a_front_end_builds_the_demo_from_the_api_and_every_answer_fits_the_schema(
    live_server, settings, tmp_path
):
    settings.DEBUG = False  # an error is a 500, as in production, never a debug page
    load_demo_content()
    letter = OpenLetterPage.objects.live().filter(locale__language_code="en").first()
    issue = NewsletterIssuePage.objects.live().filter(locale__language_code="en").first()

    printed = example_consumer(f"{live_server.url}/api/v3", tmp_path / "site")

    page = (tmp_path / "site/letter.html").read_text()
    assert escape(letter.title) in page
    assert f"Signed by {letter.signatory_count} organisations" in page
    names = letter.signatories.select_related("organisation").order_by("sort_order", "pk")
    assert all(escape(link.organisation.name) in page for link in names)  # all 450, 5 pages
    assert page.count("<li>") >= letter.signatory_count + len(letter.demands)
    web = (tmp_path / "site/issue.html").read_text()
    assert escape(issue.subject) in web and "<article>" in web  # its cards
    assert escape(issue.subject) in (tmp_path / "site/issue-email.html").read_text()
    assert "in 9 calls" in printed  # 2 for the letter, 5 pages of signatories, 2 for the issue
    admin = get_user_model().objects.create_superuser("contract", "contract@example.org", "x")
    _token, plaintext = APIToken.create_token(user=admin, name="contract test")
    url = f"{live_server.url}/api/v3/openapi.json"

    anonymous = schemathesis(url, tmp_path)
    assert anonymous.returncode == 0, anonymous.stdout[-6000:] + anonymous.stderr[-2000:]
    assert "Tested: " in anonymous.stdout  # it ran operations, not just loaded the document

    authenticated = schemathesis(
        url, tmp_path, "--include-method", "GET", "-H", f"Authorization: Bearer {plaintext}"
    )
    assert authenticated.returncode == 0, (
        authenticated.stdout[-6000:] + authenticated.stderr[-2000:]
    )
