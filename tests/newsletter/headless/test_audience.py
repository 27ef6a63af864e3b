"""``/api/v3/newsletter/``: subscribing, confirming, preferences and unsubscribing from a headless
front end, with the answers the OpenAPI document declares (and the older subscribe path
answering the same, byte for byte)."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client

from newsletter.audience import ratelimit, subscriptions
from newsletter.audience.tokens import confirmation_token, subscriber_token
from newsletter.headless import audience
from newsletter.languages import i18n_enabled
from newsletter.models import MailingList, Subscriber, Subscription, Suppression
from tests.newsletter.conftest import confirm_links

V3 = "/api/v3/newsletter"
SUBSCRIBE = f"{V3}/subscribe/"
OLD_SUBSCRIBE = "/api/newsletter/subscribe/"
JSON = "application/json"


@pytest.fixture(autouse=True)
def fresh_cache_health():
    ratelimit.cache_health.reset()
    yield
    ratelimit.cache_health.reset()


def sign_up(email: str = "ada@example.org", **extra) -> dict:
    return {"email": email, "name": "Ada", "list": "supporters", "consent": True, **extra}


def post(client: Client, path: str, payload=None, **extra):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(path, data=body, content_type=extra.pop("content_type", JSON), **extra)


@pytest.fixture
def actions(db) -> MailingList:
    return MailingList.objects.create(name="Actions", slug="actions", description="Calls to act.")


@pytest.fixture
def ada(supporters) -> Subscriber:
    """Active on supporters."""
    subscriptions.add_manually(
        "ada@example.org", supporters, subscriptions.ConsentRecord(), require_confirmation=False
    )
    mail.outbox.clear()
    return Subscriber.objects.get(email="ada@example.org")


def forged(token: str) -> list[str]:
    """The token tampered with, truncated, and one validly signed that names nobody."""
    nobody = Subscriber(email="nobody@example.org")
    return [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        "x" + token,
        token.split(".")[0],
        "not-a-token",
        "a" * 500,
        subscriber_token(nobody),
    ]


# --- the document -----------------------------------------------------------------------------


def test_the_openapi_document_declares_every_answer(client):
    doc = client.get("/api/v3/openapi.json").json()
    ops = {
        (path, method): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if path.startswith(V3) and "/issues/" not in path
    }
    ids = {op["operationId"] for op in ops.values()}
    assert ids == {
        "newsletter_subscribe_options",
        "newsletter_subscribe",
        "newsletter_confirm",
        "newsletter_preferences",
        "newsletter_preferences_update",
        "newsletter_unsubscribe",
    }
    post_op = ops[(SUBSCRIBE, "post")]
    assert {"202", "413", "415", "429"} <= set(post_op["responses"])
    assert "Retry-After" in post_op["responses"]["429"]["headers"]
    body = post_op["requestBody"]["content"][JSON]["schema"]
    assert set(body["required"]) == {"email", "list", "consent"}
    assert body["properties"]["consent"]["const"] is True
    assert "requestBody" in ops[(f"{V3}/preferences/{{token}}/", "post")]


# --- subscribe: one implementation, two paths -------------------------------------------------


def test_both_paths_answer_byte_for_byte_the_same(client, supporters, settings):
    settings.NEWSLETTER_SUBSCRIBE_RATE = "1000/h"
    requests = [
        lambda path: client.get(path),
        lambda path: post(client, path, sign_up()),
        lambda path: post(client, path, sign_up(list="nope", consent="yes")),
        lambda path: post(client, path, b"{not json"),
        lambda path: post(client, path, sign_up(), content_type="text/plain"),
    ]
    for send in requests:
        new, old = send(SUBSCRIBE), send(OLD_SUBSCRIBE)
        assert (new.status_code, new.content) == (old.status_code, old.content)
        assert new.get("Content-Type") == old.get("Content-Type")
    for path in (SUBSCRIBE, OLD_SUBSCRIBE):  # (the bodies of these differ: no JSON)
        assert client.put(path, json.dumps(sign_up()), content_type=JSON).status_code == 405
    options = audience.SubscribeOptions.model_validate(client.get(SUBSCRIBE).json())
    assert [item.slug for item in options.lists] == ["supporters"]


def test_subscribing_answers_202_and_sends_the_confirmation(client, supporters):
    response = post(client, SUBSCRIBE, sign_up(language="fr"), HTTP_ORIGIN="https://front.example")
    assert response.status_code == 202
    audience.Accepted.model_validate(response.json())
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.PENDING
    assert subscription.source == Subscription.Source.API
    assert subscription.source_detail == "https://front.example"
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_no_csrf_token_is_needed(supporters):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, SUBSCRIBE, sign_up()).status_code == 202


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, ada, supporters):
    subscriptions.suppress("bounced@example.org", Suppression.Reason.HARD_BOUNCE)
    answers = {
        email: post(client, SUBSCRIBE, sign_up(email))
        for email in ("ada@example.org", "bounced@example.org", "new@example.org")
    }
    assert {(r.status_code, r.content) for r in answers.values()} == {
        (answers["new@example.org"].status_code, answers["new@example.org"].content)
    }
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe",
        b"1" * 5000,  # an integer too long to convert
        b"[" * 50_000,
        json.dumps(sign_up(email="ada@example.org\x00")).encode(),
        json.dumps(sign_up(name="Ada\x00")).encode(),
        json.dumps(sign_up(list="sup\x00porters")).encode(),
        json.dumps(sign_up(email=10**400)).encode(),
        json.dumps(sign_up(consent_version={"a": 1})).encode(),
        json.dumps(sign_up(language=["fr"])).encode(),
    ],
)
def test_malformed_bodies_get_400_with_errors_by_field(client, supporters, settings, body):
    settings.NEWSLETTER_SUBSCRIBE_RATE = "1000/h"
    response = post(client, SUBSCRIBE, body)
    assert response.status_code == 400
    problem = audience.Problem.model_validate(response.json())
    assert problem.errors and all(problem.errors.values())
    assert not Subscriber.objects.exists()


def test_field_errors_keep_their_messages(client, supporters):
    response = post(client, SUBSCRIBE, {"email": "nope", "list": "x", "consent": "true"})
    assert response.json() == {
        "status": "error",
        "errors": {
            "email": ["Enter a valid email address, like name@example.org."],
            "list": ["Choose a list."],
            "consent": ["Consent must be true: show the consent text and a checkbox."],
        },
    }
    if i18n_enabled():  # the host site speaks the reader's language
        french = post(client, SUBSCRIBE, b"[]", HTTP_ACCEPT_LANGUAGE="fr")
        assert french.json()["errors"]["__all__"] == ["Envoyez un objet JSON."]


def test_a_huge_body_gets_413(client, supporters, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, SUBSCRIBE, sign_up(name="A" * 2000))
    assert response.status_code == 413
    audience.Problem.model_validate(response.json())
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_only_json_is_accepted(client, supporters, content_type):
    response = post(client, SUBSCRIBE, sign_up(), content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"]["__all__"][0]
    assert not Subscriber.objects.exists()


def test_too_many_attempts_get_429_with_retry_after(client, supporters, settings):
    settings.NEWSLETTER_SUBSCRIBE_RATE = "2/h"
    codes = [post(client, SUBSCRIBE, sign_up(f"a{n}@example.org")).status_code for n in range(2)]
    blocked = post(client, SUBSCRIBE, sign_up("a9@example.org"))
    assert codes == [202, 202]
    assert blocked.status_code == 429
    limited = audience.RateLimited.model_validate(blocked.json())
    assert int(blocked["Retry-After"]) == limited.retry_after > 0
    # The older path counts against the same budget: it is the same endpoint.
    assert post(client, OLD_SUBSCRIBE, sign_up("b@example.org")).status_code == 429


# --- confirm ----------------------------------------------------------------------------------


def _confirmation_token(client) -> str:
    post(client, SUBSCRIBE, sign_up())
    [link] = confirm_links()
    return link.rstrip("/").rsplit("/", 1)[1]


def test_confirming_activates_the_subscription(client, supporters):
    token = _confirmation_token(client)
    url = f"{V3}/confirm/{token}/"
    assert client.get(url).status_code == 405  # mail scanners prefetch links: GET does nothing
    assert Subscription.objects.get().status == Subscription.Status.PENDING

    response = client.post(url, REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Phone")
    assert response.status_code == 200
    confirmed = audience.Confirmed.model_validate(response.json())
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.ACTIVE
    assert (subscription.confirmed_ip_address, subscription.confirmed_user_agent) == (
        "192.0.2.7",
        "Phone",
    )
    assert confirmed.preferences_token == subscriber_token(subscription.subscriber)
    assert "no-store" in response["Cache-Control"]

    again = client.post(url, REMOTE_ADDR="192.0.2.8")  # a second click changes nothing
    assert again.status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_ip_address == "192.0.2.7"


def test_forged_expired_and_used_up_confirmation_links_change_nothing(client, supporters, settings):
    token = _confirmation_token(client)
    nobody = Subscription(public_id="nobody-at-all")
    invalid = {}
    for bad in [*forged(token)[:-1], confirmation_token(nobody)]:
        response = client.post(f"{V3}/confirm/{bad}/")
        assert response.status_code == 400, bad
        invalid[bad] = response.content
    assert set(invalid.values()) == {
        json.dumps({"status": "error", "errors": {"token": ["This link is not valid"]}}).encode()
    }
    if i18n_enabled():
        french = client.post(f"{V3}/confirm/not-a-token/", HTTP_ACCEPT_LANGUAGE="fr")
        assert french.json()["errors"]["token"] == ["Ce lien n\u2019est pas valide"]

    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
    expired = client.post(f"{V3}/confirm/{token}/")
    assert expired.status_code == 400
    assert expired.json()["errors"]["token"] == ["This link has expired"]
    assert Subscription.objects.get().status == Subscription.Status.PENDING

    settings.NEWSLETTER_CONFIRM_MAX_AGE = 3600
    subscriptions.unsubscribe(Subscriber.objects.get(), how=Subscription.EndedHow.EVERYTHING)
    assert client.post(f"{V3}/confirm/{token}/").status_code == 400  # an old link: no revival
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED


# --- preferences ------------------------------------------------------------------------------


def test_preferences_show_lists_and_language(
    client, ada, supporters, actions, board_list, django_assert_max_num_queries
):
    subscriptions.subscribe("ada@example.org", board_list, subscriptions.ConsentRecord())
    url = f"{V3}/preferences/{subscriber_token(ada)}/"
    client.get(url)  # the first showing of the consent wording stores it
    for n in range(5):  # more lists: no more queries
        MailingList.objects.create(name=f"List {n}", slug=f"list-{n}")
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # never kept by a page cache
    state = audience.PreferencesOut.model_validate(response.json())
    assert (state.email, state.language) == ("ada@example.org", "en")
    assert {(p.slug, p.subscribed, p.pending) for p in state.lists} == {
        ("supporters", True, False),
        ("actions", False, False),
        ("board", True, True),  # internal, shown because they are on it
        *((f"list-{n}", False, False) for n in range(5)),
    }
    assert state.consent.text.startswith("Yes, I want")


def test_saving_preferences_changes_lists_and_language(client, ada, supporters, actions):
    url = f"{V3}/preferences/{subscriber_token(ada)}/"
    response = post(client, url, {"lists": ["actions"], "language": "fr"})
    assert response.status_code == 200
    state = audience.PreferencesOut.model_validate(response.json())
    assert state.language == "fr"
    assert state.awaiting_confirmation == ["actions"]
    assert {(p.slug, p.subscribed, p.pending) for p in state.lists} == {
        ("supporters", False, False),
        ("actions", True, True),
    }
    ended = Subscription.objects.get(mailing_list=supporters)
    assert ended.ended_how == Subscription.EndedHow.PREFERENCES
    added = Subscription.objects.get(mailing_list=actions)
    assert added.source == Subscription.Source.PREFERENCES
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]  # confirm the new list
    assert client.get(url).json()["language"] == "fr"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"lists": ["board"], "language": "en"}, {"lists"}),  # internal, not on it
        ({"lists": ["nope"], "language": "en"}, {"lists"}),
        ({"lists": "supporters", "language": "en"}, {"lists"}),
        ({"lists": [1], "language": "de"}, {"lists", "language"}),
        ({"lists": ["sup\x00porters"], "language": "e\x00n"}, {"lists", "language"}),
        ({"language": "en"}, {"lists"}),
        ([], {"__all__"}),
        (b"{oops", {"__all__"}),
    ],
)
def test_bad_preferences_get_400_and_change_nothing(
    client, ada, supporters, board_list, payload, fields
):
    response = post(client, f"{V3}/preferences/{subscriber_token(ada)}/", payload)
    assert response.status_code == 400
    assert set(audience.Problem.model_validate(response.json()).errors) == fields
    assert Subscription.objects.get(mailing_list=supporters).is_open
    assert Subscriber.objects.get().language == "en"


def test_preferences_need_json_and_a_genuine_token(client, ada):
    url = f"{V3}/preferences/{subscriber_token(ada)}/"
    form = client.post(url, {"lists": [], "language": "en"})  # form-encoded
    assert form.status_code == 415
    answers = set()
    for bad in forged(subscriber_token(ada)):
        for response in (
            client.get(f"{V3}/preferences/{bad}/"),
            post(client, f"{V3}/preferences/{bad}/", {"lists": [], "language": "en"}),
        ):
            assert response.status_code == 400
            answers.add(response.content)
    assert len(answers) == 1  # a known or unknown subscriber: the same answer
    assert Subscription.objects.get().is_open


# --- unsubscribe ------------------------------------------------------------------------------


def test_unsubscribing_leaves_everything_at_once(client, ada, actions):
    subscriptions.add_manually(
        "ada@example.org", actions, subscriptions.ConsentRecord(), require_confirmation=False
    )
    url = f"{V3}/unsubscribe/{subscriber_token(ada)}/"
    response = client.post(url)
    assert response.status_code == 200
    assert response.json() == {"status": "unsubscribed", "list": None}
    assert not Subscription.objects.filter(status__in=Subscription.OPEN).exists()
    assert set(Subscription.objects.values_list("ended_how", flat=True)) == {"everything"}
    assert Suppression.objects.filter(email="ada@example.org").exists()
    assert client.post(url).status_code == 200  # idempotent


def test_unsubscribing_from_one_list(client, ada, supporters, actions):
    subscriptions.add_manually(
        "ada@example.org", actions, subscriptions.ConsentRecord(), require_confirmation=False
    )
    response = client.post(f"{V3}/unsubscribe/{subscriber_token(ada)}/?list=actions")
    assert audience.Unsubscribed.model_validate(response.json()).list == "actions"
    assert Subscription.objects.get(mailing_list=actions).ended_how == "unsubscribe_page"
    assert Subscription.objects.get(mailing_list=supporters).is_open
    assert not Suppression.objects.exists()


def test_one_click_unsubscribe_is_recorded_as_such(client, ada):
    url = f"{V3}/unsubscribe/{subscriber_token(ada)}/?list=supporters"
    response = client.post(url, {"List-Unsubscribe": "One-Click"})  # RFC 8058's body
    assert response.status_code == 200
    assert Subscription.objects.get().ended_how == Subscription.EndedHow.ONE_CLICK


def test_forged_unsubscribe_links_change_nothing(client, ada):
    answers = {client.post(f"{V3}/unsubscribe/{bad}/").content for bad in forged("x.y")}
    answers |= {
        client.post(f"{V3}/unsubscribe/{bad}/").content for bad in forged(subscriber_token(ada))
    }
    assert answers == {
        json.dumps({"status": "error", "errors": {"token": ["This link is not valid"]}}).encode()
    }
    assert Subscription.objects.get().is_open
    assert client.get(f"{V3}/unsubscribe/{subscriber_token(ada)}/").status_code == 405


@pytest.mark.parametrize("token", ["a/b", "a%2Fb", "%00", "a%0Ab", "x" * 5000, "..", "%C3%A9"])
def test_any_token_text_gets_the_400(client, ada, token):
    for method, path in (
        ("post", f"{V3}/confirm/{token}/"),
        ("get", f"{V3}/preferences/{token}/"),
        ("post", f"{V3}/unsubscribe/{token}/"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 400, path
        assert response.json()["errors"] == {"token": ["This link is not valid"]}
    assert Subscription.objects.get().is_open


def test_unsubscribing_from_an_unknown_list_changes_nothing(client, ada):
    response = client.post(f"{V3}/unsubscribe/{subscriber_token(ada)}/?list=no-such-list")

    assert response.status_code == 400
    assert response.json()["errors"]["list"]
    assert Subscription.objects.get(subscriber=ada).status == Subscription.Status.ACTIVE
