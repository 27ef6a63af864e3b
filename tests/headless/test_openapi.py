"""``/api/v3/openapi.json`` types every field of the project: no ``{}`` schema anywhere a
project page type's fields or a project operation's answers lead."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("advocacy", "newsletter", "home")
TYPING_KEYS = {"type", "$ref", "anyOf", "oneOf", "allOf", "const", "enum", "not"}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    return response.json()


def untyped_paths(document: dict, schema: Any, where: str, seen: set[str]) -> list[str]:
    """Where below ``schema`` a value has no type (``{}``, or an object of anything)."""
    if not isinstance(schema, dict):
        return []
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return []
        seen.add(ref)
        target = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return untyped_paths(document, target, f"{where}->{ref.rsplit('/', 1)[-1]}", seen)
    if not TYPING_KEYS & set(schema):
        return [where]
    found: list[str] = []
    anything = schema.get("additionalProperties") in (None, True, {})
    if schema.get("type") == "object" and not schema.get("properties") and anything:
        found.append(f"{where} (an object of anything)")
    for name, child in (schema.get("properties") or {}).items():
        found += untyped_paths(document, child, f"{where}.{name}", seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for n, child in enumerate(schema.get(key) or []):
            found += untyped_paths(document, child, f"{where}[{key} {n}]", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += untyped_paths(document, schema[key], f"{where}.{key}", seen)
    return found


def project_page_models() -> list:
    from wagtail.models import Page

    return [
        model
        for name in PROJECT_APPS
        if apps.is_installed(name)
        for model in apps.get_app_config(name).get_models()
        if issubclass(model, Page)
    ]


def test_every_project_page_field_is_typed(document):
    schemas = document["components"]["schemas"]
    checked = []
    for model in project_page_models():
        name = f"{model._meta.object_name}Schema"
        assert name in schemas, f"{model._meta.label} has no read schema"
        fields = schemas[name]["properties"]
        for field in model.api_fields:
            assert field.name in fields, f"{model._meta.label}.{field.name} is not in the schema"
            found = untyped_paths(document, fields[field.name], f"{name}.{field.name}", set())
            assert not found, f"untyped: {found}"
            checked.append(f"{model._meta.label}.{field.name}")
    # The fields the issue names are among those checked.
    for field in (
        "advocacy.OpenLetterPage.demands",
        "advocacy.OpenLetterPage.signatories",
        "advocacy.OpenLetterPage.lead_signatory",
        "advocacy.CampaignWinPage.outcome",
        "advocacy.CampaignWinPage.supporter_count",
        "advocacy.CampaignWinPage.supporter_summary",
        "advocacy.AdvocacyPage.label",
        "advocacy.AdvocacyPage.facts",
        "advocacy.StatementPage.body",
        "advocacy.NewsroomPage.intro",
        "newsletter.NewsletterIssuePage.body",
    ):
        assert field in checked


def not_null(schema: dict) -> dict:
    """The schema of a value Wagtail's API v3 declares nullable (``anyOf [X, null]``): X."""
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    assert len(options) == 1
    return options[0]


def test_outcome_is_an_enum_of_its_values(document):
    outcome = document["components"]["schemas"]["CampaignWinPageSchema"]["properties"]["outcome"]
    assert sorted(not_null(outcome)["enum"]) == ["pending", "positive_movement", "update", "win"]


def test_each_body_block_type_has_its_own_schema(document):
    body = document["components"]["schemas"]["StatementPageSchema"]["properties"]["body"]
    block = not_null(body)["items"]["$ref"].rsplit("/", 1)[-1]
    union = document["components"]["schemas"][block]
    members = [option["$ref"].rsplit("/", 1)[-1] for option in union["oneOf"]]
    types = {
        document["components"]["schemas"][m]["properties"]["type"]["const"]: m for m in members
    }
    assert set(types) == {
        "paragraph",
        "heading",
        "quote",
        "image",
        "embed",
        "call_to_action",
        "donation_appeal",
        "demands",
    }
    assert union["discriminator"]["propertyName"] == "type"


def test_every_project_operation_answers_typed(document):
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith(("/api/v3/advocacy/", "/api/v3/newsletter/", "/api/v3/preview/"))
        for method, operation in item.items()
    ]
    assert len(operations) >= 2
    for path, method, operation in operations:
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            for media in (response.get("content") or {}).values():
                found = untyped_paths(document, media["schema"], f"{method} {path} {status}", set())
                assert not found, f"untyped: {found}"
