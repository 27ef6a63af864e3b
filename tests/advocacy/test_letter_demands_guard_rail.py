"""An open letter's demands have one place: its Demands section, never a block in its body."""

from __future__ import annotations

import html
import importlib
import json
import re

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from advocacy.models import OpenLetterPage

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("advocacy.migrations.0007_date_precision_letter_body")


def offered_blocks(client, page, field: str) -> list[str]:
    """The block types the admin's edit form offers in the StreamField ``field``."""
    page_html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    found = re.search(
        rf'<div id="{field}" data-block data-controller="w-block" '
        r'data-w-block-data-value="([^"]*)"',
        page_html,
    )
    definition = json.loads(html.unescape(found.group(1)))
    return [child["_args"][0] for _group, children in definition["_args"][1] for child in children]


def test_letter_body_offers_no_demands_block_but_statements_do(
    client, superuser, letter_factory, statement
):
    client.force_login(superuser)
    letter = letter_factory(2)

    for field in ("body", "after_demands"):
        blocks = offered_blocks(client, letter, field)
        assert "paragraph" in blocks and "demands" not in blocks
    assert offered_blocks(client, letter, "demands") == ["demand"]
    assert "demands" in offered_blocks(client, statement, "body")


def test_migration_keeps_the_text_of_a_demands_block_already_in_a_letter(letter_factory):
    letter = letter_factory(1)
    raw_body = [
        {"type": "paragraph", "value": "<p>We write to you.</p>", "id": "a"},
        {
            "type": "demands",
            "value": {
                "intro": "We ask Canada to:",
                "demands": [
                    {"type": "item", "value": "<p>Recognise Palestine;</p>", "id": "b"},
                    {"type": "item", "value": "<p>Impose an embargo.</p>", "id": "c"},
                ],
            },
            "id": "d",
        },
    ]
    # Stored as before the change, in SQL: the model can no longer write a Demands block there.
    meta = OpenLetterPage._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {meta.db_table} SET body = %s WHERE {meta.pk.column} = %s",
            [json.dumps(raw_body), letter.pk],
        )
        cursor.execute(f"SELECT body FROM {meta.db_table} WHERE {meta.pk.column} = %s", [letter.pk])
        stored = cursor.fetchone()[0]  # text, or already decoded (PostgreSQL's jsonb)
        assert '"demands"' in (stored if isinstance(stored, str) else json.dumps(stored))
    revision = letter.latest_revision
    revision.content["body"] = json.dumps(raw_body)
    revision.save(update_fields=["content"])

    MIGRATION.convert_letter_demands_blocks(apps, None)

    letter.refresh_from_db()
    assert [block.block_type for block in letter.body] == ["paragraph", "paragraph"]
    assert str(letter.body[1].value) == (
        "<p>We ask Canada to:</p><ol><li>Recognise Palestine;</li><li>Impose an embargo.</li></ol>"
    )
    revision.refresh_from_db()
    stored = json.loads(revision.content["body"])
    assert [block["type"] for block in stored] == ["paragraph", "paragraph"]
    assert "<li>Impose an embargo.</li>" in stored[1]["value"]
