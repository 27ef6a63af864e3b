"""The error answers of every API v3 operation, written into ``/api/v3/openapi.json``.

Wagtail's v3 API answers errors as RFC 7807 ``application/problem+json`` (400 for a bad query,
401 without a bearer token where one is needed, 403, 404, 422 for a request that fails
validation), but its operations declare only their success. A generated client, and the
contract test, can only trust a document that lists every answer, so this adds the ones an
operation leaves out; what an operation declares itself is left as it is.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ninja import NinjaAPI

PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetail",
    "description": "An error, as RFC 7807 problem details.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": True},
        },
    },
    "required": ["type", "title", "status"],
}
#: Every operation can answer these; those with ``security`` also 401 and 403.
ALWAYS = (400, 404, 422)
WITH_SECURITY = (401, 403)
METHODS = ("get", "put", "post", "patch", "delete")


def drop_uncallable(schema: dict[str, Any]) -> None:
    """Leave out operations no request can reach: a path parameter that only admits ``""``.

    Wagtail builds its snippet routes from the snippet models it knows when its snippets app
    is ready, with ``api_fields``; with none, ``{type}`` admits only ``""`` and the routes
    cannot be called. Listing them would promise what is not there.
    """
    for path, path_item in list(schema.get("paths", {}).items()):
        for method in METHODS:
            operation = path_item.get(method)
            if operation and any(
                parameter.get("in") == "path" and parameter.get("schema", {}).get("const") == ""
                for parameter in operation.get("parameters", [])
            ):
                del path_item[method]
        if not any(method in path_item for method in METHODS):
            del schema["paths"][path]


def add_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the problem-details answers each operation of ``schema`` leaves out, drop the
    operations nothing can call; return it."""
    drop_uncallable(schema)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ProblemDetail", PROBLEM_SCHEMA)
    problem = {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}},
    }
    for path_item in schema.get("paths", {}).values():
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                _problem_media_type(response)
            statuses = ALWAYS + (WITH_SECURITY if operation.get("security") else ())
            for status in statuses:
                if status in responses or str(status) in responses:  # Ninja keys by int
                    continue
                responses[str(status)] = {
                    "description": HTTPStatus(status).phrase,
                    "content": problem,
                }
    return schema


def _problem_media_type(response: dict[str, Any]) -> None:
    """A declared ``ProblemDetail`` answer is sent as ``application/problem+json`` (Wagtail's
    error handlers), not the ``application/json`` Ninja writes for every declared schema."""
    content = response.get("content") or {}
    media = content.get("application/json")
    if media and media.get("schema", {}).get("$ref", "").endswith("/ProblemDetail"):
        content[PROBLEM_JSON] = content.pop("application/json")


def document_error_responses(api: NinjaAPI) -> None:
    """Make ``api``'s OpenAPI document list the error answers (once per API object)."""
    if getattr(api, "_error_responses_documented", False):
        return
    original = api.get_openapi_schema

    def get_openapi_schema(*args: Any, **kwargs: Any) -> Any:
        return add_error_responses(original(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]
    api._error_responses_documented = True  # type: ignore[attr-defined]
