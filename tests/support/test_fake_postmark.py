"""The fake Postmark server, driven through Anymail's real Postmark backend and over HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from anymail.exceptions import AnymailRecipientsRefused, AnymailRequestsAPIError
from anymail.message import AnymailMessage

from tests.support.fake_postmark import (
    MAX_BATCH_MESSAGES,
    FakePostmark,
    TemplateSyntaxError,
    compile_template,
    render,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
FROM = "Newsletter <news@example.org>"
READERS = ["ada@example.com", "Bob Jones <bob@example.com>", "cy@example.com"]
ADDRS = ["ada@example.com", "bob@example.com", "cy@example.com"]
TEMPLATE = {
    "Name": "Spring issue",
    "Alias": "spring",
    "Subject": "News for {{ name }}",
    "HtmlBody": "<p>Hi {{ name }}</p><a href='{{{ link }}}'>read</a> {{{lit0}}}x}}",
    "TextBody": "Hi {{name}}, read {{ link }}",
}


@pytest.fixture
def postmark():
    with FakePostmark() as server:
        yield server


@pytest.fixture
def backend(settings, postmark):
    """Django sends through Anymail's real Postmark backend to the fake server."""
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = postmark.anymail_settings()
    return postmark


def api(server, method, path, json=None, token=None):
    headers = {"X-Postmark-Server-Token": token or server.token, "Accept": "application/json"}
    return requests.request(method, f"{server.url}/{path}", json=json, headers=headers, timeout=10)


def unsubscribe(addr):
    return {
        "List-Unsubscribe": f"<https://x/u/{addr.split('@')[0]}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def batch(to=READERS, names=None, **extra):
    names = names or {addr: addr.split("@")[0].title() for addr in ADDRS}
    return AnymailMessage(
        from_email=FROM,
        to=to,
        template_id="spring",
        merge_data={addr: {"name": names[addr], "link": f"https://x/{addr}"} for addr in names},
        merge_global_data={"lit0": "{{"},
        merge_headers={addr: unsubscribe(addr) for addr in names},
        **extra,
    )


# -- batchWithTemplates through Anymail ---------------------------------------------------------


def test_one_call_renders_each_reader_with_their_own_values_and_headers(backend):
    assert api(backend, "POST", "templates", TEMPLATE).status_code == 200
    message = batch()

    assert message.send() == 1

    [call] = backend.send_calls
    assert call["endpoint"] == "email/batchWithTemplates"
    assert call["status"] == 200 and call["messages"] == 3 and call["fault"] is None
    assert call["recipients"] == ADDRS
    assert [sent.to for sent in backend.sent] == ADDRS
    for sent in backend.sent:
        user = sent.to.split("@")[0]
        assert sent.subject == f"News for {user.title()}"
        assert sent.html == (
            f"<p>Hi {user.title()}</p><a href='https://x/{sent.to}'>read</a> {{{{x}}}}"
        )
        assert sent.text == f"Hi {user.title()}, read https://x/{sent.to}"
        assert sent.headers == unsubscribe(sent.to)
        assert sent.call == 1
        status = message.anymail_status.recipients[sent.to]
        assert (status.status, status.message_id) == ("sent", sent.message_id)
    assert len({sent.message_id for sent in backend.sent}) == 3
    assert backend.missing == []
    assert backend.delivery_counts() == {addr: 1 for addr in ADDRS}


def test_values_are_escaped_in_html_only_and_triple_braces_never(backend):
    backend.create_template("spring", TEMPLATE["Subject"], TEMPLATE["HtmlBody"], "{{name}}")
    names = {"ada@example.com": "Tom & <Jerry>"}

    batch(to=["ada@example.com"], names=names).send()

    [sent] = backend.sent
    assert sent.subject == "News for Tom & <Jerry>"
    assert sent.html.startswith("<p>Hi Tom &amp; &lt;Jerry&gt;</p><a href='https://x/ada@")
    assert sent.text == "Tom & <Jerry>"


def test_a_missing_variable_renders_empty_and_is_noted(backend):
    backend.create_template("spring", "Hi {{ first.name }}", "<p>{{ name }}</p>", "{{ nope }}")

    batch(to=["ada@example.com"], names={"ada@example.com": "Ada"}).send()

    [sent] = backend.sent
    assert (sent.subject, sent.html, sent.text) == ("Hi ", "<p>Ada</p>", "")
    assert backend.missing == [("ada@example.com", "first.name"), ("ada@example.com", "nope")]


def test_a_refused_address_is_rejected_and_the_others_sent(backend):
    backend.create_template("spring", **_bodies())
    backend.refuse("BOB@example.com")
    message = batch()

    message.send()

    statuses = {addr: status.status for addr, status in message.anymail_status.recipients.items()}
    assert statuses == {
        "ada@example.com": "sent",
        "bob@example.com": "rejected",
        "cy@example.com": "sent",
    }
    assert message.anymail_status.recipients["bob@example.com"].message_id is None
    assert [sent.to for sent in backend.sent] == ["ada@example.com", "cy@example.com"]


def test_the_inactive_message_is_what_anymail_parses():
    with FakePostmark() as server:
        server.create_template("spring", **_bodies())
        server.refuse("a@x.org")
        messages = [_templated("a@x.org"), _templated("b@x.org")]
        [refused, sent] = api(
            server, "POST", "email/batchWithTemplates", {"Messages": messages}
        ).json()
    assert refused["ErrorCode"] == 406 and "MessageID" not in refused
    match = re.search(r"inactive addresses:\s*(.*)\.\s*Inactive recipients", refused["Message"])
    assert match and match.group(1) == "a@x.org"
    assert sent["ErrorCode"] == 0 and sent["To"] == "b@x.org"


def test_more_than_500_messages_are_refused_and_nothing_sent(backend):
    backend.create_template("spring", **_bodies())
    readers = [f"r{n}@example.com" for n in range(MAX_BATCH_MESSAGES + 1)]
    names = {addr: "R" for addr in readers}

    with pytest.raises(AnymailRequestsAPIError) as raised:
        batch(to=readers, names=names).send()

    assert raised.value.status_code == 422
    assert raised.value.response.json()["ErrorCode"] == 410
    assert backend.sent == [] and backend.send_calls[0]["status"] == 422
    batch(to=readers[:500], names=names).send()
    assert len(backend.sent) == 500


def test_an_unknown_template_is_an_api_error(backend):
    with pytest.raises(AnymailRequestsAPIError) as raised:
        batch().send()

    assert [item["ErrorCode"] for item in raised.value.response.json()] == [1101] * 3
    assert backend.sent == []


# -- faults, auth ---------------------------------------------------------------------------------


def test_a_failed_call_sends_nothing_then_the_next_one_goes(backend):
    backend.create_template("spring", **_bodies())
    backend.fail_next(1, status=500)

    with pytest.raises(AnymailRequestsAPIError) as raised:
        batch().send()

    assert raised.value.status_code == 500 and backend.sent == []
    batch().send()
    assert [call["status"] for call in backend.send_calls] == [500, 200]
    assert [call["fault"] for call in backend.send_calls] == ["fail", None]
    assert len(backend.sent) == 3


def test_throttle_answers_429_with_retry_after(backend):
    backend.create_template("spring", **_bodies())
    backend.throttle_next(retry_after=7)

    with pytest.raises(AnymailRequestsAPIError) as raised:
        batch().send()

    assert raised.value.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert backend.sent == []


def test_a_dropped_call_was_sent_but_never_answered(backend):
    backend.create_template("spring", **_bodies())
    backend.drop_next()

    with pytest.raises(requests.ConnectionError):
        batch().send()

    assert [sent.to for sent in backend.sent] == ADDRS
    assert backend.send_call_count == 1 and backend.send_calls[0]["fault"] == "drop"


def test_a_wrong_token_is_401(settings, backend):
    settings.ANYMAIL = backend.anymail_settings(POSTMARK_SERVER_TOKEN="wrong")
    backend.fail_next()  # not spent on a call that is refused first

    with pytest.raises(AnymailRequestsAPIError) as raised:
        AnymailMessage("Hi", "Body", FROM, ["ada@example.com"]).send()

    assert raised.value.status_code == 401
    assert raised.value.response.json()["ErrorCode"] == 10
    assert backend.send_calls[0]["status"] == 401 and backend.sent == []
    assert api(backend, "GET", "templates/spring", token="wrong").status_code == 401
    assert backend.template_calls == [("GET", "/templates/spring", 401)]
    assert backend.take_fault().kind == "fail"


# -- the other send endpoints ---------------------------------------------------------------------


def test_a_plain_message_goes_to_email(backend):
    message = AnymailMessage("Hi & bye", "Body", FROM, ["ada@example.com"], cc=["cy@example.com"])
    message.attach_alternative("<p>Body</p>", "text/html")
    message.metadata = {"newsletter_send": "7"}

    message.send()

    assert backend.send_calls[0]["endpoint"] == "email"
    assert [sent.to for sent in backend.sent] == ["ada@example.com", "cy@example.com"]
    sent = backend.sent[0]
    assert (sent.subject, sent.text, sent.html) == ("Hi & bye", "Body", "<p>Body</p>")
    assert sent.metadata == {"newsletter_send": "7"}
    assert message.anymail_status.recipients["ada@example.com"].message_id == sent.message_id


def test_a_plain_message_to_a_refused_address_is_rejected(backend):
    backend.refuse("ada@example.com")
    message = AnymailMessage("Hi", "Body", FROM, ["ada@example.com"])

    with pytest.raises(AnymailRecipientsRefused):
        message.send()

    assert message.anymail_status.status == {"rejected"}
    assert backend.send_calls[0]["status"] == 422 and backend.sent == []


def test_per_reader_metadata_without_template_goes_to_email_batch(backend):
    message = AnymailMessage("Hi", "Body", FROM, ADDRS[:2])
    message.merge_metadata = {addr: {"reader": addr[0]} for addr in ADDRS[:2]}

    message.send()

    assert backend.send_calls[0]["endpoint"] == "email/batch"
    assert [sent.metadata for sent in backend.sent] == [{"reader": "a"}, {"reader": "b"}]
    assert message.anymail_status.status == {"sent"}


def test_one_templated_message_goes_to_with_template(backend):
    template_id = backend.create_template("spring", **_bodies())["TemplateId"]
    message = AnymailMessage(from_email=FROM, to=["ada@example.com"], template_id=template_id)
    message.merge_global_data = {"name": "All"}

    message.send()

    assert backend.send_calls[0]["endpoint"] == "email/withTemplate/"
    assert backend.sent[0].subject == "News for All"


# -- templates API ---------------------------------------------------------------------------------


def test_template_create_duplicate_get_delete(postmark):
    created = api(postmark, "POST", "templates", TEMPLATE)
    assert created.status_code == 200
    body = created.json()
    assert body == {
        "TemplateId": body["TemplateId"],
        "Name": "Spring issue",
        "Active": True,
        "Alias": "spring",
        "TemplateType": "Standard",
        "LayoutTemplate": None,
    }
    duplicate = api(postmark, "POST", "templates", TEMPLATE)
    assert duplicate.status_code == 422 and duplicate.json()["ErrorCode"] == 1122
    for key in ("spring", body["TemplateId"]):
        got = api(postmark, "GET", f"templates/{key}").json()
        assert got["TemplateId"] == body["TemplateId"] and got["HtmlBody"] == TEMPLATE["HtmlBody"]
    assert api(postmark, "GET", "templates").json()["TotalCount"] == 1

    deleted = api(postmark, "DELETE", "templates/spring")
    assert deleted.json() == {"ErrorCode": 0, "Message": f"Template {body['TemplateId']} removed."}
    for method in ("GET", "DELETE"):
        gone = api(postmark, method, "templates/spring")
        assert gone.status_code == 422 and gone.json()["ErrorCode"] == 1101
    assert postmark.templates == {}
    assert [status for _m, _p, status in postmark.template_calls] == [
        200,
        422,
        200,
        200,
        200,
        200,
        422,
        422,
    ]
    assert postmark.send_calls == []


@pytest.mark.parametrize("html", ["<p>{{ name </p>", "{{#items}}x{{/items}}", "{{{ raw }}"])
def test_a_template_that_does_not_parse_is_refused(postmark, html):
    answer = api(postmark, "POST", "templates", {**TEMPLATE, "HtmlBody": html})

    assert answer.status_code == 422 and answer.json()["ErrorCode"] == 1122
    assert postmark.templates == {}


def test_template_calls_never_take_faults(postmark):
    postmark.fail_next()

    assert api(postmark, "POST", "templates", TEMPLATE).status_code == 200
    assert api(postmark, "POST", "templates", {"Name": "x"}).json()["ErrorCode"] == 1120


def test_mustachio_compiles_plain_variables_only():
    parts = compile_template("a {{ b.c }} {{{d}}} {{! note }}e")
    assert parts == ["a ", ("b.c", False), " ", ("d", True), " ", "e"]
    missing: set[str] = set()
    assert render(parts, {"b": {"c": "<"}, "d": "<"}, True, missing) == "a &lt; < e"
    assert missing == set()
    with pytest.raises(TemplateSyntaxError):
        compile_template("{{> partial}}")


# -- helpers, standalone --------------------------------------------------------------------------


def test_settings_environment_and_fake_endpoints(postmark):
    assert postmark.anymail_settings(X=1) == {
        "POSTMARK_SERVER_TOKEN": postmark.token,
        "POSTMARK_API_URL": postmark.url + "/",
        "X": 1,
    }
    assert postmark.environment() == {
        "EMAIL_ESP": "postmark",
        "ANYMAIL_POSTMARK_SERVER_TOKEN": postmark.token,
        "ANYMAIL_POSTMARK_API_URL": postmark.url + "/",
    }
    assert requests.get(f"{postmark.url}/health", timeout=10).json() == {"status": "ok"}
    assert requests.get(f"{postmark.url}/fake/counts", timeout=10).json() == {}
    assert postmark.errors == []


def test_runs_standalone():
    process = subprocess.Popen(
        [sys.executable, "tests/support/fake_postmark.py", "--port", "0", "--token", "t"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert requests.get(url + "health", timeout=10).json() == {"status": "ok"}
        assert requests.post(url + "email", json={}, timeout=10).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def _bodies():
    return {"subject": "News for {{name}}", "html_body": "<p>{{name}}</p>", "text_body": "x"}


def _templated(to):
    return {"From": FROM, "To": to, "TemplateAlias": "spring", "TemplateModel": {"name": "N"}}
