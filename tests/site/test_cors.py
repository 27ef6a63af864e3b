"""The host project lets configured browser front ends call the JSON API, and only the API."""

import pytest


@pytest.mark.django_db
def test_cors_allows_configured_origin_on_the_api_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example.org"]
    api = client.get("/api/v2/pages/", HTTP_ORIGIN="https://front.example.org")
    assert api.status_code == 200
    assert api["Access-Control-Allow-Origin"] == "https://front.example.org"
    other = client.get("/api/v2/pages/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other
    page = client.get("/feed/", HTTP_ORIGIN="https://front.example.org")
    assert "Access-Control-Allow-Origin" not in page
