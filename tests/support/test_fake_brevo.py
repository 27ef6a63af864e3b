"""The fake Brevo server, driven over HTTP and through Anymail's real Brevo backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from anymail.exceptions import AnymailRequestsAPIError
from anymail.message import AnymailMessage

from tests.support.fake_brevo import (
    MAX_VERSIONS,
    FakeBrevo,
    TemplateSyntaxError,
    compile_template,
    html_to_text,
    render,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
FROM = "Newsletter <news@example.org>"
READERS = ["ada@example.com", "bob@example.com", "cy@example.com"]
HTML = (
    "<html><body><p>Hello {{ params.name }},</p>"
    '<p><a href="{{params.url}}">read</a> {% verbatim %}{{ not a tag }}{% endverbatim %}</p>'
    "{# a comment #}{% autoescape off %}<div>{{ params.raw }}</div>{% endautoescape %}"
    "</body></html>"
)


@pytest.fixture
def brevo():
    with FakeBrevo() as server:
        yield server


@pytest.fixture
def backend(settings, brevo):
    """Django sends through Anymail's real Brevo backend to the fake server."""
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.ANYMAIL = brevo.anymail_settings()
    return brevo


def api(server, method, path, key="xkeysib-test", **kwargs):
    return requests.request(
        method, f"{server.url}/v3/{path}", headers={"api-key": key}, timeout=10, **kwargs
    )


def create_template(server, html=HTML, subject="News for {{ params.name }}", **extra):
    body = {
        "templateName": "spring",
        "subject": subject,
        "htmlContent": html,
        "sender": {"name": "Newsletter", "email": "news@example.org"},
        "isActive": True,
        **extra,
    }
    return api(server, "POST", "smtp/templates", json=body)


def template_message(template_id, to=READERS, merge_data=None):
    message = AnymailMessage(from_email=FROM, to=list(to), subject="", body="")
    message.template_id = template_id
    message.merge_data = merge_data or {
        addr: {"name": addr.split("@")[0].title(), "url": f"https://x/{addr[0]}", "raw": "<b>!</b>"}
        for addr in to
    }
    message.merge_headers = {
        addr: {
            "List-Unsubscribe": f"<https://x/u/{addr[0].upper()}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        for addr in to
    }
    return message


# -- templates --------------------------------------------------------------------------------


def test_template_create_get_delete_and_404(brevo):
    created = create_template(brevo, isActive=False, tag="spring")
    assert created.status_code == 201
    template_id = created.json()["id"]
    assert isinstance(template_id, int)

    got = api(brevo, "GET", f"smtp/templates/{template_id}")
    assert got.status_code == 200
    assert got.json()["name"] == "spring"
    assert got.json()["htmlContent"] == HTML
    assert got.json()["isActive"] is False
    assert got.json()["sender"] == {"name": "Newsletter", "email": "news@example.org"}
    assert brevo.templates[template_id]["tag"] == "spring"

    deleted = api(brevo, "DELETE", f"smtp/templates/{template_id}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert template_id not in brevo.templates
    for method in ("GET", "DELETE"):
        gone = api(brevo, method, f"smtp/templates/{template_id}")
        assert gone.status_code == 404
        assert gone.json() == {
            "code": "document_not_found",
            "message": "Template ID does not exist",
        }
    assert [c["status"] for c in brevo.template_calls] == [201, 200, 204, 404, 404]


def test_active_template_is_deleted_only_after_deactivation(brevo):
    template_id = create_template(brevo).json()["id"]
    refused = api(brevo, "DELETE", f"smtp/templates/{template_id}")
    assert refused.status_code == 405
    assert refused.json()["code"] == "method_not_allowed"

    assert api(brevo, "PUT", f"smtp/templates/{template_id}", json={"isActive": False}).ok
    assert api(brevo, "DELETE", f"smtp/templates/{template_id}").status_code == 204
    assert brevo.templates == {}


@pytest.mark.parametrize(
    ("missing", "status", "code"),
    [
        ("templateName", 400, "missing_parameter"),
        ("subject", 400, "missing_parameter"),
        ("sender", 400, "missing_parameter"),
        ("htmlContent", 400, "missing_parameter"),
    ],
)
def test_template_without_a_required_field_is_400(brevo, missing, status, code):
    body = {
        "templateName": "t",
        "subject": "s",
        "htmlContent": "<p>long enough</p>",
        "sender": {"email": "news@example.org"},
    }
    del body[missing]
    response = api(brevo, "POST", "smtp/templates", json=body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert missing in response.json()["message"]
    assert brevo.templates == {}


@pytest.mark.parametrize(
    "html",
    [
        "<p>{{ name }}</p>",  # not params.
        "<p>{{ params.name|upper }}</p>",  # filters are not known to the fake
        "<p>{{ params.name </p>",
        "<p>{% if params.x %}x{% endif %}</p>",
        "<p>{% verbatim %}never closed</p>",
        "<p>{% autoescape off %}never closed</p>",
        "<p>{# never closed</p>",
    ],
)
def test_template_syntax_errors_refuse_the_template(brevo, html):
    response = create_template(brevo, html=html)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert response.json()["message"].startswith("template syntax error")
    assert brevo.templates == {}


def test_template_calls_need_the_key(brevo):
    response = api(brevo, "GET", "smtp/templates/1", key="x")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": "Key not found"}


# -- batch send through Anymail ---------------------------------------------------------------


def test_batch_through_anymail_renders_each_version(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    message = template_message(template_id)

    assert message.send() == 1

    [call] = server.send_calls
    assert call["status"] == 201
    assert call["versions"] == 3
    assert call["recipients"] == READERS
    assert [s.to for s in server.sent] == READERS
    for sent in server.sent:
        name = sent.to.split("@")[0].title()
        assert sent.subject == f"News for {name}"
        assert f"<p>Hello {name},</p>" in sent.html
        assert f'href="https://x/{sent.to[0]}"' in sent.html
        assert "{{ not a tag }}" in sent.html
        assert "<div><b>!</b></div>" in sent.html  # autoescape off
        assert "comment" not in sent.html
        assert sent.headers == {
            "List-Unsubscribe": f"<https://x/u/{sent.to[0].upper()}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        assert sent.text.startswith(f"Hello {name},\nread {{{{ not a tag }}}}")
        assert "<" not in sent.text.replace("<b>", "")
        assert message.anymail_status.recipients[sent.to].message_id == sent.message_id
        assert sent.message_id.endswith("@smtp-relay.mailin.fr>")
        assert sent.call == 0
    assert len({s.message_id for s in server.sent}) == 3
    assert server.missing == []


def test_values_are_html_escaped_in_body_and_subject(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    values = {"name": "Tom & <Jerry>", "url": 'https://x/?a=1&b="2"', "raw": "<i>ok</i>"}
    message = template_message(template_id, to=["tom@example.com"])
    message.merge_data = {"tom@example.com": values}
    message.send()

    [sent] = server.sent
    assert "<p>Hello Tom &amp; &lt;Jerry&gt;,</p>" in sent.html
    assert 'href="https://x/?a=1&amp;b=&quot;2&quot;"' in sent.html
    assert "<div><i>ok</i></div>" in sent.html
    assert sent.subject == "News for Tom &amp; &lt;Jerry&gt;"
    assert sent.text.startswith("Hello Tom & <Jerry>,")


def test_global_params_and_headers_merge_with_each_version(backend):
    server = backend
    created = create_template(server, html="<p>{{ params.name }} / {{ params.issue }}</p>")
    message = template_message(created.json()["id"], to=READERS[:2])
    message.merge_data = {READERS[0]: {"name": "Ada", "issue": "own"}, READERS[1]: {}}
    message.merge_global_data = {"issue": "Spring", "name": "Reader"}
    message.extra_headers = {"X-Campaign": "spring", "List-Unsubscribe-Post": "overridden"}
    message.metadata = {"send": 7}
    message.send()

    first, second = server.sent
    assert (first.html, second.html) == ("<p>Ada / own</p>", "<p>Reader / Spring</p>")
    assert first.headers["X-Campaign"] == second.headers["X-Campaign"] == "spring"
    assert first.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.metadata == {"send": 7}


def test_missing_params_render_empty_and_are_noted(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    message = template_message(template_id, to=["ada@example.com"])
    message.merge_data = {"ada@example.com": {"name": "Ada"}}
    message.send()

    [sent] = server.sent
    assert 'href=""' in sent.html
    assert sorted(server.missing) == ["raw", "url"]


def test_one_refused_address_fails_the_whole_call(backend):
    server = backend
    server.refuse("BOB@example.com")
    template_id = create_template(server).json()["id"]

    with pytest.raises(AnymailRequestsAPIError) as raised:
        template_message(template_id).send()

    assert raised.value.status_code == 400
    assert server.sent == []
    assert server.send_calls[0]["status"] == 400
    assert server.send_calls[0]["error"] == "email is not valid in to"


def test_more_than_a_thousand_versions_is_400(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    readers = [f"r{n}@example.com" for n in range(MAX_VERSIONS + 1)]

    with pytest.raises(AnymailRequestsAPIError) as raised:
        template_message(template_id, to=readers).send()

    assert raised.value.status_code == 400
    assert "1000" in raised.value.response.json()["message"]
    assert server.sent == []

    assert template_message(template_id, to=readers[:MAX_VERSIONS]).send() == 1
    assert len(server.sent) == MAX_VERSIONS


def test_unknown_or_inactive_template_is_400(backend):
    server = backend
    inactive = create_template(server, isActive=False).json()["id"]
    for template_id, reason in ((inactive, "Template is not active"), (999, "Template not found")):
        with pytest.raises(AnymailRequestsAPIError) as raised:
            template_message(template_id).send()
        assert raised.value.status_code == 400
        assert raised.value.response.json()["message"] == reason
    assert server.sent == []


def test_template_id_must_be_an_integer(backend):
    template_id = create_template(backend).json()["id"]
    with pytest.raises(AnymailRequestsAPIError) as raised:
        template_message(str(template_id)).send()
    assert raised.value.status_code == 400
    assert "integer" in raised.value.response.json()["message"]


# -- single sends -----------------------------------------------------------------------------


def test_template_to_one_reader_answers_one_message_id(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    message = AnymailMessage(from_email=FROM, to=["ada@example.com"], subject="", body="")
    message.template_id = template_id
    message.merge_global_data = {"name": "Ada", "url": "u", "raw": "r"}
    message.send()

    [sent] = server.sent
    assert sent.subject == "News for Ada"
    assert message.anymail_status.message_id == sent.message_id
    assert server.send_calls[0]["versions"] == 1


def test_inline_content_renders_params(backend):
    server = backend
    message = AnymailMessage(
        from_email=FROM,
        to=["ada@example.com"],
        cc=["cy@example.com"],
        subject="Hi {{ params.name }}",
        body="Plain {{ params.name }} & co",
    )
    message.attach_alternative("<p>Hi {{ params.name }}</p>", "text/html")
    message.merge_global_data = {"name": "A&B"}
    message.send()

    ada, cy = server.sent
    assert (ada.to, cy.to) == ("ada@example.com", "cy@example.com")
    assert ada.html == "<p>Hi A&amp;B</p>"
    assert ada.text == "Plain A&B & co"
    assert ada.message_id == cy.message_id == message.anymail_status.message_id

    server.refuse("cy@example.com")
    with pytest.raises(AnymailRequestsAPIError):
        message.send()
    assert len(server.sent) == 2


# -- faults and auth --------------------------------------------------------------------------


def test_server_error_sends_nothing(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    server.fail_next(status=502)
    with pytest.raises(AnymailRequestsAPIError) as raised:
        template_message(template_id).send()
    assert raised.value.status_code == 502
    assert raised.value.response.json()["code"] == "internal_error"
    assert server.sent == []
    assert server.send_calls[0]["fault"] == "fail"
    assert server.send_calls[0]["recipients"] == READERS


def test_throttle_is_429_with_retry_after(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    server.throttle_next(retry_after=7)
    with pytest.raises(AnymailRequestsAPIError) as raised:
        template_message(template_id).send()
    response = raised.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["x-sib-ratelimit-reset"] == "7"
    assert response.json()["code"] == "too_many_requests"
    assert server.sent == []

    template_message(template_id).send()  # the fault was used up
    assert len(server.sent) == 3


def test_dropped_connection_after_the_messages_were_sent(backend):
    server = backend
    template_id = create_template(server).json()["id"]
    server.drop_next()
    with pytest.raises(requests.ConnectionError) as raised:
        template_message(template_id).send()
    assert isinstance(raised.value, AnymailRequestsAPIError)
    assert [s.to for s in server.sent] == READERS
    assert server.send_calls[0]["fault"] == "drop"


def test_wrong_key_is_401(settings, brevo):
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.ANYMAIL = {**brevo.anymail_settings(), "BREVO_API_KEY": "wrong"}
    template_id = create_template(brevo).json()["id"]
    brevo.fail_next()
    with pytest.raises(AnymailRequestsAPIError) as raised:
        template_message(template_id).send()
    assert raised.value.status_code == 401
    assert raised.value.response.json() == {"code": "unauthorized", "message": "Key not found"}
    assert brevo.sent == []
    assert brevo.send_calls[0]["status"] == 401
    with pytest.raises(AnymailRequestsAPIError):
        template_message(template_id).send()
    assert brevo.send_calls[1]["status"] == 401  # not the pending fault's 500


# -- helpers ----------------------------------------------------------------------------------


def test_health_counts_and_settings(brevo):
    template_id = create_template(brevo).json()["id"]
    body = {
        "templateId": template_id,
        "messageVersions": [{"to": [{"email": a}]} for a in READERS[:2]],
    }
    assert api(brevo, "POST", "smtp/email", json=body).status_code == 201
    assert requests.get(brevo.url + "/health", timeout=5).json() == {"status": "ok"}
    counts = requests.get(brevo.url + "/fake/counts", timeout=5).json()
    assert counts == {READERS[0]: 1, READERS[1]: 1}
    assert brevo.anymail_settings() == {
        "BREVO_API_KEY": "xkeysib-test",
        "BREVO_API_URL": brevo.url + "/v3/",
    }
    assert brevo.environment() == {
        "EMAIL_ESP": "brevo",
        "ANYMAIL_BREVO_API_KEY": "xkeysib-test",
        "ANYMAIL_BREVO_API_URL": brevo.url + "/v3/",
    }
    assert brevo.errors == []


def test_template_language_functions():
    nodes = compile_template(
        "a{{params.x.y}}b{% autoescape off %}{{ params.z }}{% endautoescape %}"
    )
    missing: list[str] = []
    assert render(nodes, {"x": {"y": "<"}, "z": "<"}, missing) == "a&lt;b<"
    assert render(nodes, {}, missing) == "ab"
    assert missing == ["x.y", "z"]
    assert render(compile_template("{% verbatim v %}{% endverbatim %}{% endverbatim v %}"), {}) == (
        "{% endverbatim %}"
    )
    with pytest.raises(TemplateSyntaxError):
        compile_template("{% endautoescape %}")
    assert html_to_text("<style>p{}</style><p>A &amp; B</p><p>C<br>D</p>") == "A & B\nC\nD"


def test_standalone_server_serves_until_stopped():
    """``python -m tests.support.fake_brevo`` prints its API URL and answers on it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_brevo", "--api-key", "k"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        api_url = process.stdout.readline().strip()
        assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/v3/")
        response = requests.get(api_url + "smtp/templates", headers={"api-key": "k"}, timeout=5)
        assert response.json() == {"count": 0, "templates": []}
    finally:
        process.terminate()
        process.wait(timeout=10)
