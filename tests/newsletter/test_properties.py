"""Property-based tests of the subscribe endpoints with arbitrary input: never a 500, and never
a subscriber without a consent record."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.models import Subscriber, Subscription

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
emails = (
    st.emails()
    | st.text(max_size=60)
    | st.sampled_from(
        ["ada@example.org", "ADA@Example.org ", "a@b", "@", "a@example.org\x00", "é@exämple.org"]
    )
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        "email": emails | json_values,
        "name": st.text(max_size=300) | json_values,
        "list": st.sampled_from(["supporters", "board", "", "nope", "sup\x00porters"])
        | json_values,
        "consent": st.sampled_from([True, False, "true", 1, None]) | json_values,
        "language": st.sampled_from(["en", "fr", "de", ""]) | json_values,
        "consent_version": st.sampled_from(["\x00", "0123456789abcdef"])
        | st.text(max_size=20)
        | json_values,
        "website": st.sampled_from(["", "spam"]) | json_values,
    },
)


def assert_every_subscriber_has_consent() -> None:
    assert not Subscriber.objects.filter(subscriptions__isnull=True).exists()
    for record in Subscription.objects.all():
        assert record.consent_type in ("express", "implied")
        assert record.consented_at is not None
        assert record.consent_text is not None  # public sign-ups record the wording shown
        assert record.status in ("pending", "active")


API_PATHS = {"v3": "/api/v3/newsletter/subscribe/", "old": "/api/newsletter/subscribe/"}


@pytest.fixture(params=list(API_PATHS.values()), ids=list(API_PATHS))
def api(request) -> str:
    """The JSON subscribe endpoint, on Wagtail's API v3 and on its older path: one code."""
    return request.param


@pytest.fixture
def lists(supporters, board_list, settings):
    settings.NEWSLETTER_SUBSCRIBE_RATE = "1000000/h"
    return supporters, board_list


@HYPOTHESIS
@given(payload=payloads | json_values)
def test_json_endpoint_never_fails_and_needs_consent(client, lists, api, payload):
    response = client.post(api, data=json.dumps(payload), content_type="application/json")
    assert response.status_code in (202, 400)
    body = response.json()
    if response.status_code == 202:
        assert body == {"status": "ok", "message": "Check your inbox to confirm your subscription."}
        assert payload.get("consent") is True or payload.get("website")
    else:
        assert body["status"] == "error" and body["errors"]
    assert_every_subscriber_has_consent()
    assert not Subscription.objects.filter(mailing_list__slug="board").exists()


@HYPOTHESIS
@given(
    body=st.binary(max_size=200),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-urlencoded"]
    ),
)
def test_json_endpoint_survives_arbitrary_bytes(client, lists, api, body, content_type):
    response = client.post(api, data=body, content_type=content_type)
    # Only JSON is read: other bodies are what any web page can make a browser post (415).
    # (The test client sends no Content-Type with an empty body.)
    expected = (202, 400) if content_type == "application/json" and body else (415,)
    assert response.status_code in expected
    assert_every_subscriber_has_consent()


@HYPOTHESIS
@given(
    form=st.fixed_dictionaries(
        {},
        optional={
            "email": emails,
            "name": st.text(max_size=300),
            "list": st.sampled_from(["supporters", "board", "nope", ""]),
            "consent": st.sampled_from(["on", "", "false", "0", "no", "off"]) | st.text(max_size=5),
            "language": st.sampled_from(["en", "fr", "xx"]),
            "consent_version": st.text(max_size=20),
            "website": st.sampled_from(["", "x"]),
        },
    )
)
def test_html_form_never_fails_and_needs_consent(client, lists, form):
    form = {k: v.replace("\x00", "") for k, v in form.items()}  # the test client can't send NUL
    response = client.post("/newsletter/subscribe/", form)
    assert response.status_code in (200, 302)
    if response.status_code == 302 and not form.get("website"):
        assert form.get("consent", "").strip().lower() in ("on", "true", "1", "yes")
    assert_every_subscriber_has_consent()
