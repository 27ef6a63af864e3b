"""The contract: schemathesis drives every operation of ``/api/v3/openapi.json`` against the
demo site, with generated inputs, and fails on any 5xx or any answer its schema does not allow.

It runs twice: as an anonymous front end (every operation: the write operations answer 401),
and with a superuser's bearer token for every read operation (drafts, revisions, sites).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from home.demo.loader import load_demo_content
from wagtail.models import APIToken

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


def test_every_operation_answers_as_its_schema_says(live_server, settings, tmp_path):
    settings.DEBUG = False  # an error is a 500, as in production, never a debug page
    load_demo_content()
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
