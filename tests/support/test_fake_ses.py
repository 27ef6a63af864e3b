"""The fake Amazon SES v2 server, driven by boto3 and by Anymail's real SES backend."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailMessage
from botocore.exceptions import ClientError

from tests.support.fake_ses import (
    MAX_BULK_ENTRIES,
    FakeSES,
    TemplateSyntaxError,
    compile_template,
    render,
    session_params,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
FROM = "Newsletter <news@example.org>"
READERS = ["ada@example.com", "Bob Jones <bob@example.com>", "cy@example.com"]
ADDRS = ["ada@example.com", "bob@example.com", "cy@example.com"]
CONTENT = {
    "Subject": "News for {{name}}",
    "Html": "<p>Hi {{name}}</p><a href='{{{link}}}'>read</a> {{{lit0}}}x}}",
    "Text": "Hi {{name}}, read {{link}} ({{brand}})",
}


@pytest.fixture
def ses():
    with FakeSES() as server:
        yield server


@pytest.fixture
def backend(settings, ses):
    """Django sends through Anymail's real SES backend (boto3 ``sesv2``) to the fake."""
    settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
    settings.ANYMAIL = ses.anymail_settings(AMAZON_SES_SESSION_PARAMS=session_params())
    ses.create_template("spring", **{key.lower(): value for key, value in CONTENT.items()})
    return ses


def code_and_status(error: ClientError | AnymailAPIError) -> tuple[str, int]:
    response = error.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def unsubscribe(addr: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<https://x/u/{addr.split('@')[0]}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def batch(to=READERS, names=None, **extra) -> AnymailMessage:
    names = names or {addr: addr.split("@")[0].title() for addr in ADDRS}
    return AnymailMessage(
        from_email=FROM,
        to=to,
        template_id=extra.pop("template_id", "spring"),
        merge_data={addr: {"name": names[addr], "link": f"https://x/{addr}"} for addr in names},
        merge_global_data={"lit0": "{{", "brand": "Daily", "name": "nobody"},
        merge_headers={addr: unsubscribe(addr) for addr in names},
        **extra,
    )


# -- templates through boto3 --------------------------------------------------------------------


def test_templates_create_get_delete_and_their_errors(ses):
    client = ses.client()
    assert client.create_email_template(TemplateName="spring", TemplateContent=CONTENT)
    with pytest.raises(ClientError) as duplicate:
        client.create_email_template(TemplateName="spring", TemplateContent=CONTENT)
    assert code_and_status(duplicate.value) == ("AlreadyExistsException", 400)
    with pytest.raises(ClientError) as broken:
        client.create_email_template(TemplateName="b", TemplateContent={"Subject": "Hi {{name"})
    assert code_and_status(broken.value) == ("BadRequestException", 400)

    got = client.get_email_template(TemplateName="spring")
    assert (got["TemplateName"], got["TemplateContent"]) == ("spring", CONTENT)
    assert ses.templates == {"spring": CONTENT}
    client.delete_email_template(TemplateName="spring")
    for call in (client.get_email_template, client.delete_email_template):
        with pytest.raises(ClientError) as missing:
            call(TemplateName="spring")
        assert code_and_status(missing.value) == ("NotFoundException", 404)
    assert ses.templates == {}
    statuses = [status for _method, _path, status in ses.template_calls]
    assert statuses == [200, 400, 400, 200, 200, 404, 404]


def test_a_wrong_access_key_is_refused_403(ses):
    params = ses.client_params() | {"aws_access_key_id": "AKIAOTHER", "config": None}
    import boto3

    client = boto3.session.Session(**session_params()).client("sesv2", **params)
    with pytest.raises(ClientError) as refused:
        client.get_email_template(TemplateName="spring")
    assert code_and_status(refused.value) == ("UnrecognizedClientException", 403)


def test_handlebars_variables_escapes_literals_and_unsupported_tags():
    missing: set[str] = set()
    parts = compile_template(
        "{{ a.b }}|{{{raw}}}|{{& amp}}|{{! note }}{{!-- x}} --}}|\\{{a}}|{{gone}}"
    )
    data = {"a": {"b": "Tom & <Jerry> \"'`="}, "raw": "<b>", "amp": "&"}
    escaped = "Tom &amp; &lt;Jerry&gt; &quot;&#x27;&#x60;&#x3D;"
    assert render(parts, data, True, missing) == f"{escaped}|<b>|&||{{{{a}}}}|"
    assert render(parts, data, False, missing).startswith("Tom & <Jerry>")
    assert missing == {"gone"}
    values = {"n": 2.0, "f": 1.5, "t": True, "z": None, "a": "x"}
    printed = render(compile_template("{{n}} {{f}} {{t}} {{z}} \\\\{{a}}"), values, False, set())
    assert printed == "2 1.5 true  \\x"  # two backslashes: one printed, then the variable
    for source in ("{{a", "{{{a}}", "{{#if a}}x{{/if}}", "{{> partial}}", "{{helper a}}", "{{}}"):
        with pytest.raises(TemplateSyntaxError):
            compile_template(source)


# -- SendBulkEmail through Anymail --------------------------------------------------------------


def test_one_call_renders_each_reader_with_their_own_values_and_headers(backend):
    message = batch(esp_extra={"ConfigurationSetName": "newsletter"}, metadata={"send": "7"})
    assert message.send() == 1

    assert backend.send_call_count == 1
    call = backend.send_calls[0]
    assert (call["operation"], call["status"], call["entries"]) == ("SendBulkEmail", 200, 3)
    assert call["recipients"] == ADDRS
    assert (call["sender"], call["configuration_set"]) == (FROM, "newsletter")
    assert [sent.to for sent in backend.sent] == ADDRS
    for sent, addr in zip(backend.sent, ADDRS, strict=True):
        name = addr.split("@")[0].title()
        assert sent.subject == f"News for {name}"
        assert sent.html == f"<p>Hi {name}</p><a href='https://x/{addr}'>read</a> {{{{x}}}}"
        assert sent.text == f"Hi {name}, read https://x/{addr} (Daily)"
        assert sent.headers == unsubscribe(addr) | {"X-Metadata": '{"send": "7"}'}
        assert sent.metadata == {"send": "7"}
        assert sent.message_id == message.anymail_status.recipients[addr].message_id
    assert message.anymail_status.status == {"queued"}
    assert len({sent.message_id for sent in backend.sent}) == 3
    assert backend.missing == []


def test_values_are_not_escaped_unless_asked_for(backend):
    names = {addr: "Tom & <Jerry>" for addr in ADDRS}
    batch(names=names).send()
    assert backend.sent[0].html.startswith("<p>Hi Tom & <Jerry></p>")  # as SES documents

    backend.escape_html = True
    batch(names=names).send()
    sent = backend.sent[-1]
    assert sent.html.startswith("<p>Hi Tom &amp; &lt;Jerry&gt;</p>")
    assert sent.subject == "News for Tom & <Jerry>"
    assert sent.text.startswith("Hi Tom & <Jerry>, read")


def test_a_refused_address_fails_alone(backend):
    backend.refuse("bob@example.com")
    message = batch()
    message.send()
    statuses = {addr: status.status for addr, status in message.anymail_status.recipients.items()}
    assert statuses == {"ada@example.com": "queued", "bob@example.com": "failed"} | {
        "cy@example.com": "queued"
    }
    assert message.anymail_status.recipients["bob@example.com"].message_id is None
    assert sorted(backend.delivery_counts()) == ["ada@example.com", "cy@example.com"]


def test_every_address_refused_is_an_error(backend):
    backend.refuse(*ADDRS)
    with pytest.raises(AnymailAPIError, match="not verified") as refused:
        batch().send()
    results = refused.value.response["BulkEmailEntryResults"]
    assert [result["Status"] for result in results] == ["MESSAGE_REJECTED"] * 3
    assert backend.sent == []


def test_more_than_50_entries_is_refused_whole(backend):
    readers = [f"r{n}@example.com" for n in range(MAX_BULK_ENTRIES + 1)]
    with pytest.raises(AnymailAPIError) as refused:
        batch(to=readers, names={addr: "R" for addr in readers}).send()
    assert code_and_status(refused.value) == ("BadRequestException", 400)
    assert backend.sent == []
    assert backend.send_calls[0]["entries"] == MAX_BULK_ENTRIES + 1


def test_an_unknown_template_is_404(backend):
    with pytest.raises(AnymailAPIError) as unknown:
        batch(template_id="autumn").send()
    assert code_and_status(unknown.value) == ("NotFoundException", 404)


def test_a_missing_variable_renders_empty_and_is_noted(backend):
    message = AnymailMessage(from_email=FROM, to=["ada@example.com"], template_id="spring")
    message.merge_data = {"ada@example.com": {"name": "Ada"}}
    message.send()
    assert sorted(backend.missing) == [("ada@example.com", n) for n in ("brand", "link", "lit0")]
    assert backend.sent[0].text == "Hi Ada, read  ()"

    backend.strict_missing = True  # as SES: accepted, then a Rendering Failure
    message.send()
    assert message.anymail_status.status == {"queued"}
    assert len(backend.sent) == 1 and backend.undelivered


# -- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"), [(500, "InternalFailure"), (503, "ServiceUnavailable")]
)
def test_a_failed_call_sends_nothing_and_is_not_retried(backend, status, code):
    backend.fail_next(1, status=status)
    with pytest.raises(AnymailAPIError) as failed:
        batch().send()
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert code_and_status(failed.value) == (code, status)
    assert (backend.send_call_count, backend.sent) == (1, [])
    assert batch().send() == 1  # the fault was used up
    assert len(backend.sent) == 3


def test_throttling_is_429_with_retry_after(backend):
    backend.throttle_next(retry_after=7)
    with pytest.raises(AnymailAPIError) as throttled:
        batch().send()
    assert code_and_status(throttled.value) == ("TooManyRequestsException", 429)
    headers = throttled.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["retry-after"] == "7"
    assert (backend.send_call_count, backend.sent) == (1, [])


def test_a_dropped_answer_is_an_error_though_the_messages_were_sent(backend):
    backend.drop_next()
    with pytest.raises(AnymailAPIError):
        batch().send()
    assert backend.send_call_count == 1
    assert backend.send_calls[0]["fault"] == "drop"
    assert sorted(backend.delivery_counts()) == ADDRS


# -- SendEmail ---------------------------------------------------------------------------------


def test_a_plain_message_goes_through_send_email(backend):
    message = AnymailMessage(
        subject="Hello & welcome",
        body="Plain text",
        from_email=FROM,
        to=["Ada <ada@example.com>"],
        cc=["cy@example.com"],
        headers={"List-Unsubscribe": "<https://x/u/1>"},
        metadata={"send": "7"},
        tags=["newsletter"],
    )
    message.attach_alternative("<p>Hi &amp; welcome</p>", "text/html")
    assert message.send() == 1

    call = backend.send_calls[0]
    assert (call["operation"], call["status"]) == ("SendEmail", 200)
    assert [sent.to for sent in backend.sent] == ["ada@example.com", "cy@example.com"]
    sent = backend.sent[0]
    assert (sent.subject, sent.text.strip(), sent.html) == (
        "Hello & welcome",
        "Plain text",
        "<p>Hi &amp; welcome</p>",
    )
    assert sent.headers["List-Unsubscribe"] == "<https://x/u/1>"
    assert sent.headers["X-Tag"] == "newsletter"
    assert sent.metadata == {"send": "7"}
    assert message.anymail_status.message_id == sent.message_id


def test_send_email_to_a_refused_address_is_message_rejected(backend):
    backend.refuse("ada@example.com")
    message = AnymailMessage(subject="Hi", body="x", from_email=FROM, to=["ada@example.com"])
    with pytest.raises(AnymailAPIError) as rejected:
        message.send()
    assert code_and_status(rejected.value) == ("MessageRejected", 400)
    assert backend.sent == []


# -- helpers -----------------------------------------------------------------------------------


def test_settings_for_clients_and_the_fake_endpoints(ses):
    params = ses.client_params()
    assert params["config"] == {"retries": {"total_max_attempts": 1}}
    environment = ses.environment()
    assert environment["EMAIL_ESP"] == "amazon_ses"
    assert json.loads(environment["ANYMAIL_AMAZON_SES_CLIENT_PARAMS"]) == params
    assert ses.anymail_settings() == {"AMAZON_SES_CLIENT_PARAMS": params}

    with urllib.request.urlopen(f"{ses.url}/health", timeout=5) as health:
        assert json.load(health) == {"status": "ok"}
    with urllib.request.urlopen(f"{ses.url}/fake/counts", timeout=5) as counts:
        assert json.load(counts) == {}


def test_runs_standalone():
    script = PROJECT_DIR / "tests" / "support" / "fake_ses.py"
    with subprocess.Popen(
        [sys.executable, str(script), "--port", "0"], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            url = process.stdout.readline().strip()
            with urllib.request.urlopen(f"{url}/health", timeout=5) as health:
                assert health.status == 200
        finally:
            process.terminate()
